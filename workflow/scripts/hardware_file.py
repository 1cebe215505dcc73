import json
from pathlib import Path

from cimtrain.hardware import hardware_from_config, write_hardware_file
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
settings = dict(sm.params.hardware)
device = getattr(sm.input, "device", None)  # device.json of a measured device, else empty
if isinstance(device, str):
    # A measured device: its levels and resistances are the fitted ones of device.json.
    settings.update(hardware_from_config({"device": json.loads(Path(device).read_text())}))
run_logged(
    sm.log[0],
    lambda log: log(f"wrote {write_hardware_file(settings, sm.output[0])}"),
)
