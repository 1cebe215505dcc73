"""Which config keys each workflow stage reads, and so which stages a change of a key reruns.

One source for three things: the params of the workflow's rules (a rule receives exactly the keys
its stage reads, so Snakemake's params trigger reruns it exactly when one of them changes), the
"reruns when" table of the README, and the test that dry-runs a change of every key.

Light on purpose (no torch): the Snakefile, the README generator and the tests import it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

# Device figures each side reads; a preset may set any of them, so both read `preset`.
DEVICE_TRAINING_KEYS = (
    "preset",
    "measured",
    "levels_ltp",
    "levels_ltd",
    "nonlinearity_ltp",
    "nonlinearity_ltd",
    "sigma_c2c",
    "sigma_d2d",
    "seed",
)
DEVICE_HARDWARE_KEYS = (
    "preset",
    "levels_ltp",
    "levels_ltd",
    "on_off_ratio",
    "resistance_on_ohm",
    "write_voltage_v",
    "write_pulse_width_s",
)

# Stage (a rule of the workflow) -> config keys it receives as params. A key names a whole
# section ("model") or one entry ("trace.samples").
STAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "dataset": (
        "dataset.name",
        "dataset.archive",
        "dataset.digits_test_fraction",
        "dataset.digits_split_seed",
    ),
    "fit_device": (),
    # The dataset's name sets the network's input shape and class count (cimtrain.data).
    "device": tuple(f"device.{key}" for key in DEVICE_TRAINING_KEYS) + ("model", "dataset.name"),
    "init_model": ("seed", "model", "quant", "dataset.name"),
    "train_epoch": ("seed", "model", "quant", "train", "dataset.name"),
    "trace": ("model", "quant", "trace.samples", "train.batch_size", "dataset.name"),
    "build_neurosim": (),
    "hardware_file": ("hardware", "quant.error_bits")
    + tuple(f"device.{key}" for key in DEVICE_HARDWARE_KEYS),
    "neurosim": (),
    "training_summary": (),
    "hardware_summary": (),
    "plot_training": ("plots",),
    "plot_device": ("plots",),
    "plot_device_fit": ("plots",),
    "plot_hardware": ("plots", "model", "dataset.name"),
}

# Keys read only when another key has one of some values: key -> (that key, its values).
READ_ONLY_WHEN: dict[str, tuple[str, tuple[object, ...]]] = {
    "dataset.archive": ("dataset.name", ("cifar10", "cifar100", "mnist", "fashion_mnist")),
    "dataset.digits_test_fraction": ("dataset.name", ("digits",)),
    "dataset.digits_split_seed": ("dataset.name", ("digits",)),
}

# Keys that choose which jobs exist rather than what a job computes: key -> the stages whose
# jobs they add (or whose inputs they change).
JOB_CHOOSING_KEYS: dict[str, tuple[str, ...]] = {
    "results_dir": tuple(s for s in STAGE_PARAMS if s not in {"dataset", "build_neurosim"}),
    "epochs": ("train_epoch",),
    "trace.every": ("training_summary", "hardware_summary"),
    "trace.keep": (),
    "device.measured": ("fit_device", "plot_device_fit"),
}

# Stages whose jobs exist only when a key is set: stage -> that key.
EXISTS_WHEN_SET: dict[str, str] = {
    "fit_device": "device.measured",
    "plot_device_fit": "device.measured",
}

# Edges of DOWNSTREAM that exist only when a key is set: (stage, reader) -> that key. A fitted
# device's levels and resistances reach the hardware file through device_fit.json.
DOWNSTREAM_WHEN_SET: dict[tuple[str, str], str] = {
    ("fit_device", "hardware_file"): "device.measured",
}

# Keys of a sweep: they add runs of their own (results/sweeps/), the configured run is untouched.
SWEEP_KEYS = ("sweep",)

# Stage -> the stages that read its output.
DOWNSTREAM: dict[str, tuple[str, ...]] = {
    "fit_device": ("device", "plot_device_fit"),
    "dataset": ("train_epoch", "trace"),
    "device": ("train_epoch", "plot_device"),
    "init_model": ("train_epoch",),
    "train_epoch": ("trace", "training_summary"),
    "trace": ("neurosim", "training_summary"),
    "build_neurosim": ("neurosim",),
    "hardware_file": ("neurosim",),
    "neurosim": ("hardware_summary",),
    "training_summary": ("plot_training",),
    "hardware_summary": ("plot_hardware",),
}

# What each stage writes (under the run's results_dir), for the README's table.
STAGE_OUTPUTS: dict[str, str] = {
    "dataset": "`resources/datasets/<name>/*.npy` (uint8 images, int64 labels)",
    "fit_device": "`device/device_fit.json` (fitted figures), `device_fit_sequences.csv`",
    "device": "`device/device.json` (resolved device, curve A/B), `d2d_variation.npz`",
    "init_model": "`epoch_000/checkpoint.pt` (WAGE initialization)",
    "train_epoch": "`epoch_NNN/checkpoint.pt`, `metrics.json`",
    "trace": "`epoch_NNN/trace/` (cim-trace/2), `input_activity.json`",
    "build_neurosim": "`build/neurosim/neurosim` (CMake)",
    "hardware_file": "`hardware/hardware.txt` (the estimator's `key = value` input)",
    "neurosim": "`epoch_NNN/neurosim.csv`, `layers.csv`, `floorplan.json`",
    "training_summary": "`summary/training.csv`, `weight_histograms.csv`",
    "hardware_summary": "`summary/hardware.csv`, `layers.csv`",
    "plot_training": "`plots/accuracy_loss`, `weight_distributions`, `input_activity`",
    "plot_device": "`plots/device_curves`",
    "plot_device_fit": "`plots/device_fit` (measured pulses and the fitted curves)",
    "plot_hardware": "`plots/chip_area`, `energy_latency_phases`, `layer_breakdown`",
}
# What else reruns a stage than its keys and the stages upstream of it.
STAGE_OTHER_CAUSES: dict[str, str] = {
    "build_neurosim": "a NeuroSIM source or technology table changes",
    "trace": "its estimate reruns and the trace was removed (`trace.keep: false`)",
    "plot_training": "the plotting code changes",
    "plot_device": "the plotting code changes",
    "fit_device": "the measured CSV or the fitting code changes",
    "plot_device_fit": "the measured CSV or the plotting code changes",
    "plot_hardware": "the plotting code changes",
}


def lookup(config: Mapping, key: str) -> object:
    node: object = config
    for part in key.split("."):
        node = node[part]  # type: ignore[index]
    return node


def _is_read(key: str, config: Mapping) -> bool:
    condition = READ_ONLY_WHEN.get(key)
    return condition is None or lookup(config, condition[0]) in condition[1]


def stage_params(stage: str, config: Mapping) -> dict:
    """The part of a validated config that `stage` reads, nested as in the config."""
    params: dict = {}
    for key in STAGE_PARAMS[stage]:
        if not _is_read(key, config):
            continue
        *parents, leaf = key.split(".")
        node = params
        source = config
        for part in parents:
            node = node.setdefault(part, {})
            source = source[part]
        if leaf in source:
            node[leaf] = copy.deepcopy(source[leaf])
    return params


def covers(prefix: str, key: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def readers(key: str, config: Mapping) -> set[str]:
    """The stages whose jobs a change of `key` (a dotted schema key) changes directly."""
    stages = {
        stage
        for stage, keys in STAGE_PARAMS.items()
        if any(covers(k, key) for k in keys) and _is_read(_read_key(key, keys), config)
    }
    for choosing, chosen in JOB_CHOOSING_KEYS.items():
        if covers(choosing, key):
            stages |= set(chosen)
    return stages


def _read_key(key: str, keys: Iterable[str]) -> str:
    return next((k for k in keys if covers(k, key)), key)


def _is_set(key: str, config: Mapping | None) -> bool:
    return config is None or bool(lookup(config, key))


def downstream_closure(stages: Iterable[str], config: Mapping | None = None) -> set[str]:
    """`stages` and every stage below them (in `config`: only the jobs and edges it has)."""
    pending, seen = list(stages), set()
    while pending:
        stage = pending.pop()
        condition = EXISTS_WHEN_SET.get(stage)
        if stage in seen or (condition is not None and not _is_set(condition, config)):
            continue
        seen.add(stage)
        pending.extend(DOWNSTREAM.get(stage, ()))
        pending.extend(reader for (writer, reader), key in DOWNSTREAM_WHEN_SET.items()
                       if writer == stage and _is_set(key, config))
    return seen


def rerun_stages(key: str, config: Mapping) -> set[str]:
    """Every stage a change of `key` reruns in a finished run of `config`."""
    stages = downstream_closure(readers(key, config), config)
    if "neurosim" in stages and not lookup(config, "trace.keep"):
        # A removed (temporary) trace is cut again from its checkpoint for the new estimate.
        stages |= downstream_closure({"trace"}, config)
    return stages


def upstream(stage: str) -> list[str]:
    return [s for s, below in DOWNSTREAM.items() if stage in below]


def _key_text(key: str) -> str:
    if key in READ_ONLY_WHEN:
        other, values = READ_ONLY_WHEN[key]
        return f"`{key}` (when {' or '.join(str(v) for v in values)})"
    return f"`{key}`"


def _keys_text(stage: str) -> str:
    keys = [k for k in STAGE_PARAMS[stage]]
    keys += [k for k, chosen in JOB_CHOOSING_KEYS.items() if stage in chosen and k != "results_dir"]
    parts = []
    if keys:
        parts.append(", ".join(_key_text(k) for k in keys) + " changes")
    if upstream(stage):
        parts.append(" or ".join(upstream(stage)) + " reran")
    if stage in STAGE_OTHER_CAUSES:
        parts.append(STAGE_OTHER_CAUSES[stage])
    return "; ".join(parts) if parts else "never"


def readme_table() -> str:
    """The README's table of stages, their outputs and what reruns them."""
    lines = [
        "| stage | output (under `results_dir`) | reruns when |",
        "|---|---|---|",
    ]
    for stage in STAGE_PARAMS:
        lines.append(f"| {stage} | {STAGE_OUTPUTS[stage]} | {_keys_text(stage)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(readme_table(), end="")
