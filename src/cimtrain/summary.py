"""Tidy tables across epochs, built from the per-epoch outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cimtrain.train import UPDATE_RANGE

EPOCH_KEYS = ("epoch", "grad_scale", "train_loss", "train_accuracy", "test_loss",
              "test_accuracy", "seconds")
LAYER_KEYS = ("weight_mean", "weight_std", "update_mean", "update_std", "updated_fraction")


def write_csv(table: pd.DataFrame, out_csv: Path) -> None:
    """Write a CSV atomically."""
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    partial = out_csv.with_name(f".{out_csv.name}.part")
    table.to_csv(partial, index=False)
    os.replace(partial, out_csv)


def training_table(metrics_files: list[Path]) -> pd.DataFrame:
    """One row per epoch: losses, accuracies, grad scale, seconds and per-layer statistics.

    Per-layer columns are named `<layer>_<statistic>`, e.g. conv1_weight_std.
    """
    rows = []
    for path in metrics_files:
        metrics = json.loads(Path(path).read_text())
        row = {key: metrics[key] for key in EPOCH_KEYS}
        for layer in metrics["layers"]:
            row.update({f"{layer['layer']}_{key}": layer[key] for key in LAYER_KEYS})
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("epoch", kind="stable")
    return table.rename(columns={"seconds": "train_seconds"}).reset_index(drop=True)


def layer_statistics_long(training: pd.DataFrame) -> pd.DataFrame:
    """The per-layer columns of a training table as rows: epoch, layer, statistic columns."""
    suffix = f"_{LAYER_KEYS[0]}"
    layers = [c[: -len(suffix)] for c in training.columns if c.endswith(suffix)]
    frames = []
    for layer in layers:
        frame = training[["epoch"] + [f"{layer}_{key}" for key in LAYER_KEYS]].copy()
        frame.columns = ["epoch", *LAYER_KEYS]
        frame.insert(1, "layer", layer)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def histogram_table(metrics_files: list[Path]) -> pd.DataFrame:
    """Weight and update histograms, long: epoch, layer, quantity, bin_low, bin_high, count."""
    frames = []
    for path in metrics_files:
        metrics = json.loads(Path(path).read_text())
        for layer in metrics["layers"]:
            for quantity, limit in (("weight", 1.0), ("update", UPDATE_RANGE)):
                counts = layer[f"{quantity}_histogram"]
                edges = np.linspace(-limit, limit, len(counts) + 1)
                frames.append(pd.DataFrame({
                    "epoch": metrics["epoch"], "layer": layer["layer"], "quantity": quantity,
                    "bin_low": edges[:-1], "bin_high": edges[1:], "count": counts,
                }))
    return pd.concat(frames, ignore_index=True).sort_values(["epoch"], kind="stable")


def summarize_training(metrics_files: list[Path], out_csv: Path, out_histograms: Path,
                       log: Callable[[str], None] = print) -> None:
    table = training_table(metrics_files)
    write_csv(table, out_csv)
    write_csv(histogram_table(metrics_files), out_histograms)
    log(f"{len(table)} epochs; final test accuracy {table['test_accuracy'].iloc[-1]:.4f}")
