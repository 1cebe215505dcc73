"""Test accuracy per epoch over seeds: the spread of an accuracy study.

An accuracy study is a sweep whose training points vary the seed (config/sweeps/
accuracy_vgg8_digits.yaml: `train.reference_quirks` x `seed`). The points that differ only in
their seed form one mode; per mode and epoch the table gives the mean, smallest and largest test
accuracy over the seeds and their number, and the figure draws the mean with a min-max band.
`benchmarks/accuracy_curves.py` makes the same table and figure from results directories.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cimtrain import plots
from cimtrain.summary import write_csv

Log = Callable[[str], None]
SEED_KEY = "seed"
COLUMNS = ["mode", "epoch", "seeds", "test_accuracy_mean", "test_accuracy_min",
           "test_accuracy_max"]


def accuracy_of_run(run_dir: Path) -> list[float]:
    """Test accuracy of epochs 1, 2, ... of a results directory, as long as their metrics exist."""
    values = []
    while (path := Path(run_dir) / f"epoch_{len(values) + 1:03d}" / "metrics.json").is_file():
        values.append(json.loads(path.read_text())["test_accuracy"])
    return values


def accuracy_by_run(metrics_files: list[Path]) -> dict[str, list[float]]:
    """Run directory -> test accuracy of its epochs 1, 2, ... from its epoch_NNN/metrics.json."""
    by_run: dict[str, dict[int, float]] = {}
    for path in metrics_files:
        metrics = json.loads(Path(path).read_text())
        by_run.setdefault(str(Path(path).parent.parent), {})[int(metrics["epoch"])] = \
            metrics["test_accuracy"]
    curves = {}
    for run, epochs in by_run.items():
        if sorted(epochs) != list(range(1, len(epochs) + 1)):
            raise ValueError(f"{run}: metrics of epochs {sorted(epochs)}, expected 1 to "
                             f"{len(epochs)} without a gap")
        curves[run] = [epochs[e] for e in sorted(epochs)]
    return curves


def mode_of(overrides: dict) -> str:
    """A training point's mode: its swept values other than the seed ('base' without any)."""
    parts = [f"{key.rsplit('.', 1)[-1]}={value}" for key, value in overrides.items()
             if key not in ("point", SEED_KEY)]
    return "+".join(parts) or "base"


def runs_by_mode(training_points: dict[str, dict]) -> dict[str, list[str]]:
    """Mode -> its run directories, from the sweep's point table (run -> swept values)."""
    modes: dict[str, list[str]] = {}
    for run, overrides in training_points.items():
        modes.setdefault(mode_of(overrides), []).append(run)
    return modes


def spread_table(curves: dict[str, list[list[float]]]) -> pd.DataFrame:
    """Per mode and epoch: mean, min and max test accuracy over the mode's runs that reached
    the epoch, and how many they are (`seeds`)."""
    rows = []
    for mode, runs in curves.items():
        for index in range(max((len(run) for run in runs), default=0)):
            values = [run[index] for run in runs if index < len(run)]
            rows.append({"mode": mode, "epoch": index + 1, "seeds": len(values),
                         "test_accuracy_mean": math.fsum(values) / len(values),
                         "test_accuracy_min": min(values), "test_accuracy_max": max(values)})
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown_table(table: pd.DataFrame) -> str:
    """One row per epoch, one column per mode: the mean, and the min-max range over 2+ seeds."""
    modes = list(dict.fromkeys(table["mode"]))
    lines = ["| epoch | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
    for epoch, rows in table.groupby("epoch"):
        by_mode = rows.set_index("mode")
        cells = []
        for mode in modes:
            if mode not in by_mode.index:
                cells.append("")
                continue
            row = by_mode.loc[mode]
            cell = f"{row['test_accuracy_mean']:.1%}"
            if row["seeds"] > 1:
                cell += f" ({row['test_accuracy_min']:.1%}–{row['test_accuracy_max']:.1%})"
            cells.append(cell)
        lines.append(f"| {epoch} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_spread(table: pd.DataFrame, out_png: Path, dpi: int, title: str) -> None:
    """Mean test accuracy per epoch of each mode, and the band from the min to the max seed."""
    figure = plots.new_figure(6.4, 3.8, dpi)
    axes = figure.subplots()
    for index, (mode, rows) in enumerate(table.groupby("mode", sort=False)):
        # From blue on: black's band would be a grey that hides the bands below it.
        style = plots.style(index + 1)
        seeds = int(rows["seeds"].max())
        low, high = 100 * rows["test_accuracy_min"], 100 * rows["test_accuracy_max"]
        axes.fill_between(rows["epoch"], low, high, color=style["color"], alpha=0.15,
                          linewidth=0)
        for edge in (low, high):  # edges in the mode's colour tell overlapping bands apart
            axes.plot(rows["epoch"], edge, color=style["color"], linewidth=0.7, alpha=0.6)
        noun = "seed" if seeds == 1 else "seeds, min–max band"
        axes.plot(rows["epoch"], 100 * rows["test_accuracy_mean"],
                  label=f"{mode} (mean of {seeds} {noun})", **style)
    axes.set(xlabel="epoch", ylabel="test accuracy (%)", ylim=(0, 100), title=title)
    plots.integer_epochs(axes)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    plots.save(figure, out_png)


def write_accuracy_curves(metrics_files: list[Path], training_points: dict[str, dict],
                          out_csv: Path, out_png: Path, dpi: int, title: str,
                          log: Log = print) -> None:
    """The workflow's product: the spread table as CSV and its figure (PNG and SVG)."""
    accuracy = accuracy_by_run(metrics_files)
    missing = sorted(set(training_points) - set(accuracy))
    if missing:
        raise ValueError(f"no metrics.json of the training point(s) {missing}")
    curves = {mode: [accuracy[run] for run in runs]
              for mode, runs in runs_by_mode(training_points).items()}
    table = spread_table(curves)
    write_csv(table, out_csv)
    plot_spread(table, out_png, dpi, title)
    log(f"accuracy curves of {len(curves)} modes over "
        f"{', '.join(str(len(runs)) for runs in curves.values())} seeds, "
        f"{int(table['epoch'].max())} epochs")
