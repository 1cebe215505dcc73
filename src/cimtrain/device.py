"""Synaptic device model: nonlinear LTP/LTD conductance curves and device-to-device variation.

A device with `levels` pulses spans the weight range [-1, 1] along

    w(P) = B * (1 - exp(-P / A)) - 1,   B = 2 / (1 - exp(-levels / A)),

so w(0) = -1 and w(levels) = +1. A is looked up from the nonlinearity label (NL) in the
table of normalized A values (A = A_normalized(|NL|) * levels, sign of NL kept; Chen et al.,
"NeuroSim: A Circuit-Level Macro Model for Benchmarking Neuro-Inspired Architectures in Online
Learning", IEEE TCAD 2018). A positive label gives a saturating (concave) curve, a negative one
a convex curve.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch

# Devices benchmarked in the NeuroSim papers. Values as tabulated in Chen et al., TCAD 2018
# (Table "Device parameters") and in Peng et al., "DNN+NeuroSim V2.0: An End-to-End
# Benchmarking Framework for Compute-in-Memory Accelerators for On-Chip Training", IEEE TCAD
# 2021. Each preset sets the device section keys it names; the rest keep their values.
PRESETS: dict[str, dict] = {
    "ideal": {
        "source": "idealized linear device: the table's most linear row, no variation",
        "levels_ltp": 256, "levels_ltd": 256,
        "nonlinearity_ltp": 0.01, "nonlinearity_ltd": 0.01,
        "sigma_c2c": 0.0, "sigma_d2d": 0.0,
    },
    "fefet": {
        "source": "Hf0.5Zr0.5O2 FeFET, Jerry et al., IEDM 2017 (DNN+NeuroSim V2.1 default)",
        "levels_ltp": 32, "levels_ltd": 32,
        "nonlinearity_ltp": 1.75, "nonlinearity_ltd": 1.46,
        "sigma_c2c": 0.003, "on_off_ratio": 45.0,
    },
    "ag_si": {
        "source": "Ag:a-Si, Jo et al., Nano Letters 2010",
        "levels_ltp": 97, "levels_ltd": 97,
        "nonlinearity_ltp": 2.4, "nonlinearity_ltd": -4.88,
        "sigma_c2c": 0.035, "on_off_ratio": 12.5,
    },
    "taox_hfox": {
        "source": "TaOx/HfOx, Wu et al., VLSI Technology 2018",
        "levels_ltp": 128, "levels_ltd": 128,
        "nonlinearity_ltp": 0.04, "nonlinearity_ltd": -0.63,
        "sigma_c2c": 0.037, "on_off_ratio": 10.0,
    },
    "alox_hfo2": {
        "source": "AlOx/HfO2, Woo et al., IEEE EDL 2016",
        "levels_ltp": 40, "levels_ltd": 40,
        "nonlinearity_ltp": 1.94, "nonlinearity_ltd": -0.61,
        "sigma_c2c": 0.05, "on_off_ratio": 4.43,
    },
    "pcmo": {
        "source": "Pr0.7Ca0.3MnO3, Park et al., IEDM 2013",
        "levels_ltp": 50, "levels_ltd": 50,
        "nonlinearity_ltp": 3.68, "nonlinearity_ltd": -6.76,
        "sigma_c2c": 0.0, "on_off_ratio": 6.84,
    },
    "epiram": {
        "source": "SiGe epitaxial RAM, Choi et al., Nature Materials 2018",
        "levels_ltp": 64, "levels_ltd": 64,
        "nonlinearity_ltp": 0.5, "nonlinearity_ltd": -0.5,
        "sigma_c2c": 0.02, "on_off_ratio": 50.2,
    },
}


@lru_cache(maxsize=1)
def nonlinearity_table() -> tuple[np.ndarray, np.ndarray]:
    """(nonlinearity labels, A_normalized) rows of the shipped table, labels ascending."""
    text = resources.files("cimtrain").joinpath("data/nonlinearity_to_A.csv").read_text()
    return _parse_table(text.splitlines(), "cimtrain/data/nonlinearity_to_A.csv")


def read_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a nonlinearity table file (columns nonlinearity, A_normalized)."""
    return _parse_table(Path(path).read_text().splitlines(), str(path))


def _parse_table(lines: list[str], name: str) -> tuple[np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(lines))
    if not rows or set(rows[0]) != {"nonlinearity", "A_normalized"}:
        raise ValueError(f"{name}: expected columns nonlinearity,A_normalized")
    labels = np.array([float(r["nonlinearity"]) for r in rows])
    a_norm = np.array([float(r["A_normalized"]) for r in rows])
    if np.any(np.diff(labels) <= 0):
        raise ValueError(f"{name}: nonlinearity labels must be strictly increasing")
    return labels, a_norm


