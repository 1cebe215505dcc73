from pathlib import Path

from cimtrain.summary import plot_training
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: plot_training(
        Path(sm.input.training), Path(sm.input.histograms), Path(sm.output.accuracy),
        Path(sm.output.weights), Path(sm.output.activity), sm.params.plots["dpi"], log,
    ),
)
