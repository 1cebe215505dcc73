"""The estimator reproduces its stored outputs bit for bit (tests/snapshot_neurosim.py made them).

Every case of tests/data/neurosim_snapshot/ (calibration presets, 32 random hardware files over
every key) is rerun and neurosim.csv, layers.csv and floorplan.json must equal the stored text
exactly; the estimator prints 9 significant digits, so any change above ~1e-9 relative shows. A
failure lists the fields that moved and by how much. Only a deliberate change of numbers may
regenerate them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import snapshot_neurosim as snapshot

CASES = snapshot.load_cases()
HAVE_CALIBRATION = snapshot.MAKE_TRACES.is_file()


def numeric_fields(name: str, text: str) -> dict[str, str]:
    """Each value of an output file under a readable name (row:column, or JSON key[index])."""
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(text)))
        return {
            f"{r}:{column}": value
            for r, row in enumerate(rows[1:], 1)
            for column, value in zip(rows[0], row, strict=True)
        }
    fields = {}
    for key, value in json.loads(text).items():
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            fields[f"{key}[{i}]"] = str(item)
    return fields


def relative_difference(expected: str, actual: str) -> str:
    try:
        a, b = float(expected), float(actual)
    except ValueError:
        return "text differs"
    return f"{abs(a - b) / max(abs(a), abs(b), 1e-300):.2e} relative"


def describe_differences(name: str, expected: str, actual: str, limit: int = 12) -> str:
    want, got = numeric_fields(name, expected), numeric_fields(name, actual)
    if want.keys() != got.keys():
        return (
            f"{name}: fields differ: missing {sorted(want.keys() - got.keys())[:5]}, "
            f"new {sorted(got.keys() - want.keys())[:5]}"
        )
    moved = [
        f"  {key}: {want[key]} -> {got[key]} ({relative_difference(want[key], got[key])})"
        for key in want
        if want[key] != got[key]
    ]
    return f"{name}: {len(moved)} values moved\n" + "\n".join(moved[:limit])


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    with snapshot.traces_in(tmp_path_factory.mktemp("snapshot_traces"), HAVE_CALIBRATION) as found:
        return found


@pytest.fixture(scope="module")
def outputs(
    neurosim_binary: Path, traces: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every runnable case, run once (two at a time) into one directory per case."""
    root = tmp_path_factory.mktemp("snapshot_outputs")
    runnable = [case for case in CASES if case.trace in traces]
    snapshot.run_cases(neurosim_binary, runnable, traces, root)
    return root


def test_snapshot_covers_presets_and_random_files() -> None:
    names = [case.name for case in CASES]
    assert sum(name.startswith("random_") for name in names) >= 30
    for preset in snapshot.PRESETS:
        assert f"{preset.stem}__calibration" in names and f"{preset.stem}__small" in names


@pytest.mark.parametrize("preset", snapshot.PRESETS, ids=[p.stem for p in snapshot.PRESETS])
def test_preset_hardware_files_are_the_ones_the_workflow_writes(preset: Path) -> None:
    stored = (snapshot.SNAPSHOT_DIR / f"{preset.stem}__small" / snapshot.HARDWARE_FILE).read_text()
    assert snapshot.preset_hardware_text(preset) == stored


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_outputs_equal_the_snapshot(
    case: snapshot.Case, outputs: Path, traces: dict[str, Path]
) -> None:
    if case.trace not in traces:
        pytest.skip("shared/calibration is not available")
    differences = []
    for name in snapshot.OUTPUT_FILES:
        expected = (snapshot.SNAPSHOT_DIR / case.name / name).read_text()
        actual = (outputs / case.name / name).read_text()
        if actual != expected:
            differences.append(describe_differences(name, expected, actual))
    assert not differences, f"{case.name}:\n" + "\n".join(differences)
