# Helpers of the workflow: the runs, their output paths and the config subsets each stage reads.
#
# A run is one training (one config) in its own directory: `results` for the configured run,
# `results/sweeps/<sweep>/<point>` for the training points of a sweep. Hardware variants of a
# sweep estimate a run's traces again under `<run>/hardware/<variant>/`.

from pathlib import Path

from cimtrain.sweep import load_sweep

RESOURCES = "resources"
NEUROSIM_BINARY = "build/neurosim/neurosim"
NEUROSIM_SOURCES = sorted(
    str(p)
    # Technology tables count too: the binary reads them, so a change must rerun the estimates.
    for pattern in (
        "CMakeLists.txt", "src/*.cpp", "include/neurosim/*.hpp", "tests/*.cpp", "tests/*.hpp",
        "data/*/*.csv", "data/*/*.txt",
    )
    for p in Path("NeuroSIM").glob(pattern)
)
DATASET_FILES = ["train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"]

SWEEP = load_sweep(config["sweep"], config) if config["sweep"]["name"] else None
# run directory -> its validated config
RUNS = SWEEP.runs if SWEEP else {"results": config}
# run directory -> {variant name: hardware settings}; empty for runs without variants
VARIANTS = SWEEP.hardware_variants if SWEEP else {}


def check_designs_fit_their_networks():
    """Stop before any job when a run's network cannot be mapped onto its sub-arrays."""
    from cimtrain.hardware import check_network_fits, hardware_from_config
    from cimtrain.models import IMAGE_SHAPE, layer_geometries, resolve_layers

    for run_dir, run in RUNS.items():
        geometries = layer_geometries(resolve_layers(run["model"]), IMAGE_SHAPE)
        designs = VARIANTS.get(run_dir) or {"hardware": run["hardware"]}
        for name, hardware in designs.items():
            check_network_fits(hardware_from_config({**run, "hardware": hardware}), geometries,
                               run["quant"]["weight_bits"], f"{run_dir}: {name}")


check_designs_fit_their_networks()


def section(name):
    """Params function: one config section of the job's run."""
    return lambda wildcards: RUNS[wildcards.run][name]


def epoch_dir(run, epoch):
    return f"{run}/epoch_{int(epoch):03d}"


def dataset_files(wildcards):
    name = RUNS[wildcards.run]["dataset"]["name"]
    return [f"{RESOURCES}/datasets/{name}/{file}" for file in DATASET_FILES]


def dataset_section(wildcards):
    """The dataset section of the first run that uses this dataset."""
    return next(c["dataset"] for c in RUNS.values() if c["dataset"]["name"] == wildcards.dataset)


def training_sections(wildcards):
    """What the training arithmetic reads; a change here reruns training onward."""
    run = RUNS[wildcards.run]
    return {key: run[key] for key in ("seed", "model", "quant", "train")}


def hardware_settings(wildcards):
    """The hardware file's keys: the hardware section plus the device figures it needs."""
    from cimtrain.hardware import hardware_from_config

    run = RUNS[wildcards.run]
    variant = getattr(wildcards, "variant", None)
    if variant is None:
        return hardware_from_config(run)
    return hardware_from_config({**run, "hardware": VARIANTS[wildcards.run][variant]})


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

    config_of_run = RUNS[run]
    return traced_epochs(config_of_run["epochs"], config_of_run["trace"]["every"])


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
        return outputs + SWEEP.summary_files() + SWEEP.plot_files()
    plots = [f"results/plots/{name}.{ext}" for name in PLOT_NAMES for ext in ("png", "svg")]
    return run_outputs("results") + plots + measured_device_outputs()


# A device measured pulse by pulse (device.measured; rules in device_fit.smk).


def measured_pulses(wildcards):
    return RUNS[wildcards.run]["device"]["measured"]


def device_fit_of(wildcards):
    """Input function: the run's device_fit.json when its device is measured, else nothing."""
    if RUNS[wildcards.run]["device"].get("measured"):
        return f"{wildcards.run}/device/device_fit.json"
    return []


def fitted_device_of(wildcards):
    """Input function: device.json when the device figures come from a fit, else nothing."""
    if RUNS[wildcards.run]["device"].get("measured"):
        return f"{wildcards.run}/device/device.json"
    return []


def measured_device_outputs():
    """The fit figure of every run with a measured device."""
    return [
        f"{run}/plots/device_fit.{ext}"
        for run, run_config in RUNS.items()
        if run_config["device"].get("measured")
        for ext in ("png", "svg")
    ]
