"""Test accuracy per epoch of the accuracy study's runs: a Markdown table and a figure.

Each run is a results directory with DIR/epoch_NNN/metrics.json: the workflow's (`snakemake
--configfile config/accuracy_vgg8_digits.yaml [config/accuracy_vgg8_digits_all.yaml]`) or
`cimtrain train --results DIR`'s. Prints the table (one column per run) and writes the curves.

    python benchmarks/accuracy_curves.py --run none=results/accuracy_vgg8_digits \
        --run all=results/accuracy_vgg8_digits_all --out docs/accuracy_vgg8_digits.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def test_accuracy(run_dir: Path) -> list[float]:
    """Test accuracy of epochs 1, 2, ... as long as their metrics exist."""
    values = []
    while (path := run_dir / f"epoch_{len(values) + 1:03d}" / "metrics.json").is_file():
        values.append(json.loads(path.read_text())["test_accuracy"])
    return values


def markdown_table(curves: dict[str, list[float]]) -> str:
    names = list(curves)
    epochs = max(len(c) for c in curves.values())
    lines = ["| epoch | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for epoch in range(epochs):
        cells = [f"{c[epoch]:.1%}" if epoch < len(c) else "" for c in curves.values()]
        lines.append(f"| {epoch + 1} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(curves: dict[str, list[float]], out: Path) -> None:
    figure, axes = plt.subplots(figsize=(6.4, 3.8))
    for name, values in curves.items():
        axes.plot(range(1, len(values) + 1), [100 * v for v in values], marker=".", label=name)
    axes.axhline(95, color="grey", linestyle=":", linewidth=1)
    axes.set_xlabel("epoch")
    axes.set_ylabel("test accuracy (%)")
    axes.set_ylim(0, 100)
    axes.set_title("VGG-8 on digits, seed 117 (train.reference_quirks)")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, metavar="NAME=DIR")
    parser.add_argument("--out", type=Path, required=True, help="figure file (.png)")
    args = parser.parse_args()
    curves = {}
    for item in args.run:
        name, _, directory = item.partition("=")
        curves[name] = test_accuracy(Path(directory))
        if not curves[name]:
            parser.error(f"--run {item}: no epoch_001/metrics.json in {directory}")
    print(markdown_table(curves))
    plot(curves, args.out)


if __name__ == "__main__":
    main()
