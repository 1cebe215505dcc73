"""The hardware file NeuroSIM reads: flat `key = value` lines validated against the hardware schema.

`write_hardware_file` is the one writer the workflow and the CLI use. Device figures that training
also needs (resistances, levels, write pulse) and the error precision live in the `device` and
`quant` sections of the config; `hardware_from_config` copies them in, so each is set once.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml

from cimtrain.files import write_bytes

SCHEMA_NAME = "hardware.schema.yaml"

# Hardware-file keys whose value comes from another config section: key -> (section, key).
DERIVED_KEYS: dict[str, tuple[str, str]] = {
    "resistance_on_ohm": ("device", "resistance_on_ohm"),
    "max_levels_ltp": ("device", "levels_ltp"),
    "max_levels_ltd": ("device", "levels_ltd"),
    "write_voltage_v": ("device", "write_voltage_v"),
    "write_pulse_width_s": ("device", "write_pulse_width_s"),
    "error_bits": ("quant", "error_bits"),
}
# resistance_off_ohm is resistance_on_ohm x device.on_off_ratio.
OFF_RESISTANCE_KEY = "resistance_off_ohm"


class HardwareError(ValueError):
    """Hardware settings that the schema rejects."""


def schema_path() -> Path:
    """The hardware schema in workflow/schemas/ of the source tree."""
    return Path(__file__).resolve().parents[2] / "workflow" / "schemas" / SCHEMA_NAME


def load_schema(path: Path | None = None) -> dict:
    return yaml.safe_load(Path(path or schema_path()).read_text())


def validate_hardware(hardware: Mapping[str, object], source: str = "hardware") -> dict:
    """A validated copy of `hardware` with every default filled; HardwareError names the bad key."""
    schema = load_schema()
    settings = copy.deepcopy(dict(hardware))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(settings), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            unknown = sorted(set(settings) - set(schema["properties"]))
            key = ", ".join(unknown)
            raise HardwareError(f"{source}: unknown hardware key(s): {key}")
        raise HardwareError(f"{source}: {key}: {error.message}")
    for name, spec in schema["properties"].items():
        settings.setdefault(name, spec["default"])
    return settings


def hardware_from_config(config: Mapping[str, object]) -> dict:
    """The `hardware` section plus the keys taken from `device` and `quant`.

    Raises HardwareError when `hardware` sets a key that belongs to another section.
    """
    hardware = dict(config.get("hardware") or {})
    owned = sorted((set(DERIVED_KEYS) | {OFF_RESISTANCE_KEY}) & set(hardware))
    if owned:
        sources = ", ".join(
            f"{k} (set {'.'.join(DERIVED_KEYS.get(k, ('device', 'on_off_ratio')))})" for k in owned
        )
        raise HardwareError(f"hardware: these keys come from other sections: {sources}")
    for key, (section, name) in DERIVED_KEYS.items():
        values = config.get(section) or {}
        if name in values:
            hardware[key] = values[name]
    device = config.get("device") or {}
    if "resistance_on_ohm" in device and "on_off_ratio" in device:
        hardware[OFF_RESISTANCE_KEY] = float(device["resistance_on_ohm"]) * float(
            device["on_off_ratio"]
        )
    return hardware


def format_value(value: object) -> str:
    """A value as the estimator parses it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_hardware_file(hardware: Mapping[str, object], out_path: str | os.PathLike[str]) -> Path:
    """Validate `hardware` and write its keys to `out_path`, atomically.

    Keys left out take the estimator's defaults, which equal the schema's; writing only the keys
    given keeps combinations such as SRAM cells (always one bit) free of stale defaults.
    """
    validate_hardware(hardware)
    schema = load_schema()
    lines = ["# NeuroSIM hardware file, written by cimtrain; one key = value per line\n"]
    for name in schema["properties"]:
        if name in hardware:
            lines.append(f"{name} = {format_value(hardware[name])}\n")
    out = Path(out_path)
    write_bytes(out, "".join(lines).encode())
    return out