def a_normalized(nonlinearity: torch.Tensor, truncate: bool = False) -> torch.Tensor:
    """A_normalized (float64) of the table row of |NL|, with the sign of NL (0 counts as positive).

    By default the row nearest |NL|. With `truncate`, the reference's look-up: row
    int(|NL| * 100) - 1, computed in the label's own float type, so a label whose * 100 falls
    just below an integer drops to the row below (a float32 1.46 keeps its row, 1.46 in float64
    does not). Labels beyond the table use its first or last row.
    """
    labels_np, a_np = nonlinearity_table()
    labels = torch.as_tensor(labels_np, dtype=torch.float64, device=nonlinearity.device)
    values = torch.as_tensor(a_np, dtype=torch.float64, device=nonlinearity.device)
    if truncate:
        index = ((nonlinearity.abs() * 100).to(torch.int64) - 1).clamp(0, len(labels) - 1)
    else:
        magnitude = nonlinearity.abs().to(torch.float64)
        upper = torch.searchsorted(labels, magnitude).clamp(1, len(labels) - 1)
        lower = upper - 1
        nearer_upper = (labels[upper] - magnitude) < (magnitude - labels[lower])
        index = torch.where(nearer_upper, upper, lower)
        index = torch.where(magnitude >= labels[-1], len(labels) - 1, index)
    sign = torch.where(nonlinearity < 0, -1.0, 1.0).to(torch.float64)
    return sign * values[index]


def curve_parameters(
    nonlinearity: torch.Tensor, levels: int, truncate: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """(A, B) of the conductance curve for a label (scalar or per weight) and pulse count.

    Both are computed in float64 and rounded once to the label's float type.
    """
    a = a_normalized(nonlinearity, truncate) * levels
    b = 2.0 / (1.0 - torch.exp(-levels / a))
    return a.to(nonlinearity.dtype), b.to(nonlinearity.dtype)


def weight_at_pulse(pulse: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Weight after `pulse` potentiating pulses from the bottom of the range."""
    return b * (1.0 - torch.exp(-pulse / a)) - 1.0


def pulse_at_weight(weight: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Inverse of weight_at_pulse: the pulse position of a weight in [-1, 1]."""
    return -a * torch.log(1.0 - (weight + 1.0) / b)


@dataclass(frozen=True)
class DeviceParams:
    """The device section of the config, resolved (preset applied)."""

    levels_ltp: int
    levels_ltd: int
    nonlinearity_ltp: float
    nonlinearity_ltd: float
    sigma_c2c: float
    sigma_d2d: float
    seed: int


# Device-section keys that a fit of measured pulse data (cimtrain.device_fit) provides.
FITTED_KEYS = (
    "levels_ltp", "levels_ltd", "nonlinearity_ltp", "nonlinearity_ltd",
    "sigma_c2c", "sigma_d2d", "on_off_ratio", "resistance_on_ohm",
)


def resolve_device(device_config: dict) -> dict:
    """Device section with its preset applied: preset values override the section's own."""
    resolved = dict(device_config)
    preset = resolved.get("preset")
    if preset:
        if preset not in PRESETS:
            raise ValueError(f"device.preset: unknown device {preset!r}; known: {sorted(PRESETS)}")
        resolved.update({k: v for k, v in PRESETS[preset].items() if k != "source"})
    return resolved


def apply_fit(
    device_config: dict, fit: dict, defaults: dict
) -> tuple[dict, dict[str, tuple[object, object]]]:
    """Device section with the fitted figures in place of the keys left at their defaults.

    A key set to anything but its default wins over the fit; those keys are returned as
    {key: (configured value, fitted value)} so that the caller can say so.
    """
    if device_config.get("preset"):
        raise ValueError("device: set either preset or measured, not both")
    resolved = dict(device_config)
    kept: dict[str, tuple[object, object]] = {}
    for key in FITTED_KEYS:
        if key in device_config and device_config[key] != defaults.get(key):
            kept[key] = (device_config[key], fit[key])
        else:
            resolved[key] = fit[key]
    return resolved, kept


def device_params(device_config: dict) -> DeviceParams:
    resolved = resolve_device(device_config)
    return DeviceParams(
        levels_ltp=int(resolved["levels_ltp"]),
        levels_ltd=int(resolved["levels_ltd"]),
        nonlinearity_ltp=float(resolved["nonlinearity_ltp"]),
        nonlinearity_ltd=float(resolved["nonlinearity_ltd"]),
        sigma_c2c=float(resolved["sigma_c2c"]),
        sigma_d2d=float(resolved["sigma_d2d"]),
        seed=int(resolved["seed"]),
    )


def sample_d2d_deviation(
    shapes: list[tuple[int, ...]], sigma: float, seed: int
) -> list[np.ndarray]:
    """One normal deviation of the nonlinearity label per weight, drawn once from the seed.

    The same deviation is added to the LTP and the LTD label of that weight.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    return [(rng.standard_normal(shape) * sigma).astype(np.float32) for shape in shapes]


@dataclass
class LayerCurves:
    """A and B of the LTP and LTD curves of one layer's weights (scalars or per weight)."""

    a_ltp: torch.Tensor
    b_ltp: torch.Tensor
    a_ltd: torch.Tensor
    b_ltd: torch.Tensor


def layer_curves(params: DeviceParams, deviation: torch.Tensor,
                 truncate_table: bool = False) -> LayerCurves:
    """Curves of a layer whose weights deviate from the nominal labels by `deviation`.

    truncate_table selects table rows as the reference does (see a_normalized).
    """
    a_ltp, b_ltp = curve_parameters(params.nonlinearity_ltp + deviation, params.levels_ltp,
                                    truncate_table)
    a_ltd, b_ltd = curve_parameters(params.nonlinearity_ltd + deviation, params.levels_ltd,
                                    truncate_table)
    return LayerCurves(a_ltp, b_ltp, a_ltd, b_ltd)
