"""The workflow's stages as functions of (config sections, input paths, output paths).

The Snakemake scripts and the command line call these; they hold the file I/O of each stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from cimtrain import data as datasets
from cimtrain import device as device_model
from cimtrain import device_fit, train
from cimtrain.config import load_schema
from cimtrain.files import replaced_atomically, write_json
from cimtrain.hardware import hardware_from_config
from cimtrain.models import dataset_geometries
from cimtrain.stage_keys import DEVICE_TRAINING_KEYS
from cimtrain.trace import export_trace

Log = Callable[[str], None]


def prepare_dataset(dataset_config: dict, out_dir: Path, log: Log = print) -> None:
    """Dataset stage: decode the configured dataset once into resources/."""
    out_dir = Path(out_dir)
    dataset = datasets.prepare(dataset_config, out_dir.parent / "downloads")
    datasets.save(dataset, out_dir)
    log(f"{dataset_config['name']}: {len(dataset.train_labels)} training and "
        f"{len(dataset.test_labels)} test images in {out_dir}")


def weight_shapes(model_config: dict, dataset: dict | None = None) -> dict[str, tuple[int, ...]]:
    """Layer name -> shape of its weight tensor (conv: out, in, k, k; fc: out, in) on the
    dataset's images (its config section; None: the default dataset)."""
    shapes = {}
    for g in dataset_geometries(model_config, dataset):
        spatial = (g.k_h, g.k_w) if g.kind == "conv" else ()
        shapes[g.name] = (g.ofm_c, g.ifm_c, *spatial)
    return shapes


def fit_device(measured: Path, out_fit: Path, out_sequences: Path, log: Log = print) -> dict:
    """Fit stage: the device figures of a measured pulse table (device_fit.json)."""
    measurement = device_fit.read_measurement(Path(measured))
    figures, sequences = device_fit.fit_measurement(measurement, str(measured))
    figures["fit"]["measured"] = str(measured)
    figures["fit"]["measured_sha256"] = device_fit.file_digest(Path(measured))
    with replaced_atomically(Path(out_sequences)) as partial:
        sequences.to_csv(partial, index=False)
    write_json(figures, out_fit)
    details = figures["fit"]
    log(f"{measured}: {details['devices']} devices, {details['sequences_ltp']} LTP and "
        f"{details['sequences_ltd']} LTD sequences")
    for key in device_model.FITTED_KEYS:
        error = details.get(f"{key}_stderr")
        log(f"fit: {key} = {figures[key]}" + (f" (standard error {error:.3g})" if error else ""))
    return figures


def _device_with_fit(device_config: dict, fit_json: Path | None, log: Log) -> dict:
    """The device section with the fitted figures for the keys it leaves at their defaults."""
    if fit_json is None:
        return device_model.resolve_device(device_config)
    fit = json.loads(Path(fit_json).read_text())
    schema = load_schema()["properties"]["device"]["properties"]
    defaults = {key: spec.get("default") for key, spec in schema.items()}
    resolved, kept = device_model.apply_fit(device_config, fit, defaults)
    for key, (configured, fitted) in kept.items():
        log(f"device.{key}: the configured {configured} wins over the fitted {fitted}")
    return resolved


def fitted_hardware(device_section: dict, fit_json: Path, log: Log = print) -> dict:
    """The hardware file's device keys (levels, resistances) of a measured device's fit; keys the
    section sets to anything but their defaults win, as in the device stage."""
    return hardware_from_config({"device": _device_with_fit(device_section, Path(fit_json), log)})


def make_device(device_config: dict, model_config: dict, out_json: Path, out_variation: Path,
                log: Log = print, fit_json: Path | None = None,
                dataset: dict | None = None) -> None:
    """Device stage: resolved device parameters and the per-weight d2d deviations.

    Only the figures training reads are resolved and stored: the hardware-only ones (on/off
    ratio, resistance, write pulse) feed the hardware file alone, so they rerun no training.
    With `fit_json` (device_fit.json of the measured pulses), its figures replace the keys the
    section leaves at their defaults. `dataset` (its config section) sets the weight shapes.
    """
    resolved = _device_with_fit(device_config, fit_json, log)
    params = device_model.device_params(resolved)
    deviations: dict[str, np.ndarray] = {}
    if params.sigma_d2d > 0:
        shapes = weight_shapes(model_config, dataset)
        draws = device_model.sample_d2d_deviation(list(shapes.values()), params.sigma_d2d,
                                                  params.seed)
        deviations = dict(zip(shapes, draws, strict=True))
    summary = {key: resolved[key] for key in DEVICE_TRAINING_KEYS if key in resolved}
    if resolved.get("preset"):
        summary["source"] = device_model.PRESETS[resolved["preset"]]["source"]
    if fit_json is not None:
        summary["source"] = f"fit of the measured pulses {device_config.get('measured')}"
    for direction in ("ltp", "ltd"):
        a, b = device_model.curve_parameters(
            torch.tensor(params.__dict__[f"nonlinearity_{direction}"], dtype=torch.float64),
            params.__dict__[f"levels_{direction}"],
        )
        summary[f"a_{direction}"], summary[f"b_{direction}"] = float(a), float(b)
    with replaced_atomically(Path(out_variation)) as partial, open(partial, "wb") as stream:
        np.savez(stream, **deviations)
    write_json(summary, out_json)
    log(f"device: LTP NL {params.nonlinearity_ltp} ({params.levels_ltp} levels), "
        f"LTD NL {params.nonlinearity_ltd} ({params.levels_ltd} levels), "
        f"d2d sigma {params.sigma_d2d}")


