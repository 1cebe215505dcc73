from pathlib import Path

from cimtrain.accuracy_curves import write_accuracy_curves
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: write_accuracy_curves(
        [Path(p) for p in sm.input.metrics], sm.params.points, Path(sm.output.table),
        Path(sm.output.figure), sm.params.dpi,
        f"Test accuracy over seeds, sweep {sm.wildcards.sweep}", log,
    ),
)
