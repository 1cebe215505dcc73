"""The hardware file: schema in step with the estimator; presets reproduce the calibration."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from cimtrain import hardware, hardware_schema

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = Path(__file__).resolve().parents[2] / "shared" / "calibration"
PRESETS = sorted((REPO / "config" / "hardware").glob("cal_*.yaml"))


@pytest.fixture(scope="session")
def binary(neurosim_binary: Path) -> Path:
    return neurosim_binary


def declared_keys(binary: Path) -> list[dict]:
    listing = subprocess.run(
        [str(binary), "--list-keys", "--json"], check=True, capture_output=True, text=True
    )
    return json.loads(listing.stdout)


JSON_TYPES = {"int": int, "real": float, "bool": bool, "choice": str, "names": str}


def test_json_listing_declares_every_key_completely(binary: Path) -> None:
    keys = declared_keys(binary)
    assert len({key["name"] for key in keys}) == len(keys)
    for key in keys:
        assert {"name", "type", "unit", "default", "range", "meaning"} <= set(key), key["name"]
        assert key["meaning"] and key["read_by"], key["name"]
        default, bounds = key["default"], key["range"]
        # JSON writes whole reals without a point (40 for 40.0); bool is not an int here.
        assert isinstance(default, JSON_TYPES[key["type"]]) or (
            key["type"] == "real" and type(default) is int
        ), key["name"]
        if key["type"] == "names":  # none, all or a list of the names
            assert default in ("none", "all", *bounds["choices"]), key["name"]
        elif "choices" in bounds:
            assert default in bounds["choices"], key["name"]
        else:
            assert bounds["min"] <= default <= bounds["max"], key["name"]
            assert not (bounds["min_exclusive"] and default == bounds["min"]), key["name"]
        if key["power_of_two"]:
            assert default & (default - 1) == 0, key["name"]


def test_text_listing_has_the_same_keys_and_defaults(binary: Path) -> None:
    listing = subprocess.run(
        [str(binary), "--list-keys"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    keys = declared_keys(binary)
    assert [line.split("\t")[0] for line in listing] == [key["name"] for key in keys]
    for line, key in zip(listing, keys, strict=True):
        name, kind, unit, default, _range, meaning, _read_by, group = line.split("\t")
        expected = (key["type"], key["unit"], key["meaning"], key["group"])
        assert (kind, unit, meaning, group) == expected
        if kind == "real":
            assert float(default) == pytest.approx(key["default"], rel=1e-5)
        else:
            assert default == json.dumps(key["default"]).strip('"')


def test_schema_is_generated_from_the_estimator_declaration(binary: Path) -> None:
    """Rerun the generator: the stored schema must be exactly its output."""
    assert hardware_schema.generated_schema(binary) == hardware.schema_path().read_text(), (
        "the hardware schema is out of date: run python -m cimtrain.hardware_schema"
    )


def test_schema_agrees_with_the_declaration_key_by_key(binary: Path) -> None:
    schema = hardware.load_schema()["properties"]
    keys = declared_keys(binary)
    assert list(schema) == [key["name"] for key in keys]
    types = {
        "int": "integer",
        "real": "number",
        "bool": "boolean",
        "choice": "string",
        "names": "string",
    }
    for key in keys:
        spec = schema[key["name"]]
        assert spec["type"] == types[key["type"]], key["name"]
        assert spec["default"] == key["default"], key["name"]
        assert type(spec["default"]) is JSON_TYPES[key["type"]], key["name"]
        if key["type"] == "names":
            assert spec["x-names"] == key["range"]["choices"], key["name"]
        elif "choices" in key["range"] and key["type"] != "bool":
            assert spec["enum"] == key["range"]["choices"], key["name"]


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("feature_size_nm = nan", "'nan'"),
        ("temperature_k = inf", "'inf'"),
        ("read_voltage_v = -inf", "'-inf'"),
        ("clock_frequency_hz = 1e999", "'1e999'"),
        ("write_voltage_v = 0x10", "'0x10'"),
        ("temperature_k = 401", "[300, 400]"),
        ("sram_min_sense_voltage_v = 0", "(0, 1]"),
        ("subarray_rows = 96", "power of two"),
        ("technology_node_nm = 33", "130|90"),
        ("cell_bits = 2.5", "'2.5'"),
        ("memory_cell = pcm", "fefet|rram|sram"),
        ("reference_quirks = some", "unknown quirk 'some'"),
    ],
)
def test_estimator_rejects_bad_values_naming_file_key_and_value(
    line: str, named: str, binary: Path, tmp_path: Path
) -> None:
    hw_file = tmp_path / "bad.txt"
    hw_file.write_text(f"# comment\n{line}\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [str(binary), "--trace", str(tmp_path), "--hardware", str(hw_file), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    key = line.split(" = ")[0]
    assert f"{hw_file}:2: hardware key '{key}'" in result.stderr
    assert named in result.stderr
    assert not out.exists()


def test_estimator_rejects_rules_over_several_keys(binary: Path, tmp_path: Path) -> None:
    hw_file = tmp_path / "bad.txt"
    for text, key in [
        ("subarray_cols = 64\ncolumns_per_adc = 128\n", "columns_per_adc"),
        ("memory_cell = sram\ncell_bits = 2\n", "cell_bits"),
        ("access_type = crossbar\n", "access_type"),
        ("resistance_on_ohm = 1e6\nresistance_off_ohm = 1e5\n", "resistance_off_ohm"),
        ("speedup_degree = 4\n", "speedup_degree"),
    ]:
        hw_file.write_text(text)
        result = subprocess.run(
            [
                str(binary),
                "--trace",
                str(tmp_path),
                "--hardware",
                str(hw_file),
                "--out",
                str(tmp_path / "out"),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1, text
        assert f"{hw_file}: hardware key '{key}'" in result.stderr, result.stderr


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
