# Helpers of the workflow: the runs, their output paths and the config subsets each stage reads.
#
# A run is one training (one config) in its own directory: `results_dir` for the configured run,
# `results/sweeps/<sweep>/<point>` for the training points of a sweep. Hardware variants of a
# sweep estimate a run's traces again under `<run>/hardware/<variant>/`.

import os
from pathlib import Path

from cimtrain.config_errors import exit_on_config_error
from cimtrain.stage_keys import stage_params
from cimtrain.sweep import load_sweep

RESOURCES = "resources"
NEUROSIM_BINARY = "build/neurosim/neurosim"
NEUROSIM_SOURCES = sorted(
    str(p)
    # Technology tables count too: the binary reads them, so a change must rerun the estimates.
    for pattern in (
        "CMakeLists.txt", "src/**/*.cpp", "include/neurosim/**/*.hpp", "include/neurosim/*.def",
        "tests/*.cpp", "tests/*.hpp",
        "data/*/*.csv", "data/*/*.txt",
    )
    for p in Path("NeuroSIM").glob(pattern)
)
DATASET_FILES = ["train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"]

SWEEP = (
    exit_on_config_error(lambda: load_sweep(config["sweep"], config))
    if config["sweep"]["name"]
    else None
)
# run directory -> its validated config
RUNS = SWEEP.runs if SWEEP else {config["results_dir"]: config}
# run directory -> {variant name: hardware settings}; empty for runs without variants
VARIANTS = SWEEP.hardware_variants if SWEEP else {}


def check_designs_fit_their_networks():
    """Stop before any job when a run's network cannot be mapped onto its sub-arrays."""
    from cimtrain.hardware import check_network_fits, hardware_from_config
    from cimtrain.models import dataset_geometries

    for run_dir, run in RUNS.items():
        geometries = dataset_geometries(run["model"], run["dataset"])
        designs = VARIANTS.get(run_dir) or {"hardware": run["hardware"]}
        for name, hardware in designs.items():
            check_network_fits(hardware_from_config({**run, "hardware": hardware}), geometries,
                               run["quant"]["weight_bits"], f"{run_dir}: {name}")


exit_on_config_error(check_designs_fit_their_networks)


def reads(stage):
    """Params function: the part of the job's run config that `stage` reads."""
    return lambda wildcards: stage_params(stage, RUNS[wildcards.run])


def read_by(stage, key):
    """Params function: the part of the job's run config that `stage` reads under `key`."""
    return lambda wildcards: stage_params(stage, RUNS[wildcards.run])[key]


def epoch_dir(run, epoch):
    return f"{run}/epoch_{int(epoch):03d}"


def dataset_files(wildcards):
    name = RUNS[wildcards.run]["dataset"]["name"]
    return [f"{RESOURCES}/datasets/{name}/{file}" for file in DATASET_FILES]


def dataset_section(wildcards):
    """What the dataset stage reads, of the first run that uses this dataset."""
    run = next(c for c in RUNS.values() if c["dataset"]["name"] == wildcards.dataset)
    return stage_params("dataset", run)["dataset"]


def hardware_settings(wildcards):
    """The hardware file's keys: the hardware section plus the device figures it needs."""
    from cimtrain.device import resolve_device
    from cimtrain.hardware import hardware_from_config

    run = RUNS[wildcards.run]
    variant = getattr(wildcards, "variant", None)
    if variant is not None:
        run = {**run, "hardware": VARIANTS[wildcards.run][variant]}
    read = stage_params("hardware_file", run)
    # A device preset sets hardware figures (on/off ratio, levels) too.
    return hardware_from_config({**read, "device": resolve_device(read["device"])})


def previous_checkpoint(wildcards):
    return f"{epoch_dir(wildcards.run, int(wildcards.epoch) - 1)}/checkpoint.pt"


def source_digest(*modules):
    """Hash of cimtrain modules: a rule whose params hold it reruns when that code changes."""
    import hashlib
    import cimtrain

    package = Path(cimtrain.__file__).parent
    digest = hashlib.sha256()
    for module in modules:
        digest.update((package / module).read_bytes())
    return digest.hexdigest()[:16]


def traced(run):
    from cimtrain.trace import traced_epochs
    from cimtrain.train import counts_epochs_from_zero

    config_of_run = RUNS[run]
    return traced_epochs(config_of_run["epochs"], config_of_run["trace"]["every"],
                         counts_epochs_from_zero(config_of_run["train"]))


