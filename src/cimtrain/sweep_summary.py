"""Tables and figures across the points of a sweep."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cimtrain import plots
from cimtrain.summary import write_csv

Log = Callable[[str], None]
HARDWARE_FIGURES = [  # column, axis label, scale to the unit of the label
    ("energy_total_j", "energy per epoch (J)", 1.0),
    ("latency_total_s", "latency per epoch (s)", 1.0),
    ("area_total_m2", "chip area (mm²)", 1e6),
    ("tops_per_w", "TOPS/W", 1.0),
]


def run_of(summary_file: Path) -> tuple[str, str]:
    """(run directory, hardware variant or '') of a run's summary file."""
    parent = Path(summary_file).parent.parent  # .../summary/x.csv -> the estimate's directory
    if parent.parent.name == "hardware":
        return str(parent.parent.parent), parent.name
    return str(parent), ""


def training_table(files: list[Path], points: dict) -> pd.DataFrame:
    """Every point's training summary, with its point name and swept values as columns."""
    frames = []
    for path in files:
        run, _ = run_of(path)
        frame = pd.read_csv(path)
        for key, value in reversed(list(points["training"][run].items())):
            frame.insert(0, key, value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def hardware_table(files: list[Path], points: dict) -> pd.DataFrame:
    """Every (training point, hardware point) estimate summary, with names and swept values."""
    frames = []
    for path in files:
        run, variant = run_of(path)
        frame = pd.read_csv(path)
        frame.insert(0, "variant", variant)
        for key, value in (points["hardware"].get(variant) or {}).items():
            frame.insert(1, key, value)
        for key, value in reversed(list(points["training"][run].items())):
            frame.insert(0, key, value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summarize(training_files: list[Path], hardware_files: list[Path], points: dict,
              out_training: Path, out_hardware: Path, log: Log = print) -> None:
    training = training_table(training_files, points)
    hardware = hardware_table(hardware_files, points)
    write_csv(training, out_training)
    write_csv(hardware, out_hardware)
    log(f"{training['point'].nunique()} training points, "
        f"{max(1, hardware['variant'].nunique())} hardware points")


def swept_axis(table: pd.DataFrame, keys: list[str], label_column: str) -> tuple[str, pd.Series]:
    """x axis of a sweep figure: the one swept numeric key, or else the point names."""
    if len(keys) == 1 and pd.api.types.is_numeric_dtype(table[keys[0]]):
        return keys[0], table[keys[0]]
    return label_column, table[label_column]


def training_keys(points: dict) -> list[str]:
    keys = {k for p in points["training"].values() for k in p if k != "point"}
    return sorted(keys)


def hardware_keys(points: dict) -> list[str]:
    return sorted({k for overrides in points["hardware"].values() for k in overrides})


def accuracy_figure(training: pd.DataFrame, points: dict, out_png: Path, dpi: int) -> None:
    """Final and best test accuracy of each training point against the swept parameter."""
    per_point = training.sort_values("epoch").groupby("point", sort=False).agg(
        final=("test_accuracy", "last"), best=("test_accuracy", "max"))
    first = training.drop_duplicates("point").set_index("point")
    per_point = per_point.join(first.drop(columns=per_point.columns, errors="ignore"))
    per_point = per_point.reset_index()
    name, x = swept_axis(per_point, training_keys(points), "point")
    order = np.argsort(x.to_numpy(), kind="stable") if name != "point" else np.arange(len(x))
    figure = plots.new_figure(5, 3.4, dpi)
    axes = figure.subplots()
    for index, column in enumerate(("final", "best")):
        axes.plot(x.to_numpy()[order], 100 * per_point[column].to_numpy()[order],
                  label=f"{column} test accuracy", **plots.style(index))
    axes.set(xlabel=name, ylabel="test accuracy (%)", title="Accuracy across the sweep")
    axes.grid(alpha=0.3)
    axes.legend()
    if name == "point":
        axes.tick_params(axis="x", rotation=30)
    plots.save(figure, out_png)


def last_estimates(hardware: pd.DataFrame) -> pd.DataFrame:
    """The rows of each (training point, hardware point)'s last estimated epoch.

    Runs need not estimate the same epochs: trace.every, or train.reference_quirks
    epoch_numbering beside a run without it (epochs 1, 6, ... against 5, 10, ...).
    """
    last_epoch = hardware.groupby(["point", "variant"])["epoch"].transform("max")
    return hardware[hardware["epoch"] == last_epoch].copy()


def hardware_figure(hardware: pd.DataFrame, points: dict, out_png: Path, dpi: int) -> None:
    """Energy, latency, area and TOPS/W of the last estimated epoch against the hardware point."""
    last = last_estimates(hardware)
    last["variant"] = last["variant"].replace("", "base")
    name, _ = swept_axis(last, hardware_keys(points), "variant")
    figure = plots.new_figure(10, 3.2, dpi)
    for axes, (column, label, scale) in zip(figure.subplots(1, 4), HARDWARE_FIGURES,
                                            strict=True):
        for index, (point, rows) in enumerate(last.groupby("point", sort=False)):
            rows = rows.sort_values(name)
            axes.plot(rows[name].astype(str) if name == "variant" else rows[name],
                      rows[column] * scale, label=point, **plots.style(index))
        axes.set(xlabel=name, ylabel=label)
        axes.grid(alpha=0.3)
        axes.tick_params(axis="x", rotation=30)
        axes.ticklabel_format(axis="y", useOffset=False, style="sci", scilimits=(-3, 4))
        if column == "area_total_m2":  # area rarely depends on training: room for the legend
            axes.legend(fontsize="x-small", title="training point", title_fontsize="x-small")
    plots.save(figure, out_png)


def tradeoff_figure(training: pd.DataFrame, hardware: pd.DataFrame, out_png: Path,
                    dpi: int) -> None:
    """Test accuracy against energy per epoch for every estimated epoch of every point."""
    joined = hardware.merge(training[["point", "epoch", "test_accuracy"]], on=["point", "epoch"])
    joined["variant"] = joined["variant"].replace("", "base")
    figure = plots.new_figure(5.5, 3.6, dpi)
    axes = figure.subplots()
    groups = joined.groupby(["point", "variant"], sort=False)
    for index, ((point, variant), rows) in enumerate(groups):
        label = point if joined["variant"].nunique() == 1 else f"{point} / {variant}"
        style = plots.style(index) | {"linestyle": "none"}
        axes.plot(rows["energy_total_j"], 100 * rows["test_accuracy"], label=label, **style)
    axes.set(xlabel="energy per epoch (J)", ylabel="test accuracy (%)",
             title="Accuracy against training energy")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="x-small")
    plots.save(figure, out_png)


def plot_sweep(training_csv: Path, hardware_csv: Path, points: dict, out_accuracy: Path,
               out_hardware: Path, out_tradeoff: Path, dpi: int, log: Log = print) -> None:
    training = pd.read_csv(training_csv)
    hardware = pd.read_csv(hardware_csv, keep_default_na=False, na_values=[""])
    hardware["variant"] = hardware["variant"].fillna("")
    accuracy_figure(training, points, out_accuracy, dpi)
    hardware_figure(hardware, points, out_hardware, dpi)
    tradeoff_figure(training, hardware, out_tradeoff, dpi)
    log(f"sweep figures of {training['point'].nunique()} training points")
