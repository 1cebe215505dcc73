"""The hardware file: schema in step with the estimator; presets reproduce the calibration."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from cimtrain import hardware

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = Path(__file__).resolve().parents[2] / "shared" / "calibration"
PRESETS = sorted((REPO / "config" / "hardware").glob("cal_*.yaml"))


@pytest.fixture(scope="session")
def binary(neurosim_binary: Path) -> Path:
    return neurosim_binary


def parse_default(kind: str, text: str) -> object:
    if kind == "int":
        return int(text)
    if kind == "real":
        return float(text)
    if kind == "bool":
        return text == "true"
    return text


def test_schema_lists_exactly_the_estimator_keys(binary: Path) -> None:
    listing = subprocess.run(
        [str(binary), "--list-keys"], check=True, capture_output=True, text=True
    )
    estimator = {}
    for line in listing.stdout.splitlines():
        key, kind, default, _range, _description = line.split("\t")
        estimator[key] = parse_default(kind, default)
    schema = hardware.load_schema()["properties"]
    assert list(schema) == list(estimator)
    for key, default in estimator.items():
        expected = pytest.approx(default) if isinstance(default, float) else default
        assert schema[key]["default"] == expected, key
        assert schema[key]["description"], key


def test_unknown_or_bad_values_name_the_key() -> None:
    with pytest.raises(hardware.HardwareError, match="bogus_key"):
        hardware.validate_hardware({"bogus_key": 1})
    with pytest.raises(hardware.HardwareError, match="subarray_rows"):
        hardware.validate_hardware({"subarray_rows": 3})
    with pytest.raises(hardware.HardwareError, match="memory_cell"):
        hardware.validate_hardware({"memory_cell": "pcm"})


@pytest.mark.parametrize(("key", "value"), [("pe_buffer_type", "sram"), ("activation", "sigmoid")])
def test_options_the_estimator_does_not_model_are_rejected_before_any_job(key, value) -> None:
    with pytest.raises(hardware.HardwareError, match=key):
        hardware.validate_hardware({key: value})


def test_device_figures_come_from_their_own_sections() -> None:
    config = {
        "hardware": {"memory_cell": "rram"},
        "device": {
            "resistance_on_ohm": 1e5,
            "on_off_ratio": 10.0,
            "levels_ltp": 32,
            "levels_ltd": 16,
        },
        "quant": {"error_bits": 6},
    }
    settings = hardware.hardware_from_config(config)
    assert settings["resistance_off_ohm"] == pytest.approx(1e6)
    assert settings["max_levels_ltd"] == 16
    assert settings["error_bits"] == 6
    with pytest.raises(hardware.HardwareError, match="resistance_on_ohm"):
        hardware.hardware_from_config({"hardware": {"resistance_on_ohm": 1e5}})


def test_written_file_lists_the_given_keys(tmp_path: Path) -> None:
    path = hardware.write_hardware_file(
        {"memory_cell": "sram", "pipeline": False, "write_pulse_width_s": 5e-8}, tmp_path / "hw.txt"
    )
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert lines == ["memory_cell = sram", "write_pulse_width_s = 5e-08", "pipeline = false"]


@pytest.mark.skipif(not CALIBRATION.is_dir(), reason="shared/calibration is not available")
@pytest.mark.parametrize("preset", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_reproduces_reference_floorplan(
    preset: Path, binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    trace = calibration_trace
    settings = hardware.hardware_from_config(yaml.safe_load(preset.read_text()))
    hw_file = hardware.write_hardware_file(settings, tmp_path / "hw.txt")
    out = tmp_path / "out"
    result = subprocess.run(
        [str(binary), "--trace", str(trace), "--hardware", str(hw_file), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    reference = json.loads((CALIBRATION / "reference" / f"{preset.stem}.json").read_text())
    plan = json.loads((out / "floorplan.json").read_text())
    assert plan["tiles_per_layer"] == reference["floorplan"]["tiles_per_layer"]
    assert plan["speedup_per_layer"] == reference["floorplan"]["speedup_per_layer"]
