# Helpers of the workflow: output paths and the config subsets each stage reads.

from pathlib import Path

RESULTS = "results"
RESOURCES = "resources"
NEUROSIM_BINARY = "build/neurosim/neurosim"
NEUROSIM_SOURCES = sorted(
    str(p)
    for pattern in ("CMakeLists.txt", "src/*.cpp", "include/neurosim/*.hpp", "tests/*.cpp")
    for p in Path("NeuroSIM").glob(pattern)
)


def hardware_settings():
    """The hardware file's keys: the hardware section plus the device figures it needs."""
    from cimtrain.hardware import hardware_from_config

    return hardware_from_config(config)


def epoch_dir(epoch):
    return f"{RESULTS}/epoch_{int(epoch):03d}"


def dataset_dir():
    return f"{RESOURCES}/datasets/{config['dataset']['name']}"


def dataset_files():
    return expand(
        "{dir}/{name}",
        dir=dataset_dir(),
        name=["train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"],
    )


def training_sections():
    """What the training arithmetic reads; a change here reruns training onward."""
    return {
        "seed": config["seed"],
        "model": config["model"],
        "quant": config["quant"],
        "train": config["train"],
    }


def previous_checkpoint(wildcards):
    return f"{epoch_dir(int(wildcards.epoch) - 1)}/checkpoint.pt"


def source_digest(*modules):
    """Hash of cimtrain modules: a rule whose params hold it reruns when that code changes."""
    import hashlib
    import cimtrain

    package = Path(cimtrain.__file__).parent
    digest = hashlib.sha256()
    for module in modules:
        digest.update((package / module).read_bytes())
    return digest.hexdigest()[:16]


def traced():
    from cimtrain.trace import traced_epochs

    return traced_epochs(config["epochs"], config["trace"]["every"])


def activity_files():
    return [f"{epoch_dir(e)}/input_activity.json" for e in traced()]


def plot_files():
    names = [
        "accuracy_loss",
        "weight_distributions",
        "input_activity",
        "device_curves",
        "chip_area",
    ]
    return [f"{RESULTS}/plots/{name}.{ext}" for name in names for ext in ("png", "svg")]


def all_outputs():
    epochs = range(1, config["epochs"] + 1)
    return (
        [f"{epoch_dir(e)}/metrics.json" for e in epochs]
        + [f"{RESULTS}/summary/training.csv"]
        + [f"{RESULTS}/summary/hardware.csv"]
        + plot_files()
    )
