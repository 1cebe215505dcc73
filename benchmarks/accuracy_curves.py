"""Test accuracy per epoch of results directories: a Markdown table and a figure.

The workflow makes the accuracy study's curves itself (`snakemake --cores 2 --configfile
config/sweeps/accuracy_vgg8_digits.yaml`: summary/accuracy_curves.csv and
plots/accuracy_curves.png of the sweep); this draws the same table and figure
(cimtrain.accuracy_curves) from any runs with DIR/epoch_NNN/metrics.json, such as the
workflow's or `cimtrain train --results DIR`'s. Runs given under one name are the seeds of one
mode: their mean, and the min-max range.

    python benchmarks/accuracy_curves.py --run none=results/accuracy_vgg8_digits \\
        --run all=results/accuracy_vgg8_digits_all --out docs/accuracy_vgg8_digits.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cimtrain.accuracy_curves import accuracy_of_run, markdown_table, plot_spread, spread_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, metavar="NAME=DIR",
                        help="a results directory and its mode (repeat a name for more seeds)")
    parser.add_argument("--out", type=Path, required=True, help="figure file (.png)")
    parser.add_argument("--title", default="VGG-8 on digits (train.reference_quirks)")
    parser.add_argument("--dpi", type=int, default=120)
    args = parser.parse_args()
    curves: dict[str, list[list[float]]] = {}
    for item in args.run:
        name, _, directory = item.partition("=")
        accuracy = accuracy_of_run(Path(directory))
        if not accuracy:
            parser.error(f"--run {item}: no epoch_001/metrics.json in {directory}")
        curves.setdefault(name, []).append(accuracy)
    table = spread_table(curves)
    print(markdown_table(table))
    plot_spread(table, args.out, args.dpi, args.title)


if __name__ == "__main__":
    main()
