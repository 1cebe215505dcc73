import json
from pathlib import Path

from cimtrain.plots import device_curves
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: device_curves(
        json.loads(Path(sm.input[0]).read_text()), Path(sm.output.png), sm.params.plots["dpi"]
    ),
)
