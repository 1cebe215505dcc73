"""The rules over several hardware keys: declared once, evaluated alike by the estimator and Python.

The estimator parses each NEUROSIM_RULE of hardware_keys.def; the workflow reads the same text from
the schema's x-rules (cimtrain.hardware_rules). Generated hardware files, many of them breaking a
rule, must get the same verdict, blamed key and message from both.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest

from cimtrain import hardware, hardware_rules

SEED = 20261206
FILES = 400
# Values of the keys the rules read, dense around each rule's boundary; each key is set with
# probability KEY_PROBABILITY, the rest keep their defaults.
CHOICES: dict[str, list[object]] = {
    "memory_cell": ["fefet", "rram", "sram"],
    "access_type": ["cmos", "cmos", "crossbar"],
    "cell_bits": [1, 2, 3, 4, 5, 6, 7, 8],
    "max_levels_ltp": [2, 3, 4, 7, 8, 15, 16, 31, 32, 60, 64, 100, 255, 256, 300],
    "max_levels_ltd": [2, 3, 4, 7, 8, 15, 16, 31, 32, 60, 64, 100, 255, 256, 300],
    "subarray_rows": [8, 16, 32, 64, 128, 256, 96],
    "subarray_cols": [8, 16, 32, 64, 128, 256],
    "columns_per_adc": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    "ag_rows_per_adc": [1, 3, 8, 30, 64, 100, 128, 200, 256, 512],
    "wg_subarray_rows": [8, 32, 128, 512],
    "wg_rows_per_adc": [1, 8, 33, 128, 500],
    "resistance_on_ohm": [1e3, 2.4e5, 1e6, 5e6, 2.4e7],
    "resistance_off_ohm": [1e3, 2.4e5, 1e6, 2.4e7, 1e8],
    "pipeline": [False, True],
    "speedup_degree": [1, 2, 4, 16],
}
KEY_PROBABILITY = 0.35


def draw_designs() -> list[dict]:
    rng = random.Random(SEED)
    return [{key: rng.choice(values) for key, values in CHOICES.items()
             if rng.random() < KEY_PROBABILITY} for _ in range(FILES)]


def estimator_verdict(binary: Path, path: Path) -> tuple[str, str | None] | None:
    """None when the estimator accepts the file, else (key blamed, message of a broken rule).

    A value refused on its own line (a power of two) has the line number and no rule message.
    """
    result = subprocess.run([str(binary), "--check-hardware", str(path)], capture_output=True,
                            text=True, check=False)
    if result.returncode == 0:
        return None
    assert result.returncode == 1, result.stderr
    found = re.fullmatch(rf"neurosim: error: {re.escape(str(path))}(:\d+)?: hardware key "
                         r"'(\w+)': (.*)\n", result.stderr)
    assert found, result.stderr
    line, key, message = found.groups()
    return key, None if line else message


def python_verdict(design: dict) -> tuple[str, str | None] | None:
    """None when check_design accepts the design, else (key blamed, message of a broken rule)."""
    rules = {rule.key for rule in hardware.design_rules()}
    try:
        hardware.check_design(design, "f", explicit=design)
    except hardware.HardwareError as error:
        assert error.key is not None, error
        named = f"f: {hardware.workflow_name(error.key)}: "
        assert str(error).startswith(named), error
        broken_rule = error.key in rules and "power of two" not in str(error)
        return error.key, str(error)[len(named):] if broken_rule else None
    return None


def test_estimator_and_workflow_judge_every_file_alike(neurosim_binary: Path,
                                                       tmp_path: Path) -> None:
    rules = {rule.key for rule in hardware.design_rules()}
    blamed: set[str] = set()
    accepted = 0
    for index, design in enumerate(draw_designs()):
        path = hardware.write_hardware_file(design, tmp_path / f"hw_{index:03d}.txt")
        expected = python_verdict(design)
        assert estimator_verdict(neurosim_binary, path) == expected, design
        if expected is None:
            accepted += 1
        else:
            blamed.add(expected[0])
    assert rules <= blamed, f"no generated file broke {sorted(rules - blamed)} first"
    assert "subarray_rows" in blamed  # a power of two, checked before the rules on both sides
    assert accepted >= FILES // 10


def test_schema_carries_every_declared_rule_and_power_of_two(neurosim_binary: Path) -> None:
    listed = subprocess.run([str(neurosim_binary), "--list-rules"], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    declared = [line.split("\t") for line in listed]
    rules = hardware.design_rules()
    assert [[r.key, r.holds, r.message] for r in rules] == declared
    assert {"max_levels_ltp", "max_levels_ltd"} <= {r.key for r in rules}
    assert set(hardware.power_of_two_keys()) >= {"subarray_rows", "adc_levels", "tree_folded_ratio"}


def test_derived_keys_are_named_as_the_config_sets_them() -> None:
    with pytest.raises(hardware.HardwareError, match=r"^h: device\.levels_ltd: 16 levels cannot "
                       r"store the 5-bit cells of cell_bits = 5; a cell needs at least 32 levels"):
        hardware.check_design({"max_levels_ltd": 16}, "h")
    settings = hardware.check_design({"memory_cell": "sram", "max_levels_ltp": 2}, "h")
    assert settings["cell_bits"] == 5  # the default, which an SRAM cell ignores


KEYS = hardware_rules.RuleKeys.from_schema(hardware.load_schema())


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "open(cell_bits)",
    "cell_bits.real > 1",
    "[cell_bits][0] > 1",
    "{cell_bits: 1}",
    "cell_bits if pipeline else 1",
    "lambda: pipeline",
    "(cell_bits := 3) > 1",
    "cell_bits + 1 > 2",
    "cell_bits * 2 > 2",
    "cell_bits @ 2",
    "-1 < cell_bits",
    "1.5 > cell_bits",
    "0x10 > cell_bits",
    "1_000 > cell_bits",
    "1234567890 > cell_bits",
    "True",
    "None == pipeline",
    "'sram' == memory_cell",
    "f'{cell_bits}' == memory_cell",
    "cell_bits > 1 > 0",
    "cell_bits in subarray_rows",
    "cell_bits is 1",
    "memory_cell < sram",
    "memory_cell == hbm2",
    "memory_cell == dram",
    "given(cell_bits, pipeline)",
    "given(key=cell_bits)",
    "given(sram)",
    "given(reference_quirks)",
    "reference_quirks == none",
    "no_such_key > 1",
    "not cell_bits",
    "cell_bits and pipeline",
    "cell_bits ** pipeline > 1",
    "given",
    "cell_bits >",
    "cell_bits = 1",
])
def test_rule_language_refuses_anything_outside_it(text: str) -> None:
    with pytest.raises(hardware_rules.RuleSyntaxError):
        hardware_rules.parse_expression(text, KEYS)


def test_rule_language_reads_what_it_allows() -> None:
    values = hardware.validate_hardware({"cell_bits": 3, "pipeline": True})
    given = {"cell_bits"}
    for text, expected in [
        ("memory_cell == fefet and cell_bits == 3", True),
        ("not (fefet != memory_cell) and pipeline", True),
        ("max_levels_ltp >= 2 ** cell_bits", True),
        ("2 ** 2 ** 2 == 16", True),
        ("given(cell_bits) and not given(pipeline)", True),
        ("pipeline and cell_bits < 2 or resistance_on_ohm > 1000", True),
        ("resistance_off_ohm < resistance_on_ohm", False),
    ]:
        node = hardware_rules.parse_expression(text, KEYS)
        assert hardware_rules.evaluate(node, values, given) is expected, text


@pytest.mark.parametrize(("declared", "complaint"), [
    ({"key": "nope", "holds": "pipeline", "message": "m"}, "not a hardware key"),
    ({"key": "pipeline", "holds": "cell_bits", "message": "m"}, "not true/false"),
    ({"key": "pipeline", "holds": "pipeline", "message": "{cell_bits"}, "unmatched brace"),
    ({"key": "pipeline", "holds": "pipeline", "message": "{bogus}"}, "unknown name 'bogus'"),
])
def test_a_malformed_rule_is_refused_when_loaded(declared: dict, complaint: str) -> None:
    with pytest.raises(hardware_rules.RuleSyntaxError, match=complaint):
        hardware_rules.Rule.parse(declared, KEYS)
