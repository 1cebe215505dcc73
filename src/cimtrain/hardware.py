"""The hardware file NeuroSIM reads: flat `key = value` lines validated against the hardware schema.

`write_hardware_file` is the one writer the workflow and the CLI use. Device figures that training
also needs (resistances, levels, write pulse) and the error precision live in the `device` and
`quant` sections of the config; `hardware_from_config` copies them in, so each is set once.
"""

from __future__ import annotations

import copy
import functools
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from cimtrain.config import ConfigError, finite_validator
from cimtrain.files import write_bytes

if TYPE_CHECKING:
    from cimtrain.models import LayerGeometry

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


class HardwareError(ConfigError):
    """Hardware settings that the schema or a design rule rejects."""


def schema_path() -> Path:
    """The hardware schema in workflow/schemas/ of the source tree."""
    return Path(__file__).resolve().parents[2] / "workflow" / "schemas" / SCHEMA_NAME


def load_schema(path: Path | None = None) -> dict:
    """The parsed schema, read once per process (callers must not modify it)."""
    return _read_schema(Path(path or schema_path()))


@functools.lru_cache(maxsize=4)
def _read_schema(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def validate_hardware(hardware: Mapping[str, object], source: str = "hardware") -> dict:
    """A validated copy of `hardware` with every default filled; HardwareError names the bad key."""
    schema = load_schema()
    if not isinstance(hardware, Mapping):
        raise HardwareError(f"{source}: expected a mapping of hardware keys, got {hardware!r}")
    settings = copy.deepcopy(dict(hardware))
    validator = finite_validator(schema)
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
    from cimtrain.device import resolve_device

    hardware = dict(config.get("hardware") or {})
    owned = sorted((set(DERIVED_KEYS) | {OFF_RESISTANCE_KEY}) & set(hardware))
    if owned:
        sources = ", ".join(
            f"{k} (set {'.'.join(DERIVED_KEYS.get(k, ('device', 'on_off_ratio')))})" for k in owned
        )
        raise HardwareError(f"hardware: these keys come from other sections: {sources}")
    # A device preset sets levels and on/off ratio for training; the hardware takes the same.
    device = resolve_device(config.get("device") or {})
    for key, (section, name) in DERIVED_KEYS.items():
        values = device if section == "device" else config.get(section) or {}
        if name in values:
            hardware[key] = values[name]
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


# Powers of two the circuit models assume (binary decoders, muxes, ADC codes, H-tree folding).
POWER_OF_TWO_KEYS = ("subarray_rows", "subarray_cols", "columns_per_adc", "adc_levels",
                     "wg_subarray_rows", "wg_subarray_cols", "ag_adc_levels", "wg_adc_levels",
                     "tree_folded_ratio")
# (key, the key it may not exceed): lines sharing one converter come from one sub-array.
AT_MOST_KEYS = (("columns_per_adc", "subarray_cols"), ("ag_rows_per_adc", "subarray_rows"),
                ("wg_rows_per_adc", "wg_subarray_rows"))


def effective_cell_bits(settings: Mapping[str, object]) -> int:
    """Bits one cell stores: an SRAM cell holds one whatever cell_bits says."""
    return 1 if settings["memory_cell"] == "sram" else int(settings["cell_bits"])


def check_design(hardware: Mapping[str, object], source: str = "hardware",
                 weight_bits: int | None = None,
                 explicit: Mapping[str, object] | None = None) -> dict:
    """The rules between hardware keys that the estimator enforces, checked before any job.

    explicit: the keys the user set (defaults of cell_bits and speedup_degree are not errors);
    weight_bits: the stored weight precision, when known. Returns the validated settings.
    """
    settings = validate_hardware(hardware, source)
    given = set(explicit if explicit is not None else hardware)
    for key in POWER_OF_TWO_KEYS:
        value = int(settings[key])
        if value & (value - 1):
            lower = 1 << (value.bit_length() - 1)
            raise HardwareError(f"{source}: {key}: {value} is not a power of two (use {lower} "
                                f"or {2 * lower})")
    for key, limit in AT_MOST_KEYS:
        if settings[key] > settings[limit]:
            raise HardwareError(f"{source}: {key}: {settings[key]} exceeds {limit} = "
                                f"{settings[limit]}")
    if settings["memory_cell"] == "sram" and "cell_bits" in given and settings["cell_bits"] != 1:
        raise HardwareError(f"{source}: cell_bits: {settings['cell_bits']}, but an SRAM cell "
                            "holds 1 bit; remove the key or set it to 1")
    if settings["access_type"] == "crossbar" and settings["memory_cell"] != "rram":
        raise HardwareError(f"{source}: access_type: crossbar access needs memory_cell: rram")
    if settings[OFF_RESISTANCE_KEY] <= settings["resistance_on_ohm"]:
        raise HardwareError(f"{source}: {OFF_RESISTANCE_KEY}: must exceed resistance_on_ohm "
                            "(device.on_off_ratio > 1)")
    if not settings["pipeline"] and "speedup_degree" in given and settings["speedup_degree"] != 1:
        raise HardwareError(f"{source}: speedup_degree: {settings['speedup_degree']} only "
                            "applies with pipeline: true")
    cell_bits = effective_cell_bits(settings)
    for key in ("max_levels_ltp", "max_levels_ltd"):
        if settings[key] < 1 << cell_bits:
            section_key = ".".join(DERIVED_KEYS[key])
            raise HardwareError(
                f"{source}: {section_key}: {settings[key]} levels cannot store the "
                f"{cell_bits}-bit cells of cell_bits = {cell_bits}; a cell needs at least "
                f"{1 << cell_bits} levels (or lower cell_bits)")
    if weight_bits is not None and cell_bits > weight_bits:
        raise HardwareError(f"{source}: cell_bits: {cell_bits} bits per cell exceed the "
                            f"{weight_bits}-bit weights (quant.weight_bits); use cell_bits <= "
                            f"{weight_bits}")
    return settings


def check_network_fits(hardware: Mapping[str, object], geometries: Sequence[LayerGeometry],
                       weight_bits: int, source: str = "hardware") -> None:
    """Reject sub-arrays that no floorplan of this network can use, before any training runs.

    Mirrors the estimator's floorplan rule (NeuroSIM/src/floorplan.cpp): tiles hold at least 2x2
    PEs and PEs at least 2x2 sub-arrays, so the widest layer must fill that many columns.
    Raises HardwareError naming the key and the largest size that works.
    """
    settings = validate_hardware(hardware, source)
    cell_bits = effective_cell_bits(settings)
    cols_per_synapse = -(-weight_bits // cell_bits)
    rows = int(settings["subarray_rows"])
    novel_mapping = settings["mapping"] == "novel"
    kernels = Counter(g.k_h * g.k_w for g in geometries)
    # The most frequent kernel size sets the novel PEs per tile; on a tie the one met first (max
    # keeps the first of equal keys, and a Counter keeps the order of first appearance).
    common_kernel = max(kernels, key=kernels.__getitem__)
    widest_novel = widest_conventional = 0
    for g in geometries:
        square = 1 << max(0, math.ceil(math.log2(g.ofm_c * cols_per_synapse)))
        if novel_mapping and g.k_h * g.k_w == common_kernel and g.fan_in >= rows:
            widest_novel = max(widest_novel, square)
        else:
            widest_conventional = max(widest_conventional, square)
    if novel_mapping and widest_novel == 0:
        raise HardwareError(
            f"{source}: mapping: no layer suits the novel mapping (kernel of {common_kernel} "
            f"positions and at least subarray_rows = {rows} weight rows); "
            "use mapping: conventional")
    if novel_mapping and widest_novel < 2 * rows:
        raise HardwareError(
            f"{source}: subarray_rows: {rows}-row sub-arrays are too large for this network; its "
            f"widest novel-mapped layer fills {widest_novel} columns, so use subarray_rows <= "
            f"{widest_novel // 2}")
    if not novel_mapping and widest_conventional < 4 * rows:
        raise HardwareError(
            f"{source}: subarray_rows: {rows}-row sub-arrays are too large for this network; its "
            f"widest conventionally mapped layer fills {widest_conventional} columns, so use "
            f"subarray_rows <= {widest_conventional // 4}")
