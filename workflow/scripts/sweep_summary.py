from pathlib import Path

from cimtrain.sweep_summary import summarize
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: summarize(
        [Path(p) for p in sm.input.training], [Path(p) for p in sm.input.hardware],
        sm.params.points, Path(sm.output.training), Path(sm.output.hardware), log,
    ),
)
