# Helpers of the workflow: output paths and the config subsets each stage reads.

RESULTS = "results"
RESOURCES = "resources"


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


def all_outputs():
    from cimtrain.trace import traced_epochs

    epochs = range(1, config["epochs"] + 1)
    # Targets only until the estimator rule consumes the traces; then list its outputs instead.
    traced = traced_epochs(config["epochs"], config["trace"]["every"])
    traces = [f"{epoch_dir(e)}/trace" for e in traced]
    return (
        [f"{epoch_dir(e)}/metrics.json" for e in epochs]
        + [f"{RESULTS}/summary/training.csv"]
        + traces
    )
