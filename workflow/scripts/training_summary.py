from pathlib import Path

from cimtrain.summary import summarize_training
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: summarize_training(
        [Path(p) for p in sm.input.metrics], [Path(p) for p in sm.input.activity],
        Path(sm.output.training),
        Path(sm.output.histograms), log,
    ),
)
