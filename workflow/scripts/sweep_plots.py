from pathlib import Path

from cimtrain.sweep_summary import plot_sweep
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: plot_sweep(
        Path(sm.input.training), Path(sm.input.hardware), sm.params.points,
        Path(sm.output.accuracy), Path(sm.output.hardware), Path(sm.output.tradeoff),
        sm.params.plots["dpi"], log,
    ),
)
