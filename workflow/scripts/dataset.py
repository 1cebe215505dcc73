from pathlib import Path

from cimtrain.stages import prepare_dataset
from cimtrain.workflow_io import run_logged

run_logged(
    snakemake.log[0],  # noqa: F821
    lambda log: prepare_dataset(
        snakemake.params.dataset, Path(snakemake.output[0]).parent, log  # noqa: F821
    ),
)
