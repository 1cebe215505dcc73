# cimtrain: device-aware training of a CNN on a compute-in-memory chip, epoch by epoch,
# and the chip's cost of every epoch.
import re

from snakemake.utils import min_version

from cimtrain.config import check_config_files
from cimtrain.config_errors import check_workflow_config
from cimtrain.files import remove_leftover_temporaries

min_version("9.0")

# Configs are data: refuse templates and code-bearing YAML before `configfile` evaluates them.
check_config_files(["config.yaml", *workflow.config_settings.configfiles])


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# A bad key or value stops the run here, as one paragraph naming the file, key and value.
check_workflow_config(config, ["config.yaml", *workflow.overwrite_configfiles])


wildcard_constraints:
    run="|".join([re.escape(config["results_dir"]), r"results/sweeps/[^/]+/[^/]+"]),
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


onstart:
    # A job killed with kill -9 leaves its writers' temporaries beside its outputs. The jobs
    # about to run own those outputs (Snakemake has locked them), so their leftovers can go.
    remove_leftover_temporaries(path for job in workflow.dag.needrun_jobs() for path in job.output)


onsuccess:
    print(finished_run_summary())
