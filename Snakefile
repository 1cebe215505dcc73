# cimtrain: device-aware training of a CNN on a compute-in-memory chip, epoch by epoch,
# and the chip's cost of every epoch.
from snakemake.utils import min_version, validate

from cimtrain.hardware import validate_hardware

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


validate(config, "workflow/schemas/config.schema.yaml")
validate_hardware(config["hardware"], "config: hardware")


wildcard_constraints:
    run=r"results(/sweeps/[^/]+/[^/]+)?",
    variant=r"[^/]+",
    epoch=r"\d{3}",
    dataset=r"[a-z0-9]+",
    sweep=r"[A-Za-z0-9_.=+-]+",


include: "workflow/rules/common.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/device_fit.smk"
include: "workflow/rules/device.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/trace.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/sweep.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
