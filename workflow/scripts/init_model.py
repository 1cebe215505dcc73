from pathlib import Path

from cimtrain.stages import init_model
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: init_model(
        sm.params.model, sm.params.quant, sm.params.seed, Path(sm.output[0]), log,
        sm.params.dataset,
    ),
)
