from pathlib import Path

from cimtrain.stages import fit_device
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: fit_device(
        Path(sm.input.measured), Path(sm.output.fit), Path(sm.output.sequences), log
    ),
)
