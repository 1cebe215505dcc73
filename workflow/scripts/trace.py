from pathlib import Path

from cimtrain.stages import trace_epoch
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: trace_epoch(
        Path(sm.input.checkpoint),
        sm.params.model,
        sm.params.quant,
        dataset_dir=Path(sm.input.dataset[0]).parent,
        samples=sm.params.samples,
        batch_size=sm.params.batch_size,
        out_trace=Path(sm.output.trace),
        out_activity=Path(sm.output.activity),
        log=log,
        dataset=sm.params.dataset,
    ),
)
