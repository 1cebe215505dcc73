"""The figure of a device fit: measured pulses and fitted curves in the model's weight range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from cimtrain import device as device_model
from cimtrain.device_fit import DIRECTIONS, Measurement
from cimtrain.plots import new_figure, save

TITLES = {"ltp": "potentiation (LTP)", "ltd": "depression (LTD)"}


def normalized_reads(
    measurement: Measurement, sequences: pd.DataFrame, direction: str
) -> tuple[np.ndarray, np.ndarray]:
    """(pulses, weights): every read of one direction mapped onto [-1, 1] by its own fitted
    G_min and G_max, so that devices of different ranges share one axis."""
    reads = measurement.of(direction)
    fitted = sequences[sequences["direction"] == direction]
    names = np.asarray(measurement.devices, dtype=object)[reads.device_index]
    keys = pd.MultiIndex.from_arrays([names, reads.cycles.astype(str)])
    fitted = fitted.set_index([fitted["device"].astype(str), fitted["cycle"].astype(str)])
    g_min = fitted["g_min_s"].reindex(keys).to_numpy()[:, None]
    g_max = fitted["g_max_s"].reindex(keys).to_numpy()[:, None]
    weights = 2 * (reads.conductance_s - g_min) / (g_max - g_min) - 1
    return reads.pulses, weights


def model_weight(pulses: np.ndarray, label: float, levels: int, direction: str) -> np.ndarray:
    """The training model's weight after `pulses` pulses (LTP from -1, LTD from +1)."""
    a, b = device_model.curve_parameters(torch.tensor(label, dtype=torch.float64), levels)
    position = torch.as_tensor(pulses if direction == "ltp" else levels - pulses)
    return device_model.weight_at_pulse(position.to(torch.float64), a, b).numpy()


def device_fit_figure(
    measurement: Measurement, fit: dict, sequences: pd.DataFrame, out_png: Path, dpi: int = 150
) -> None:
    """One panel per direction: every read (dots), the mean read per pulse (open circles), the
    fitted curve that training uses (line) and the curves of labels +-2 sigma_d2d (dashed)."""
    figure = new_figure(8, 3.4, dpi)
    sigma_d2d = float(fit["sigma_d2d"])
    for direction, axes in zip(DIRECTIONS, figure.subplots(1, 2), strict=True):
        pulses, weights = normalized_reads(measurement, sequences, direction)
        levels, label = int(fit[f"levels_{direction}"]), float(fit[f"nonlinearity_{direction}"])
        axes.plot(
            np.broadcast_to(pulses, weights.shape).ravel(),
            weights.ravel(),
            ".",
            color="0.6",
            markersize=1.5,
            alpha=0.4,
            label=f"reads ({len(weights)} cycles)",
        )
        every = max(1, len(pulses) // 32)  # open circles that leave the fitted line visible
        axes.plot(
            pulses[::every],
            weights.mean(axis=0)[::every],
            "o",
            markerfacecolor="none",
            color="0.25",
            markersize=3.5,
            label="mean read",
        )
        smooth = np.linspace(0, levels, 200)
        axes.plot(
            smooth,
            model_weight(smooth, label, levels, direction),
            "-",
            color="0.0",
            linewidth=1.5,
            label=f"fit: NL {label:g}",
            zorder=3,
        )
        if sigma_d2d > 0:
            for sign, name in ((-2, f"NL ±2σ d2d ({sigma_d2d:.2g})"), (2, None)):
                axes.plot(
                    smooth,
                    model_weight(smooth, label + sign * sigma_d2d, levels, direction),
                    "--",
                    color="0.35",
                    linewidth=1,
                    label=name,
                )
        rms = fit["fit"][f"level_rms_{direction}"]
        axes.set(
            xlabel="pulse number",
            ylabel="normalized conductance (weight)",
            title=f"{TITLES[direction]}, {levels} levels",
            ylim=(-1.15, 1.15),
        )
        axes.text(
            0.98 if direction == "ltp" else 0.02,
            0.04,
            f"σ c2c {fit['sigma_c2c']:.2g} per pulse\nrms residual {rms:.2g}\n"
            "(shares of the range)",
            transform=axes.transAxes,
            fontsize="small",
            ha="right" if direction == "ltp" else "left",
            va="bottom",
        )
        axes.grid(alpha=0.3)
        axes.legend(fontsize="x-small", loc="upper left" if direction == "ltp" else "upper right")
    save(figure, out_png)