def load_device(device_json: Path, variation: Path) -> tuple[dict, dict[str, np.ndarray]]:
    info = json.loads(Path(device_json).read_text())
    with np.load(variation) as archive:
        deviations = {name: archive[name] for name in archive.files}
    return info, deviations


def init_model(model_config: dict, quant_config: dict, seed: int, out: Path,
               log: Log = print, dataset: dict | None = None) -> None:
    """Epoch 0: the WAGE-initialized network for the dataset's images and classes."""
    checkpoint = train.initial_checkpoint(model_config, quant_config, seed, dataset)
    train.save_checkpoint(checkpoint, Path(out))
    log(f"initialized {len(checkpoint['weights'])} weighted layers (seed {seed})")


def configure_threads(threads: int) -> None:
    if threads > 0:
        torch.set_num_threads(threads)


def train_epoch(config: dict, previous: Path, dataset_dir: Path, device_json: Path,
                variation: Path, out_checkpoint: Path, out_metrics: Path, threads: int,
                log: Log = print) -> None:
    """One training epoch: previous checkpoint -> next checkpoint and its metrics.

    `config` holds the sections the stage reads, the dataset's name among them.
    """
    configure_threads(int(config["train"]["threads"]) or threads)
    compute_device = train.select_device(config["train"]["device"])
    checkpoint = train.load_checkpoint(Path(previous))
    info, deviations = load_device(device_json, variation)
    data = train.DeviceData.from_dataset(datasets.load(Path(dataset_dir), config["dataset"]),
                                         compute_device)
    curves = train.load_curves(info, deviations, checkpoint["layer_names"], compute_device,
                               train.truncates_table(config["train"]))
    result = train.train_epoch(checkpoint, config, data, curves, info, compute_device, log)
    train.save_checkpoint(result.checkpoint, Path(out_checkpoint))
    write_json(result.metrics, out_metrics)


def train_in_one_process(config: dict, results: Path, resources: Path, threads: int = 0,
                         log: Log = print) -> None:
    """Every stage up to the last epoch in this process, writing the workflow's files."""
    results, resources = Path(results), Path(resources)
    dataset_dir = resources / "datasets" / config["dataset"]["name"]
    if not (dataset_dir / datasets.ARRAY_FILES[-1]).is_file():
        prepare_dataset(config["dataset"], dataset_dir, log)
    device_json = results / "device" / "device.json"
    variation = results / "device" / "d2d_variation.npz"
    fit_json = None
    if config["device"].get("measured"):
        fit_json = results / "device" / "device_fit.json"
        fit_device(config["device"]["measured"], fit_json,
                   results / "device" / "device_fit_sequences.csv", log)
    make_device(config["device"], config["model"], device_json, variation, log,
                fit_json, config["dataset"])
    configure_threads(int(config["train"]["threads"]) or threads)
    compute_device = train.select_device(config["train"]["device"])
    info, deviations = load_device(device_json, variation)
    data = train.DeviceData.from_dataset(datasets.load(dataset_dir, config["dataset"]),
                                         compute_device)
    checkpoint = train.initial_checkpoint(config["model"], config["quant"], config["seed"],
                                          config["dataset"])
    train.save_checkpoint(checkpoint, results / "epoch_000" / "checkpoint.pt")
    curves = train.load_curves(info, deviations, checkpoint["layer_names"], compute_device,
                               train.truncates_table(config["train"]))
    for epoch in range(1, config["epochs"] + 1):
        result = train.train_epoch(checkpoint, config, data, curves, info, compute_device, log)
        checkpoint = result.checkpoint
        train.save_checkpoint(checkpoint, results / f"epoch_{epoch:03d}" / "checkpoint.pt")
        write_json(result.metrics, results / f"epoch_{epoch:03d}" / "metrics.json")


def trace_epoch(checkpoint: Path, model_config: dict, quant_config: dict, dataset_dir: Path,
                samples: int, batch_size: int, out_trace: Path, out_activity: Path,
                log: Log = print, dataset: dict | None = None) -> None:
    """Trace stage: the epoch's cim-trace/2 directory and its layers' input activity."""
    activity = export_trace(checkpoint, model_config, quant_config, dataset_dir, samples,
                            batch_size, None, out_trace, log, dataset)
    epoch = train.load_checkpoint(checkpoint)["epoch"]
    write_json({"epoch": epoch, "layers": activity}, out_activity)
