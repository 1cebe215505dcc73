import json
from pathlib import Path

import pandas as pd

from cimtrain.device_fit import read_measurement
from cimtrain.plot_device_fit import device_fit_figure
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: device_fit_figure(
        read_measurement(Path(sm.input.measured)),
        json.loads(Path(sm.input.fit).read_text()),
        pd.read_csv(sm.input.sequences, dtype={"device": str, "cycle": str}),
        Path(sm.output[0]),
        sm.params.plots["dpi"],
    ),
)
