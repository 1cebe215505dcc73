"""Sweeps: many device, training and hardware variants of one base configuration in one run.

A sweep is the `sweep:` section of a config file, e.g.

    sweep:
      name: device_nl
      base: config/demo.yaml              # the configuration every point starts from
      training:                           # each point is its own training run
        grid: {device.nonlinearity_ltp: [0.5, 1.75, 3.0]}
      hardware:                           # each point re-estimates every training run's traces
        points:
          - {name: rram, set: {hardware.memory_cell: rram}}

`grid` takes the product of value lists (points named `key=value`, joined by `+`); `points`
lists named overrides. Training points live in results/sweeps/<name>/<point>/, the estimates of
a hardware point under <that run>/hardware/<hardware point>/, so each training point is trained
and traced once, and only the estimator runs once per hardware point.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cimtrain import config as run_config

# A name is one path component that cannot climb out of its directory or pass for an option:
# it starts with a letter, digit or _ and has no slash (so never `.` or `..`).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=+-]*$")
MAX_NAME_LENGTH = 200
# Names taken by the files and directories that sit next to the points.
RESERVED_TRAINING_NAMES = ("summary", "plots")
RESERVED_HARDWARE_NAMES = ("hardware.txt",)
TRAINING_SECTIONS = ("seed", "epochs", "dataset", "model", "quant", "device", "train", "trace")


class SweepError(ValueError):
    """A sweep section that cannot be expanded into points."""


@dataclass
class Point:
    name: str
    overrides: dict[str, object]


@dataclass
class Sweep:
    name: str
    training_points: list[Point]
    hardware_points: list[Point]
    runs: dict[str, dict] = field(default_factory=dict)  # run directory -> config
    hardware_variants: dict[str, dict[str, dict]] = field(default_factory=dict)

    @property
    def directory(self) -> str:
        return f"results/sweeps/{self.name}"

    def run_of(self, point: Point) -> str:
        return f"{self.directory}/{point.name}"

    def summary_files(self) -> list[str]:
        return [f"{self.directory}/summary/training.csv", f"{self.directory}/summary/hardware.csv"]

    def plot_files(self) -> list[str]:
        names = ["accuracy", "hardware", "accuracy_energy"]
        return [f"{self.directory}/plots/{n}.{ext}" for n in names for ext in ("png", "svg")]

    def point_table(self) -> dict:
        """Params of the summary rule: every point's overrides, by run and variant."""
        return {
            "training": {self.run_of(p): {"point": p.name, **p.overrides}
                         for p in self.training_points},
            "hardware": {p.name: p.overrides for p in self.hardware_points},
        }


def load_sweep(sweep_section: dict, config: dict) -> Sweep:
    """Expand the sweep section of `config` into validated run configs."""
    where = "sweep"
    name = str(sweep_section.get("name", ""))
    _check_name(name, f"{where}.name")
    base = _base_config(sweep_section, config)
    training = _points(sweep_section.get("training") or {}, f"{where}.training")
    hardware = _points(sweep_section.get("hardware") or {}, f"{where}.hardware")
    for point in training:
        _check_keys(point, TRAINING_SECTIONS, f"{where}.training", "hardware points")
        _check_not_reserved(point.name, RESERVED_TRAINING_NAMES, f"{where}.training")
    for point in hardware:
        _check_keys(point, ("hardware",), f"{where}.hardware", "training points")
        _check_not_reserved(point.name, RESERVED_HARDWARE_NAMES, f"{where}.hardware")
    if not training:
        training = [Point("base", {})]
    sweep = Sweep(name, training, hardware)
    for point in training:
        settings = copy.deepcopy(base)
        run_config.apply_overrides(settings, _assignments(point.overrides))
        run = sweep.run_of(point)
        source = f"{where} point {point.name}"
        sweep.runs[run] = run_config.validate(settings, source)
        if hardware:
            sweep.hardware_variants[run] = {
                p.name: _hardware_of(sweep.runs[run], p) for p in hardware
            }
        run_config.check_run(sweep.runs[run], source,
                             designs=sweep.hardware_variants.get(run))
    return sweep


def _base_config(sweep_section: dict, config: dict) -> dict:
    """The configuration the points start from: the run's config under the sweep's base file."""
    base = {k: copy.deepcopy(v) for k, v in config.items() if k != "sweep"}
    if sweep_section.get("base"):
        path = Path(sweep_section["base"])
        if not path.is_file():
            raise SweepError(f"sweep.base: {path} does not exist")
        _merge(base, run_config.read_config_file(path))
    base.pop("sweep", None)
    return base


def _merge(target: dict, source: dict) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _points(spec: dict, where: str) -> list[Point]:
    if not isinstance(spec, dict):
        raise SweepError(f"{where}: expected grid or points, got {spec!r}")
    unknown = set(spec) - {"grid", "points"}
    if unknown:
        raise SweepError(f"{where}: unknown key(s) {sorted(unknown)}; use grid or points")
    listed = spec.get("points") or []
    if not isinstance(listed, list) or not all(
            isinstance(p, dict) and isinstance(p.get("set") or {}, dict) for p in listed):
        raise SweepError(f"{where}.points: expected a list of {{name, set: {{KEY: VALUE}}}}")
    points = [Point(str(p.get("name", "")), dict(p.get("set") or {})) for p in listed]
    grid = spec.get("grid") or {}
    if not isinstance(grid, dict):
        raise SweepError(f"{where}.grid: expected a mapping of KEY: [values]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise SweepError(f"{where}.grid.{key}: expected a non-empty list of values")
    combinations = itertools.product(*grid.values()) if grid else []
    for combination in combinations:
        overrides = dict(zip(grid, combination, strict=True))
        name = "+".join(f"{key.rsplit('.', 1)[-1]}={value}" for key, value in overrides.items())
        points.append(Point(name, overrides))
    names = [p.name for p in points]
    for point in points:
        _check_name(point.name, f"{where}: point name")
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SweepError(f"{where}: point names repeat: {sorted(duplicates)}")
    return points


def _check_name(name: str, where: str) -> None:
    if not NAME_PATTERN.match(name) or len(name) > MAX_NAME_LENGTH:
        raise SweepError(f"{where}: {name!r} must be letters, digits and _ . = + - only, "
                         f"start with a letter, digit or _ and be at most {MAX_NAME_LENGTH} "
                         "characters")


def _check_not_reserved(name: str, reserved: tuple[str, ...], where: str) -> None:
    if name in reserved:
        raise SweepError(f"{where}: point name {name!r} is taken by the sweep's own outputs "
                         f"({', '.join(reserved)})")


def _check_keys(point: Point, sections: tuple[str, ...], where: str, other: str) -> None:
    for key in point.overrides:
        if key.split(".", 1)[0] not in sections:
            raise SweepError(f"{where}: point {point.name}: {key} does not belong here "
                             f"(allowed: {', '.join(sections)}; see {other})")


def _assignments(overrides: dict[str, object]) -> list[str]:
    return [f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}"
            .removesuffix("\n...") for key, value in overrides.items()]


def _hardware_of(run: dict, point: Point) -> dict:
    """The run's hardware section with the hardware point's overrides."""
    settings = {"hardware": copy.deepcopy(run["hardware"])}
    run_config.apply_overrides(settings, _assignments(point.overrides))
    from cimtrain.hardware import validate_hardware

    validate_hardware(settings["hardware"], f"sweep.hardware point {point.name}")
    return settings["hardware"]
