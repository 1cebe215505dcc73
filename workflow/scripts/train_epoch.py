from pathlib import Path

from cimtrain.stages import train_epoch
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: train_epoch(
        sm.params.sections,
        previous=Path(sm.input.previous),
        dataset_dir=Path(sm.input.dataset[0]).parent,
        device_json=Path(sm.input.device),
        variation=Path(sm.input.variation),
        out_checkpoint=Path(sm.output.checkpoint),
        out_metrics=Path(sm.output.metrics),
        threads=sm.threads,
        log=log,
    ),
)
