"""Figures for a paper: training curves, device curves, weight statistics and chip costs.

Every figure is saved as PNG and SVG, with labelled axes and units. Series are coloured from the
Okabe-Ito palette, which colour-blind readers tell apart, and differ by line style, marker or hatch
as well, so they stay apart in grayscale. Titles name the epochs shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
# SVG element ids are random unless salted: a fixed salt makes a redrawn figure byte-identical.
matplotlib.rcParams["svg.hashsalt"] = "cimtrain"

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from cimtrain.estimator import AREA_PARTS, BREAKDOWN_PARTS, PHASES  # noqa: E402
from cimtrain.files import replaced_atomically  # noqa: E402

LINE_STYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "v", "D", "x", "+", "*"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
# Okabe & Ito, "Color Universal Design" (2008): distinct under the common colour-vision
# deficiencies. Black first for the main series; yellow last, it is faint on white.
OKABE_ITO = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00",
             "#F0E442"]
DENSITY_MAP = "viridis"  # perceptually uniform, colour-blind safe, monotone in lightness
PHASE_NAMES = {"fw": "forward", "ag": "activation gradient", "wg": "weight gradient",
               "wu": "weight update"}
UNIT_LABELS = {"j": "J", "s": "s"}


def new_figure(width_in: float, height_in: float, dpi: int) -> Figure:
    figure = plt.figure(figsize=(width_in, height_in), dpi=dpi)
    return figure


def save(figure: Figure, out_png: Path, layout: bool = True) -> None:
    """Save as PNG and as SVG beside it, each atomically."""
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    if layout:
        figure.tight_layout()
    for path in (out_png, out_png.with_suffix(".svg")):
        with replaced_atomically(path) as partial:
            # No creation date: a rerun after an interruption redraws identical files.
            figure.savefig(partial, format=path.suffix[1:], metadata={"Date": None})
    plt.close(figure)


def style(index: int) -> dict:
    """Line properties of series `index`: colour, and a marker and line style for grayscale."""
    return {"color": OKABE_ITO[index % len(OKABE_ITO)],
            "linestyle": LINE_STYLES[(index // len(OKABE_ITO)) % len(LINE_STYLES)],
            "marker": MARKERS[index % len(MARKERS)], "markersize": 4}


def integer_epochs(axes: plt.Axes) -> None:
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def epochs_text(epochs: Sequence[int]) -> str:
    """`epoch 4`, `epochs 1-4` (en dash)."""
    first, last = int(min(epochs)), int(max(epochs))
    return f"epoch {last}" if first == last else f"epochs {first}–{last}"


# ----------------------------------------------------------------------------- training

def accuracy_and_loss(training: pd.DataFrame, out_png: Path, dpi: int = 150) -> None:
    """Test and train accuracy (%) and loss per image vs epoch."""
    figure = new_figure(8, 3.2, dpi)
    accuracy, loss = figure.subplots(1, 2)
    for index, split in enumerate(("train", "test")):
        accuracy.plot(training["epoch"], 100 * training[f"{split}_accuracy"], label=split,
                      **style(index))
        loss.plot(training["epoch"], training[f"{split}_loss"], label=split, **style(index))
    span = epochs_text(training["epoch"])
    accuracy.set(xlabel="epoch", ylabel="accuracy (%)", title=f"Accuracy, {span}")
    loss.set(xlabel="epoch", ylabel="loss per image (½·Σ squared error)", title=f"Loss, {span}")
    for axes in (accuracy, loss):
        axes.legend()
        axes.grid(alpha=0.3)
        integer_epochs(axes)
    save(figure, out_png)


WEIGHT_PANELS_PER_ROW = 8


def weight_distributions(histograms: pd.DataFrame, out_png: Path, dpi: int = 150) -> None:
    """Per layer, the distribution of weights (top) and of their change per epoch (bottom).

    histograms is long: epoch, layer, quantity (weight or update), bin_low, bin_high, count.
    The colour is the share of the layer's weights in a bin, on a logarithmic scale (shown by
    the colour bar) so that sparse tails stay visible.
    """
    layers = list(dict.fromkeys(histograms["layer"]))
    # At most WEIGHT_PANELS_PER_ROW layers side by side; a deeper network wraps onto more rows,
    # each layer a weight panel above its change panel.
    columns = min(len(layers), WEIGHT_PANELS_PER_ROW)
    bands = -(-len(layers) // columns)
    figure = new_figure(max(4.0, 1.9 * columns + 1.0), 4.6 * bands, dpi)
    panels = figure.subplots(2 * bands, columns, squeeze=False, sharex=True)
    for unused in range(len(layers), bands * columns):
        for row in (0, 1):
            panels[2 * (unused // columns) + row][unused % columns].set_visible(False)
    shares = histograms["count"] / histograms.groupby(["epoch", "layer", "quantity"])[
        "count"].transform("sum")
    smallest = max(float(shares[shares > 0].min()), 1e-6)
    scale = LogNorm(vmin=smallest, vmax=1.0)
    histograms = histograms.assign(share=shares.clip(lower=smallest))
    for index, layer in enumerate(layers):
        band, column = divmod(index, columns)
        for row, (quantity, label) in enumerate((("weight", "weight"),
                                                  ("update", "change per epoch"))):
            axes = panels[2 * band + row][column]
            rows = histograms[(histograms["layer"] == layer)
                              & (histograms["quantity"] == quantity)]
            table = rows.pivot(index="bin_low", columns="epoch", values="share")
            low, high = rows["bin_low"].min(), rows["bin_high"].max()
            epochs = table.columns.to_numpy()
            image = axes.imshow(table.to_numpy(), aspect="auto", origin="lower",
                                cmap=DENSITY_MAP, norm=scale,
                                extent=(epochs[0] - 0.5, epochs[-1] + 0.5, low, high))
            axes.set_title(layer if row == 0 else "", fontsize="small")
            axes.set_xlabel("epoch" if row == 1 else "")
            integer_epochs(axes)
            if column == 0:
                axes.set_ylabel(label)
    figure.suptitle(f"Weights and their change per layer, {epochs_text(histograms['epoch'])}")
    figure.tight_layout()
    figure.colorbar(image, ax=panels, label="share of the layer's weights in the bin",
                    fraction=0.04, pad=0.02)
    save(figure, out_png, layout=False)


def input_activity(activity: pd.DataFrame, out_png: Path, dpi: int = 150) -> None:
    """Share of 1 bits in each layer's input codes vs epoch (long: epoch, layer, activity)."""
    many = activity["layer"].nunique() > 10  # a deep network: the legend beside the axes
    figure = new_figure(8.5 if many else 5, 4.2 if many else 3.2, dpi)
    axes = figure.subplots()
    for index, (layer, rows) in enumerate(activity.groupby("layer", sort=False)):
        axes.plot(rows["epoch"], rows["input_activity"], label=layer, **style(index))
    axes.set(xlabel="epoch", ylabel="input activity (share of 1 bits)",
             title=f"Input activity per layer, {epochs_text(activity['epoch'])}", ylim=(0, None))
    axes.grid(alpha=0.3)
    integer_epochs(axes)
    if many:
        axes.legend(fontsize="x-small", ncol=2, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    else:
        axes.legend(fontsize="small", ncol=2)
    save(figure, out_png)


# ----------------------------------------------------------------------------- device

def device_curves(device_info: dict, out_png: Path, dpi: int = 150) -> None:
    """Normalized conductance vs pulse number for LTP and LTD.

    Drawn for the nominal labels, with the band of labels ± 2 sigma_d2d (device-to-device
    spread) and the ± 2·(2 sigma_c2c) band of cycle-to-cycle noise around the nominal curve.
    """
    figure = new_figure(8, 3.2, dpi)
    sigma_d2d = float(device_info["sigma_d2d"])
    noise = 2 * 2 * float(device_info["sigma_c2c"])
    for index, (direction, axes) in enumerate(zip(("ltp", "ltd"), figure.subplots(1, 2),
                                                  strict=True)):
        levels = int(device_info[f"levels_{direction}"])
        label = float(device_info[f"nonlinearity_{direction}"])
        pulses = np.arange(levels + 1, dtype=np.float64)
        nominal = _conductance(pulses, label, levels, direction)
        axes.plot(pulses, nominal, label=f"NL {label:g}", **style(index))
        axes.fill_between(pulses, nominal - noise, nominal + noise, color=OKABE_ITO[5],
                          alpha=0.35, label=f"c2c ±{noise:g}")
        if sigma_d2d > 0:
            low = _conductance(pulses, label - 2 * sigma_d2d, levels, direction)
            high = _conductance(pulses, label + 2 * sigma_d2d, levels, direction)
            axes.fill_between(pulses, np.minimum(low, high), np.maximum(low, high),
                              facecolor="none", edgecolor=OKABE_ITO[2], hatch="//",
                              label=f"d2d NL ±2σ ({sigma_d2d:g})")
        name = "potentiation (LTP)" if direction == "ltp" else "depression (LTD)"
        axes.set(xlabel="pulse number", ylabel="normalized conductance (weight)",
                 title=f"{name}, {levels} levels", ylim=(-1.1, 1.1))
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    save(figure, out_png)


def _conductance(pulses: np.ndarray, label: float, levels: int,
                 direction: str) -> np.ndarray:
    """Weight after n pulses: LTP climbs from -1, LTD descends from +1 along its curve."""
    # The device model is written in torch; only this figure needs it, so load it here.
    import torch

    from cimtrain import device as device_model

    a, b = device_model.curve_parameters(torch.tensor(label, dtype=torch.float64), levels)
    position = torch.from_numpy(pulses if direction == "ltp" else levels - pulses)
    return device_model.weight_at_pulse(position, a, b).numpy()


# ----------------------------------------------------------------------------- hardware

def energy_and_latency_per_epoch(hardware: pd.DataFrame, out_png: Path, dpi: int = 150) -> None:
    """Energy (J) and latency (s) per epoch by part: the compute of FW, AG, WG and WU (the
    estimator's peak figures), buffers and interconnect, and DRAM.

    Bars side by side on a logarithmic axis: DRAM traffic can exceed the rest by orders of
    magnitude, and stacked on a linear axis it hid every other part.
    """
    figure = new_figure(8, 3.4, dpi)
    for axes, (quantity, unit) in zip(figure.subplots(1, 2), (("energy", "j"),
                                                               ("latency", "s")), strict=True):
        parts = {PHASE_NAMES[p]: hardware[f"peak_{quantity}_{p}_{unit}"] for p in PHASES}
        dram = hardware[f"breakdown_{quantity}_dram_{unit}"]
        moving = hardware[f"{quantity}_total_{unit}"] - sum(parts.values()) - dram
        parts["buffers, interconnect"] = moving.clip(lower=0)
        parts["DRAM"] = dram
        _grouped_bars(axes, hardware["epoch"].astype(str).tolist(), parts)
        axes.set(xlabel="epoch", ylabel=f"{quantity} per epoch ({UNIT_LABELS[unit]}, log)",
                 title=f"{quantity.capitalize()} by part, {epochs_text(hardware['epoch'])}")
        axes.legend(fontsize="x-small", ncol=2)
    save(figure, out_png)


def layer_breakdown(layers: pd.DataFrame, out_png: Path, dpi: int = 150,
                    layer_names: Sequence[str] = (), epoch: int | None = None) -> None:
    """Per-layer energy and latency of one epoch, stacked by circuit component.

    Layers are labelled by name (conv1, ..., as in the training tables) when names are given.
    """
    names = [layer_names[int(layer) - 1] if layer_names else str(int(layer))
             for layer in layers["layer"]]
    # Many layers (a ResNet): the panels one above the other, names upright, a bar per 0.4 in.
    many = len(names) > 10
    figure = new_figure(max(9.0, 0.4 * len(names)), 8.0 if many else 3.6, dpi)
    panels = figure.subplots(2, 1) if many else figure.subplots(1, 2)
    of_epoch = f", epoch {epoch}" if epoch is not None else ""
    for axes, (quantity, unit) in zip(panels, (("energy", "j"), ("latency", "s")), strict=True):
        parts = {part.replace("_", " "): layers[f"breakdown_{quantity}_{part}_{unit}"]
                 for part in BREAKDOWN_PARTS}
        _stacked_bars(axes, names, parts)
        axes.set(xlabel="layer", ylabel=f"{quantity} per epoch ({UNIT_LABELS[unit]})",
                 title=f"{quantity.capitalize()} by component{of_epoch}")
        axes.tick_params(axis="x", rotation=90 if many else 30)
        axes.legend(fontsize="x-small", ncol=2)
    save(figure, out_png)


def area_breakdown(hardware_row: pd.Series, out_png: Path, dpi: int = 150) -> None:
    """Chip area (mm²) by component, on a logarithmic axis: the arrays can be a small share of
    the chip, invisible on a linear axis beside the buffers and routing."""
    figure = new_figure(5, 3.4, dpi)
    axes = figure.subplots()
    values_mm2 = [float(hardware_row[f"area_{part}_m2"]) * 1e6 for part in AREA_PARTS]
    bars = axes.bar([p.replace("_", " ") for p in AREA_PARTS], values_mm2,
                    color=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(AREA_PARTS))],
                    edgecolor="black")
    for bar, hatch in zip(bars, HATCHES, strict=False):
        bar.set_hatch(hatch)
    axes.set_yscale("log")
    total = float(hardware_row["area_total_m2"]) * 1e6
    epoch = int(hardware_row["epoch"]) if "epoch" in hardware_row else None
    of_epoch = f", epoch {epoch}" if epoch is not None else ""
    axes.set(ylabel="area (mm², log)", title=f"Chip area{of_epoch}: {total:.3g} mm² in total")
    axes.tick_params(axis="x", rotation=30)
    save(figure, out_png)


