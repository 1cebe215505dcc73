"""The estimator's shape: blocks read typed parameter groups, and source files stay short.

Circuit blocks receive the groups of hardware keys they need (DesignContext members such as
`cell_config`, generated from NEUROSIM_GROUP in hardware_keys.def); only the parser, the rules,
the top of an estimate and the command line see the whole HardwareConfig.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

NEUROSIM = Path(__file__).resolve().parents[1] / "NeuroSIM"
SOURCES = sorted(
    p for d in ("src", "include") for p in (NEUROSIM / d).rglob("*") if p.suffix in (".cpp", ".hpp")
)
# Where the whole hardware file may be read: parsing, rules, listings, the top of an estimate.
WHOLE_CONFIG_READERS = {
    "hardware_config.hpp", "hardware_config.cpp", "hardware_key_specs.hpp",
    "hardware_key_specs.cpp", "design.hpp", "variants.hpp", "variants.cpp", "estimate.hpp",
    "estimate.cpp", "main.cpp",
}


def test_blocks_never_receive_the_whole_hardware_config() -> None:
    readers = [p.relative_to(NEUROSIM).as_posix() for p in SOURCES
               if "HardwareConfig" in p.read_text() and p.name not in WHOLE_CONFIG_READERS]
    assert readers == [], f"blocks reading the whole HardwareConfig: {readers}"


def test_design_context_holds_groups_not_the_hardware_config() -> None:
    design = (NEUROSIM / "include/neurosim/design.hpp").read_text()
    assert not re.search(r"const HardwareConfig&\s+hw;", design)


def test_no_source_file_over_400_lines() -> None:
    long = {p.relative_to(NEUROSIM).as_posix(): n for p in SOURCES
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


@pytest.fixture(scope="module")
def listed_keys(neurosim_binary: Path) -> list[dict]:
    listing = subprocess.run([str(neurosim_binary), "--list-keys", "--json"], check=True,
                             capture_output=True, text=True)
    return json.loads(listing.stdout)


def test_every_key_belongs_to_one_group_of_the_design_context(listed_keys: list[dict]) -> None:
    design = (NEUROSIM / "include/neurosim/design.hpp").read_text()
    members = set(re.findall(r"const \w+Config& (\w+_config);", design))
    groups = [key["group"] for key in listed_keys]
    assert set(groups) == members
    # Each group is one contiguous block of the declaration, as its struct is generated.
    runs = [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g]
    assert len(runs) == len(set(runs))
