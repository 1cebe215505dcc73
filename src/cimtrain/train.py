"""Device-aware training, one epoch at a time, from checkpoint to checkpoint.

A checkpoint holds everything the next epoch needs (weights, velocities, random generator
state, epoch number), so N epochs run as N jobs give the same bits as one process running N.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cimtrain import device as device_model
from cimtrain import files, quant
from cimtrain.data import Dataset
from cimtrain.models import WageNet, build_model
from cimtrain.training_records import UPDATE_RANGE, CheckpointError  # noqa: F401 (re-exported)
from cimtrain.update import (
    UpdateSettings,
    programmed_weight,
    pulses_from_normalized,
    rounded_step,
    update_velocity,
)

CHECKPOINT_FORMAT = "cimtrain-checkpoint/1"
PAD_PIXELS = 4  # random-crop padding of the standard CIFAR augmentation


# Deviations of DNN+NeuroSim V2.1's training step that `train.reference_quirks` can switch on
# (docs/REFERENCE_TRAINING.md describes each; with all of them the step is the reference's).
REFERENCE_QUIRKS: dict[str, str] = {
    "velocity_in_place": "the stored velocity is left divided by the power of two nearest its "
                         "maximum after every update (momentum all but off)",
    "unclipped_init": "epoch 1 starts from the unclipped WAGE initialization (up to +-1.5)",
    "table_truncation": "the nonlinearity table row is int(|NL| * 100) - 1, in float32",
    "zero_pulse_round_trip": "a weight with no pulse keeps the float residue of the round trip "
                             "through the curve, so it can move by a grid step",
    "draw_order": "random numbers drawn layer by layer from the last layer: all rounding draws, "
                  "then all noise draws, noise drawn even when sigma_c2c is 0",
    "epoch_numbering": "epochs counted from 0: the grad scale is divided at the start of each "
                       "listed epoch index, once however often it is listed, and with "
                       "trace.every n the epochs traced are indices 0, n, 2n, ... (1-based "
                       "1, n+1, 2n+1, ...) without adding the last",
}


def resolve_quirks(value: str | list[str]) -> frozenset[str]:
    """The quirk names of `train.reference_quirks`: none, all, or a list of names."""
    allowed = ", ".join(REFERENCE_QUIRKS)
    if value == "none":
        return frozenset()
    if value == "all":
        return frozenset(REFERENCE_QUIRKS)
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"train.reference_quirks: {value!r} is not none, all or a list of "
                         f"names ({allowed})")
    unknown = [name for name in value if name not in REFERENCE_QUIRKS]
    if unknown:
        raise ValueError(f"train.reference_quirks: unknown quirk {unknown[0]!r}; allowed: "
                         f"{allowed}")
    return frozenset(value)


def truncates_table(train_config: dict) -> bool:
    """Whether the device curves use the reference's table look-up."""
    return "table_truncation" in resolve_quirks(train_config["reference_quirks"])


def counts_epochs_from_zero(train_config: dict) -> bool:
    """Whether the schedule and the traced epochs follow the reference's 0-based epoch index."""
    return "epoch_numbering" in resolve_quirks(train_config["reference_quirks"])


def select_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device: cuda requested but no CUDA device is available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def grad_scale_at(epoch: int, train_config: dict) -> float:
    """grad_scale in 1-based `epoch`: divided once for every decay epoch already completed.

    Epoch d completed is the start of the reference's epoch index d, where it divides: the same
    epochs in both numberings. With `epoch_numbering` a decay epoch listed twice divides once,
    as the reference tests the index for membership in its list; otherwise once per entry.
    """
    decay_epochs = train_config["grad_scale_decay_epochs"]
    if counts_epochs_from_zero(train_config):
        decay_epochs = set(decay_epochs)
    divisions = sum(1 for d in decay_epochs if d <= epoch - 1)
    return float(train_config["grad_scale"]) / float(train_config["grad_scale_decay"]) ** divisions


def update_settings(quant_config: dict, train_config: dict, device_info: dict) -> UpdateSettings:
    return UpdateSettings(
        weight_bits=int(quant_config["weight_bits"]),
        grad_bits=int(quant_config["grad_bits"]),
        levels=max(int(device_info["levels_ltp"]), int(device_info["levels_ltd"])),
        momentum=float(train_config["momentum"]),
        velocity_gain=float(train_config["velocity_gain"]),
        sigma_c2c=float(device_info["sigma_c2c"]),
    )


# ----------------------------------------------------------------------------- checkpoints