def epochs_of(run):
    return range(1, RUNS[run]["epochs"] + 1)


def metrics_files(wildcards):
    return [f"{epoch_dir(wildcards.run, e)}/metrics.json" for e in epochs_of(wildcards.run)]


def activity_files(wildcards):
    return [f"{epoch_dir(wildcards.run, e)}/input_activity.json" for e in traced(wildcards.run)]


def estimate_files(name):
    """Input function: one estimator output of every traced epoch (of a variant, if any)."""

    def files(wildcards):
        variant = getattr(wildcards, "variant", None)
        base = wildcards.run if variant is None else f"{wildcards.run}/hardware/{variant}"
        return [f"{base}/epoch_{e:03d}/{name}" for e in traced(wildcards.run)]

    return files


def sweep_training_files(wildcards):
    return [f"{run}/summary/training.csv" for run in RUNS]


def sweep_metrics_files(wildcards):
    """Every epoch's metrics of every training point: the accuracy curves need no estimate."""
    return [f"{epoch_dir(run, e)}/metrics.json" for run in RUNS for e in epochs_of(run)]


def varies_seed(sweep):
    """Whether some training point sets the seed: a study of the spread over seeds."""
    return any("seed" in point.overrides for point in sweep.training_points)


def accuracy_curve_files(sweep):
    if not varies_seed(sweep):
        return []
    return [f"{sweep.directory}/summary/accuracy_curves.csv",
            *(f"{sweep.directory}/plots/accuracy_curves.{ext}" for ext in ("png", "svg"))]


def sweep_hardware_files(wildcards):
    files = []
    for run in RUNS:
        if VARIANTS.get(run):
            files += [f"{run}/hardware/{v}/summary/hardware.csv" for v in VARIANTS[run]]
        else:
            files.append(f"{run}/summary/hardware.csv")
    return files


PLOT_NAMES = [
    "accuracy_loss",
    "weight_distributions",
    "input_activity",
    "device_curves",
    "chip_area",
    "energy_latency_phases",
    "layer_breakdown",
]


def run_outputs(run):
    outputs = [f"{epoch_dir(run, e)}/metrics.json" for e in epochs_of(run)]
    outputs.append(f"{run}/summary/training.csv")
    if VARIANTS.get(run):
        outputs += [f"{run}/hardware/{v}/summary/hardware.csv" for v in VARIANTS[run]]
    else:
        outputs.append(f"{run}/summary/hardware.csv")
    return outputs


def all_outputs():
    if SWEEP:
        outputs = [path for run in RUNS for path in run_outputs(run)]
        return (outputs + SWEEP.summary_files() + SWEEP.plot_files()
                + accuracy_curve_files(SWEEP))
    run = config["results_dir"]
    plots = [f"{run}/plots/{name}.{ext}" for name in PLOT_NAMES for ext in ("png", "svg")]
    return run_outputs(run) + plots + measured_device_outputs()


def finished_run_summary():
    """What a finished run made and found, for the console."""
    from cimtrain.summary import run_summary_text

    configfiles = " ".join(os.path.relpath(f) for f in workflow.overwrite_configfiles)
    option = f" --configfile {configfiles}" if configfiles else ""
    if SWEEP:
        return (f"cimtrain: sweep results in {SWEEP.directory}/ (summary/, plots/)\n"
                f"  report: snakemake --report {SWEEP.directory}/report.html{option}")
    run = config["results_dir"]
    return run_summary_text(Path(run), f"snakemake --report {run}/report.html{option}")


# A device measured pulse by pulse (device.measured; rules in device_fit.smk).


def measured_pulses(wildcards):
    return RUNS[wildcards.run]["device"]["measured"]


def device_fit_of(wildcards):
    """Input function: the run's device_fit.json when its device is measured, else nothing."""
    if RUNS[wildcards.run]["device"].get("measured"):
        return f"{wildcards.run}/device/device_fit.json"
    return []


def measured_device_outputs():
    """The fit figure of every run with a measured device."""
    return [
        f"{run}/plots/device_fit.{ext}"
        for run, run_config in RUNS.items()
        if run_config["device"].get("measured")
        for ext in ("png", "svg")
    ]
