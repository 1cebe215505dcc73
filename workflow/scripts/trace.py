from pathlib import Path

from cimtrain.trace import export_trace
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: export_trace(
        Path(sm.input.checkpoint),
        sm.params.model,
        sm.params.quant,
        dataset_dir=Path(sm.input.dataset[0]).parent,
        samples=sm.params.samples,
        batch_size=sm.params.batch_size,
        iterations=None,
        out_dir=Path(sm.output[0]),
        log=log,
    ),
)