def initial_checkpoint(model_config: dict, quant_config: dict, seed: int,
                       dataset: dict | str | None = None) -> dict:
    """Epoch-0 checkpoint: WAGE-initialized weights, zero velocities, a seeded generator.

    dataset: its config section or name, which sets the input shape and the class count
    (None: the default dataset, 3x32x32 images and 10 classes).
    """
    generator = torch.Generator().manual_seed(seed)
    model = build_model(model_config, quant_config, dataset=dataset)
    model.reset_parameters(generator)
    # A cell holds only values inside the device range: the WAGE limit (1.5 for 5 bits) is
    # wider, and a weight beyond the curve's end has no pulse position (NaN in the reference).
    # The unclipped values are kept for train.reference_quirks: unclipped_init.
    weight_bits = int(quant_config["weight_bits"])
    unclipped = [layer.weight.detach().clone() for layer in model.weighted]
    weights = [quant.clamp_to_range(w, weight_bits) for w in unclipped]
    return {
        "format": CHECKPOINT_FORMAT,
        "epoch": 0,
        "layer_names": [g.name for g in model.geometries],
        "weights": weights,
        "unclipped_weights": unclipped,
        "weights_before_last_update": [w.clone() for w in weights],
        "velocities": [torch.zeros_like(w) for w in weights],
        "seed": seed,
    }


def epoch_generator(seed: int, epoch: int, compute_device: torch.device) -> torch.Generator:
    """The generator of one epoch (order, augmentation, rounding, noise).

    Its seed is a function of the run's seed and the epoch alone, so an epoch replays
    identically whether it follows its predecessor in one process or in a new job.
    """
    return torch.Generator(device=compute_device).manual_seed(seed * 100_003 + epoch)


