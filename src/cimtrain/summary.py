"""Tidy tables across epochs, built from the per-epoch outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cimtrain import plots
from cimtrain.files import replaced_atomically
from cimtrain.training_records import UPDATE_RANGE

EPOCH_KEYS = ("epoch", "grad_scale", "train_loss", "train_accuracy", "test_loss",
              "test_accuracy")
LAYER_KEYS = ("weight_mean", "weight_std", "update_mean", "update_std", "updated_fraction")


def write_csv(table: pd.DataFrame, out_csv: Path) -> None:
    """Write a CSV atomically."""
    with replaced_atomically(Path(out_csv)) as partial:
        table.to_csv(partial, index=False)


def training_table(metrics_files: list[Path], activity_files: list[Path]) -> pd.DataFrame:
    """One row per epoch: losses, accuracies, grad scale and per-layer statistics.

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
    return table.reset_index(drop=True)


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


def hardware_table(neurosim_files: list[Path]) -> pd.DataFrame:
    """One row per estimated epoch: the epoch and every neurosim.csv column."""
    rows = []
    for path in neurosim_files:
        row = pd.read_csv(path)
        row.insert(0, "epoch", epoch_of(Path(path)))
        rows.append(row)
    return pd.concat(rows, ignore_index=True).sort_values("epoch", kind="stable")


def epoch_of(path: Path) -> int:
    """The epoch of a file under results/epoch_NNN/."""
    return int(path.parent.name.removeprefix("epoch_"))


PHASE_NAMES = ("fw", "ag", "wg", "wu", "total")
UNITS = ("m2", "s", "j", "w")


def split_column(column: str) -> dict[str, str]:
    """Split a per-layer estimator column into quantity, phase, component and unit.

    `energy_fw_j` -> energy / fw / - / j; `breakdown_latency_adc_s` -> latency / all / adc / s;
    `area_adc_m2` -> area / - / adc / m2; `leakage_power_w` -> leakage_power / - / - / w.
    """
    parts = column.split("_")
    unit = parts.pop() if parts[-1] in UNITS else ""
    if parts[0] == "breakdown":
        return {"quantity": parts[1], "phase": "all", "component": "_".join(parts[2:]),
                "unit": unit}
    if parts[-1] in PHASE_NAMES and len(parts) > 1:
        return {"quantity": "_".join(parts[:-1]), "phase": parts[-1], "component": "",
                "unit": unit}
    if parts[0] == "area" and len(parts) > 1:
        return {"quantity": "area", "phase": "", "component": "_".join(parts[1:]), "unit": unit}
    return {"quantity": "_".join(parts), "phase": "", "component": "", "unit": unit}


def layers_long(layers_files: list[Path]) -> pd.DataFrame:
    """Per-layer estimates of every epoch, long: epoch, layer, quantity, phase, component,
    unit, value."""
    frames = []
    for path in layers_files:
        wide = pd.read_csv(path)
        long = wide.melt(id_vars="layer", var_name="column", value_name="value")
        long.insert(0, "epoch", epoch_of(Path(path)))
        frames.append(long)
    table = pd.concat(frames, ignore_index=True)
    names = pd.DataFrame([split_column(c) for c in table["column"]], index=table.index)
    table = pd.concat([table.drop(columns="column"), names], axis=1)
    columns = ["epoch", "layer", "quantity", "phase", "component", "unit", "value"]
    return table[columns].sort_values(["epoch", "layer"], kind="stable").reset_index(drop=True)


def summarize_hardware(neurosim_files: list[Path], layers_files: list[Path], out_chip: Path,
                       out_layers: Path, log: Callable[[str], None] = print) -> None:
    chip = hardware_table(neurosim_files)
    write_csv(chip, out_chip)
    write_csv(layers_long(layers_files), out_layers)
    log(f"hardware estimates of {len(chip)} epochs")


def last_epoch_layers(layers_long_table: pd.DataFrame) -> pd.DataFrame:
    """The per-layer breakdown of the last estimated epoch, wide: one row per layer."""
    last = layers_long_table[(layers_long_table["epoch"] == layers_long_table["epoch"].max())
                             & (layers_long_table["phase"] == "all")]
    columns = ("breakdown_" + last["quantity"] + "_" + last["component"] + "_" + last["unit"])
    wide = last.assign(column=columns).pivot(index="layer", columns="column", values="value")
    return wide.reset_index()


def plot_hardware(hardware_csv: Path, layers_csv: Path, out_area: Path, out_phases: Path,
                  out_layers: Path, dpi: int, log: Callable[[str], None] = print,
                  layer_names: Sequence[str] = ()) -> None:
    """The chip figures: area and per-layer breakdown of the last estimated epoch, and the
    energy and latency of every estimated epoch by phase. Layers are labelled with
    `layer_names` (conv1, ...) in the estimator's order when given."""
    chip = pd.read_csv(hardware_csv)
    plots.area_breakdown(chip.iloc[-1], out_area, dpi)
    plots.energy_and_latency_per_epoch(chip, out_phases, dpi)
    plots.layer_breakdown(last_epoch_layers(pd.read_csv(layers_csv)), out_layers, dpi,
                          layer_names, int(chip["epoch"].iloc[-1]))
    log(f"chip figures of {len(chip)} estimated epochs")


def _si(value: float, unit: str) -> str:
    """`3.2 mJ`, `41 µs`: a value with an SI prefix, 3 significant digits."""
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"),
                           (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def run_summary_text(run_dir: Path, report_command: str) -> str:
    """The console summary of a finished run: where its results are and what it found."""
    run_dir = Path(run_dir)
    lines = [f"cimtrain: results in {run_dir}/ (summary/, plots/, epoch_NNN/)"]
    metrics = [json.loads(p.read_text()) for p in sorted(run_dir.glob("epoch_*/metrics.json"))]
    if metrics:
        final = metrics[-1]
        best = max(metrics, key=lambda m: m["test_accuracy"])
        lines.append(f"  test accuracy: final {100 * final['test_accuracy']:.2f}% (epoch "
                     f"{final['epoch']}), best {100 * best['test_accuracy']:.2f}% "
                     f"(epoch {best['epoch']})")
    estimates = sorted(run_dir.glob("epoch_*/neurosim.csv"))
    if estimates:
        chip = pd.read_csv(estimates[-1]).iloc[0]
        lines.append(f"  chip, epoch {epoch_of(estimates[-1])}: energy "
                     f"{_si(chip['energy_total_j'], 'J')}, latency "
                     f"{_si(chip['latency_total_s'], 's')}, area "
                     f"{chip['area_total_m2'] * 1e6:.3g} mm², {chip['tops_per_w']:.3g} TOPS/W "
                     "(per training epoch)")
    lines.append(f"  report: {report_command}")
    return "\n".join(lines)
