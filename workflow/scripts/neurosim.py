from cimtrain.estimator import estimate_epoch
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: estimate_epoch(
        sm.input.binary, sm.input.trace, sm.input.hardware,
        [sm.output.chip, sm.output.layers, sm.output.floorplan], log, sm.threads,
    ),
)