def save_checkpoint(checkpoint: dict, path: Path) -> None:
    """Write atomically; the bytes depend only on the content (no file name inside)."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    files.write_bytes(Path(path), buffer.getvalue())


def load_checkpoint(path: Path) -> dict:
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise CheckpointError(f"{path}: no such checkpoint") from error
    except Exception as error:  # torch raises several types for damaged archives
        raise CheckpointError(f"{path}: not a readable checkpoint ({error})") from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: not a {CHECKPOINT_FORMAT} checkpoint")
    return checkpoint


def model_from_checkpoint(checkpoint: dict, model_config: dict, quant_config: dict,
                          dataset: dict | str | None = None) -> WageNet:
    """The network of the config (on the dataset's images, see initial_checkpoint) with the
    checkpoint's weights; shapes must agree."""
    model = build_model(model_config, quant_config, dataset=dataset)
    weights = checkpoint["weights"]
    if len(weights) != len(model.weighted):
        raise CheckpointError(
            f"checkpoint has {len(weights)} weighted layers, model config has {len(model.weighted)}"
        )
    with torch.no_grad():
        for layer, weight in zip(model.weighted, weights, strict=True):
            if tuple(weight.shape) != tuple(layer.weight.shape):
                raise CheckpointError(
                    f"{layer.geometry.name}: checkpoint weight {tuple(weight.shape)} does not "
                    f"match the model config {tuple(layer.weight.shape)}"
                )
            layer.weight.copy_(weight)
    return model


# ----------------------------------------------------------------------------- device curves

def load_curves(device_info: dict, deviations: dict[str, np.ndarray], layer_names: list[str],
                compute_device: torch.device,
                truncate_table: bool = False) -> list[device_model.LayerCurves]:
    """Curves per layer: per weight when device-to-device deviations exist, else scalars.

    truncate_table: the reference's table look-up (train.reference_quirks: table_truncation).
    """
    params = device_model.device_params(device_info)
    curves = []
    for name in layer_names:
        if name in deviations:
            deviation = torch.from_numpy(deviations[name]).to(compute_device)
        else:
            deviation = torch.zeros((), device=compute_device)
        curves.append(device_model.layer_curves(params, deviation.to(torch.float32),
                                                truncate_table))
    return curves


# ----------------------------------------------------------------------------- data on device

@dataclass
class DeviceData:
    """A prepared dataset as tensors on the compute device."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor

    @classmethod
    def from_dataset(cls, dataset: Dataset, compute_device: torch.device) -> DeviceData:
        def put(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(array).to(compute_device)

        return cls(put(dataset.train_images), put(dataset.train_labels),
                   put(dataset.test_images), put(dataset.test_labels))


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 pixels to [-1, 1]."""
    return images.float().mul_(2.0 / 255.0).sub_(1.0)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crops of the zero-padded images and random horizontal flips, all in one gather."""
    count, _, height, width = images.shape
    padded = torch.nn.functional.pad(images, (PAD_PIXELS,) * 4)
    span = 2 * PAD_PIXELS + 1
    dev = images.device
    top = torch.randint(0, span, (count,), generator=generator, device=dev)
    left = torch.randint(0, span, (count,), generator=generator, device=dev)
    flip = torch.rand(count, generator=generator, device=dev) < 0.5
    rows = top[:, None] + torch.arange(height, device=dev)[None, :]
    cols = torch.arange(width, device=dev)[None, :]
    cols = torch.where(flip[:, None], width - 1 - cols, cols) + left[:, None]
    batch = torch.arange(count, device=dev)[:, None, None]
    cropped = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return cropped.permute(0, 3, 1, 2).contiguous()


def sse_loss(output: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """1/2 * sum of squared differences to the one-hot targets, summed over the batch."""
    target = torch.nn.functional.one_hot(labels, num_classes).to(output.dtype)
    return 0.5 * (output - target).pow(2).sum()


# ----------------------------------------------------------------------------- epochs

@dataclass
class EpochResult:
    checkpoint: dict
    metrics: dict


def train_epoch(
    checkpoint: dict,
    config: dict,
    data: DeviceData,
    curves: list[device_model.LayerCurves],
    device_info: dict,
    compute_device: torch.device,
    log: Callable[[str], None] = print,
) -> EpochResult:
    """Run epoch checkpoint['epoch'] + 1 and return its checkpoint and metrics.

    `config` needs the model, quant and train sections, and the dataset section where the
    dataset is not the default one (it sets the network's input and class count).
    """
    started = time.perf_counter()
    train_config = config["train"]
    quirks = resolve_quirks(train_config["reference_quirks"])
    epoch = int(checkpoint["epoch"]) + 1
    model = model_from_checkpoint(checkpoint, config["model"], config["quant"],
                                  config.get("dataset")).to(compute_device)
    if epoch == 1 and "unclipped_init" in quirks and "unclipped_weights" in checkpoint:
        with torch.no_grad():
            for layer, weight in zip(model.weighted, checkpoint["unclipped_weights"], strict=True):
                layer.weight.copy_(weight)
    generator = epoch_generator(int(checkpoint["seed"]), epoch, compute_device)
    settings = update_settings(config["quant"], train_config, device_info)
    grad_scale = grad_scale_at(epoch, train_config)
    weights = [layer.weight for layer in model.weighted]
    start_weights = [w.detach().clone() for w in weights]
    velocities = [v.to(compute_device) for v in checkpoint["velocities"]]
    if train_config["reset_velocity_each_epoch"]:
        velocities = [torch.zeros_like(w) for w in weights]

    count = len(data.train_labels)
    batch_size = int(train_config["batch_size"])
    iterations = math.ceil(count / batch_size)
    order = torch.randperm(count, generator=generator, device=compute_device)
    label = f"epoch {epoch} (the reference's epoch {epoch - 1})" \
        if "epoch_numbering" in quirks else f"epoch {epoch}"
    log(f"{label}: {iterations} batches of {batch_size} on {compute_device}, "
        f"grad scale {grad_scale}, reference quirks {sorted(quirks) or 'none'}")
    loss_sum, correct = 0.0, 0
    before_last = start_weights
    for iteration in range(iterations):
        index = order[iteration * batch_size:(iteration + 1) * batch_size]
        images = data.train_images[index]
        if train_config["augment"]:
            images = augment(images, generator)
        labels = data.train_labels[index]
        if iteration == iterations - 1:
            before_last = [w.detach().clone() for w in weights]
        loss, output = train_step(model, normalize(images), labels, model.num_classes, velocities,
                                  curves, settings, grad_scale, generator, quirks)
        loss_sum += float(loss.detach())
        correct += int((output.argmax(1) == labels).sum())
        if iteration == 0 or (iteration + 1) % max(1, iterations // 10) == 0 \
                or iteration + 1 == iterations:
            log(f"epoch {epoch}: batch {iteration + 1}/{iterations}, "
                f"loss {loss_sum / min(count, (iteration + 1) * batch_size):.4f}")

    test_loss, test_accuracy = evaluate(model, data, int(train_config["eval_batch_size"]))
    end_weights = [w.detach().clone() for w in weights]
    new_checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "layer_names": list(checkpoint["layer_names"]),
        "weights": [w.cpu() for w in end_weights],
        "weights_before_last_update": [w.cpu() for w in before_last],
        "velocities": [v.cpu() for v in velocities],
        "seed": checkpoint["seed"],
    }
    metrics = {
        "epoch": epoch,
        "grad_scale": grad_scale,
        "iterations": iterations,
        "batch_size": batch_size,
        "train_loss": loss_sum / count,
        "train_accuracy": correct / count,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "layers": layer_statistics(checkpoint["layer_names"], start_weights, end_weights),
        "compute_device": str(compute_device),
    }
    # Wall time goes to the log (and the rule's benchmark file), not to the results: a rerun
    # after an interruption must reproduce metrics.json byte for byte.
    log(f"epoch {epoch}: train accuracy {metrics['train_accuracy']:.4f}, "
        f"test accuracy {test_accuracy:.4f}, {time.perf_counter() - started:.1f} s")
    return EpochResult(new_checkpoint, metrics)


def train_step(
    model: WageNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    velocities: list[torch.Tensor],
    curves: list[device_model.LayerCurves],
    settings: UpdateSettings,
    grad_scale: float,
    generator: torch.Generator,
    quirks: frozenset[str] = frozenset(),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward, backward and device-aware update of one batch; returns (loss, output)."""
    model.zero_grad(set_to_none=True)
    output = model(images)
    loss = sse_loss(output, labels, num_classes)
    loss.backward()
    with torch.no_grad():
        update_weights([layer.weight for layer in model.weighted], velocities, curves, settings,
                       grad_scale, generator, quirks)
    return loss.detach(), output.detach()


def update_weights(
    weights: list[torch.Tensor],
    velocities: list[torch.Tensor],
    curves: list[device_model.LayerCurves],
    settings: UpdateSettings,
    grad_scale: float,
    generator: torch.Generator,
    quirks: frozenset[str] = frozenset(),
) -> None:
    """One device-aware update of every layer from its .grad; weights and velocities in place."""
    in_place = "velocity_in_place" in quirks
    exact_zero = "zero_pulse_round_trip" not in quirks
    reference_order = "draw_order" in quirks
    layers = range(len(weights))
    steps: dict[int, torch.Tensor] = {}
    for i in reversed(layers) if reference_order else layers:
        velocities[i] = update_velocity(velocities[i], weights[i].grad, settings)
        normalized = quant.normalize_by_max(velocities[i])
        if in_place:
            velocities[i] = normalized
        pulses = pulses_from_normalized(normalized, grad_scale, settings.levels)
        steps[i] = rounded_step(weights[i], pulses, curves[i], settings, generator, exact_zero)
        if not reference_order:
            weights[i].copy_(programmed_weight(weights[i], steps[i], settings, generator))
    if reference_order:
        for i in reversed(layers):
            weights[i].copy_(programmed_weight(weights[i], steps[i], settings, generator,
                                               draw_always=True))


@torch.no_grad()
def evaluate(model: WageNet, data: DeviceData, batch_size: int) -> tuple[float, float]:
    """Mean SSE loss per image and accuracy on the test set."""
    loss_sum, correct = 0.0, 0
    count = len(data.test_labels)
    for start in range(0, count, batch_size):
        images = normalize(data.test_images[start:start + batch_size])
        labels = data.test_labels[start:start + batch_size]
        output = model(images)
        loss_sum += float(sse_loss(output, labels, model.num_classes))
        correct += int((output.argmax(1) == labels).sum())
    return loss_sum / count, correct / count


HISTOGRAM_BINS = 32


def layer_statistics(names: list[str], start: list[torch.Tensor],
                     end: list[torch.Tensor]) -> list[dict]:
    """Per layer: mean, std and histogram of the weights and of their change over the epoch.

    Weight histograms cover [-1, 1], update histograms [-0.5, 0.5], each in 32 equal bins.
    """
    rows = []
    for name, before, after in zip(names, start, end, strict=True):
        change = after - before
        rows.append({
            "layer": name,
            "weight_mean": float(after.mean()), "weight_std": float(after.std()),
            "update_mean": float(change.mean()), "update_std": float(change.std()),
            "updated_fraction": float((change != 0).float().mean()),
            "weight_histogram": _histogram(after, 1.0),
            "update_histogram": _histogram(change, UPDATE_RANGE),
        })
    return rows


def _histogram(values: torch.Tensor, limit: float) -> list[int]:
    clipped = values.detach().float().clamp(-limit, limit).cpu()
    return torch.histc(clipped, bins=HISTOGRAM_BINS, min=-limit, max=limit).long().tolist()
