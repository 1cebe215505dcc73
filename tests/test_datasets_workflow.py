"""Other datasets and networks end to end: the mlp preset through the whole workflow on digits,
and a network on grey 28x28 images (MNIST's format) through training, trace and estimate."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from conftest import REPO, copy_workflow
from test_data import fake_idx_directory, trust

from cimtrain import config as run_config
from cimtrain import data, estimator, stages, train
from cimtrain.stage_keys import stage_params

MLP_RUN = {
    "results_dir": "results/mlp",
    "seed": 3,
    "epochs": 2,
    "dataset": {"name": "digits"},
    "model": {"preset": "mlp"},
    "device": {"sigma_d2d": 0.05},
    "train": {"batch_size": 100, "augment": False, "device": "cpu"},
    "trace": {"every": 2, "keep": True},
}
MLP_ROWS = [  # network.csv: ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride,padding,input,...
    "1,1,3072,1,1,512,0,1,0,0,0,0",
    "1,1,512,1,1,256,0,1,0,1,0,0",
    "1,1,256,1,1,10,0,1,0,2,0,0",
]
# A narrow VGG-shaped network whose third pooling halves 7x7 maps to 3x3.
GREY_LAYERS = [
    {"type": "conv", "out": 16, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 32, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 64, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "fc", "out": 32},
    {"type": "fc", "out": 10},
]


def prebuilt_estimator(root: Path) -> None:
    """The estimator of these sources from the per-user cache, placed where the workflow builds
    it (newer than its sources, so the build rule has nothing to do)."""
    binary = estimator.build(None, source_dir=REPO / "NeuroSIM", log=lambda _: None)
    target = root / "build" / "neurosim" / "neurosim"
    target.parent.mkdir(parents=True)
    shutil.copy(binary, target)


@pytest.mark.slow
def test_mlp_on_digits_runs_every_stage(tmp_path):
    root = copy_workflow(tmp_path / "workflow")
    prebuilt_estimator(root)
    (root / "config" / "under_test.yaml").write_text(yaml.safe_dump(MLP_RUN))
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/under_test.yaml", "-c2"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    run = root / "results" / "mlp"
    metrics = json.loads((run / "epoch_002" / "metrics.json").read_text())
    assert [layer["layer"] for layer in metrics["layers"]] == ["fc1", "fc2", "fc3"]
    assert metrics["test_accuracy"] > 0.5  # far above chance (0.1) after two epochs
    network = (run / "epoch_002" / "trace" / "network.csv").read_text().splitlines()
    assert network[1:] == MLP_ROWS
    with open(run / "summary" / "layers.csv") as stream:
        layers = list(csv.DictReader(stream))
    assert {row["layer"] for row in layers} == {"1", "2", "3"}  # one estimate per fc layer
    with open(run / "summary" / "hardware.csv") as stream:
        (hardware,) = list(csv.DictReader(stream))
    assert int(hardware["epoch"]) == 2 and float(hardware["energy_total_j"]) > 0
    for name in ("accuracy_loss", "chip_area", "layer_breakdown"):
        assert (run / "plots" / f"{name}.png").stat().st_size > 1000
    assert "build_neurosim" not in result.stderr  # the prebuilt estimator served


def test_grey_28x28_network_trains_traces_and_estimates(tmp_path, monkeypatch):
    files = tmp_path / "mnist_files"
    fake_idx_directory(files, train=40, test=8)
    trust(monkeypatch, "mnist", files)
    config = run_config.validate_run(
        {
            "seed": 4,
            "epochs": 1,
            "dataset": {"name": "mnist", "archive": str(files)},
            "model": {"layers": GREY_LAYERS},
            "train": {"batch_size": 20, "augment": True, "device": "cpu"},
            "trace": {"samples": 2},
            "hardware": {"subarray_rows": 32, "subarray_cols": 32},
        }
    )
    dataset_dir = tmp_path / "resources" / "datasets" / "mnist"
    stages.prepare_dataset(stage_params("dataset", config)["dataset"], dataset_dir, log=print)
    assert data.load(dataset_dir, config["dataset"]).train_images.shape == (40, 1, 28, 28)
    run = tmp_path / "run"
    device = stage_params("device", config)
    stages.make_device(
        device["device"],
        device["model"],
        run / "device.json",
        run / "d2d.npz",
        log=print,
        dataset=device["dataset"],
    )
    stages.init_model(
        config["model"],
        config["quant"],
        config["seed"],
        run / "epoch_000.pt",
        log=print,
        dataset=config["dataset"],
    )
    stages.train_epoch(
        stage_params("train_epoch", config),
        run / "epoch_000.pt",
        dataset_dir,
        run / "device.json",
        run / "d2d.npz",
        run / "epoch_001.pt",
        run / "metrics.json",
        threads=1,
        log=print,
    )
    trace = stage_params("trace", config)
    stages.trace_epoch(
        run / "epoch_001.pt",
        trace["model"],
        trace["quant"],
        dataset_dir,
        samples=2,
        batch_size=20,
        out_trace=run / "trace",
        out_activity=run / "activity.json",
        log=print,
        dataset=trace["dataset"],
    )
    network = (run / "trace" / "network.csv").read_text().splitlines()
    # Layer 1 reads the grey 28x28 image; pooling goes 28 -> 14 -> 7 -> 3.
    assert network[1].split(",")[:3] == ["28", "28", "1"]
    assert [row.split(",")[:3] for row in network[2:]] == [
        ["14", "14", "16"],
        ["7", "7", "32"],
        ["1", "1", str(3 * 3 * 64)],
        ["1", "1", "32"],
    ]
    estimator.estimate(run / "trace", config, run / "estimate", build_dir=None, log=print)
    with open(run / "estimate" / "layers.csv") as stream:
        layers = list(csv.DictReader(stream))
    assert [row["layer"] for row in layers] == ["1", "2", "3", "4", "5"]
    assert all(float(row["energy_fw_j"]) > 0 and float(row["energy_wu_j"]) > 0 for row in layers)
    with open(run / "estimate" / "neurosim.csv") as stream:
        (chip,) = list(csv.DictReader(stream))
    assert float(chip["energy_total_j"]) > 0 and float(chip["area_total_m2"]) > 0


def test_augmentation_crops_and_flips_grey_28x28_images():
    images = torch.arange(3 * 28 * 28, dtype=torch.float32).reshape(3, 1, 28, 28)  # all distinct
    out = train.augment(images, torch.Generator().manual_seed(2))
    assert out.shape == images.shape
    for cropped, original in zip(out, images, strict=True):
        padded = torch.nn.functional.pad(original, (4, 4, 4, 4))
        windows = [
            padded[:, top : top + 28, left : left + 28] for top in range(9) for left in range(9)
        ]
        assert any(torch.equal(cropped, w) or torch.equal(cropped, w.flip(-1)) for w in windows)