def _stacked_bars(axes: plt.Axes, categories: Sequence[str], parts: dict) -> None:
    """Stacked bars, with head room above the tallest for the legend."""
    bottom = np.zeros(len(categories))
    for index, (name, values) in enumerate(parts.items()):
        values = np.asarray(values, dtype=float)
        axes.bar(categories, values, bottom=bottom, label=name,
                 color=OKABE_ITO[index % len(OKABE_ITO)], edgecolor="black",
                 hatch=HATCHES[index % len(HATCHES)])
        bottom += values
    axes.set_ylim(0, 1.6 * bottom.max() if bottom.max() > 0 else 1)


def _grouped_bars(axes: plt.Axes, categories: Sequence[str], parts: dict) -> None:
    """Bars side by side per category on a log axis; zero parts are left out (no log of 0)."""
    width = 0.8 / len(parts)
    positions = np.arange(len(categories))
    highest, lowest = 0.0, np.inf
    for index, (name, values) in enumerate(parts.items()):
        values = np.asarray(values, dtype=float)
        shown = np.where(values > 0, values, np.nan)
        axes.bar(positions + (index - (len(parts) - 1) / 2) * width, shown, width, label=name,
                 color=OKABE_ITO[index % len(OKABE_ITO)], edgecolor="black",
                 hatch=HATCHES[index % len(HATCHES)])
        if np.any(values > 0):
            highest, lowest = max(highest, values.max()), min(lowest, values[values > 0].min())
    axes.set_xticks(positions, categories)
    axes.set_yscale("log")
    if highest > 0:  # head room above the tallest bar for the legend
        axes.set_ylim(lowest / 3, highest * 10 ** (0.6 * np.log10(highest / lowest) + 0.5))
