"""Tidy tables across epochs, built from the per-epoch outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cimtrain import plots
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


def training_table(metrics_files: list[Path], activity_files: list[Path]) -> pd.DataFrame:
    """One row per epoch: losses, accuracies, grad scale, seconds and per-layer statistics.

    Per-layer columns are named `<layer>_<statistic>`, e.g. conv1_weight_std; the input
    activity of a layer (`<layer>_input_activity`) is empty in epochs without a trace.
    """
    rows = {}
    for path in metrics_files:
        metrics = json.loads(Path(path).read_text())
        row = {key: metrics[key] for key in EPOCH_KEYS}
        for layer in metrics["layers"]:
            row.update({f"{layer['layer']}_{key}": layer[key] for key in LAYER_KEYS})
        rows[metrics["epoch"]] = row
    for path in activity_files:
        activity = json.loads(Path(path).read_text())
        for layer in activity["layers"]:
            rows[activity["epoch"]][f"{layer['layer']}_input_activity"] = layer["input_activity"]
    table = pd.DataFrame(list(rows.values())).sort_values("epoch", kind="stable")
    return table.rename(columns={"seconds": "train_seconds"}).reset_index(drop=True)


def per_layer_long(training: pd.DataFrame, statistic: str) -> pd.DataFrame:
    """A per-layer column family of a training table as rows: epoch, layer, statistic."""
    suffix = f"_{statistic}"
    columns = [c for c in training.columns if c.endswith(suffix)]
    long = training.melt(id_vars="epoch", value_vars=columns, var_name="layer",
                         value_name=statistic)
    long["layer"] = long["layer"].str.removesuffix(suffix)
    return long.dropna(subset=[statistic]).reset_index(drop=True)


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


def summarize_training(metrics_files: list[Path], activity_files: list[Path], out_csv: Path,
                       out_histograms: Path, log: Callable[[str], None] = print) -> None:
    table = training_table(metrics_files, activity_files)
    write_csv(table, out_csv)
    write_csv(histogram_table(metrics_files), out_histograms)
    log(f"{len(table)} epochs; final test accuracy {table['test_accuracy'].iloc[-1]:.4f}")


def plot_training(training_csv: Path, histograms_csv: Path, out_accuracy: Path,
                  out_weights: Path, out_activity: Path, dpi: int,
                  log: Callable[[str], None] = print) -> None:
    """The training figures from the summary tables."""
    training = pd.read_csv(training_csv)
    plots.accuracy_and_loss(training, out_accuracy, dpi)
    plots.weight_distributions(pd.read_csv(histograms_csv), out_weights, dpi)
    plots.input_activity(per_layer_long(training, "input_activity"), out_activity, dpi)
    log(f"training figures of {len(training)} epochs")
