from pathlib import Path

from cimtrain.summary import summarize_hardware
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: summarize_hardware(
        [Path(p) for p in sm.input.chip], [Path(p) for p in sm.input.layers],
        Path(sm.output.chip), Path(sm.output.layers), log,
    ),
)
