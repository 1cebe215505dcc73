# cimtrain: device-aware training of a CNN on a compute-in-memory chip, epoch by epoch,
# and the chip's cost of every epoch.
from snakemake.utils import min_version

from cimtrain.config import check_config_files, validate_run

min_version("9.0")

# Configs are data: refuse templates and code-bearing YAML before `configfile` evaluates them.
check_config_files(["config.yaml", *workflow.config_settings.configfiles])


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


validate_run(config, "config")


wildcard_constraints:
    run=r"results(/sweeps/[^/]+/[^/]+)?",
    variant=r"[^/]+",
    epoch=r"\d{3}",
    dataset=r"[a-z0-9]+",
    sweep=r"[A-Za-z0-9_.=+-]+",


include: "workflow/rules/common.smk"
include: "workflow/rules/dataset.smk"
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
