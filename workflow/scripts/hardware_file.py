from cimtrain.hardware import write_hardware_file
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: log(f"wrote {write_hardware_file(sm.params.hardware, sm.output[0])}"),
)
