"""The workflow with a measured device: fit, train, estimate, plot; an edited read reruns
the fit and what depends on the device, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow

pytestmark = pytest.mark.slow

EXAMPLE = "data/measurements/example_pulses.csv"
CONFIG = {
    "results_dir": "results",
    "seed": 3,
    "epochs": 2,
    "dataset": {"name": "digits"},
    "model": {
        "layers": [
            {"type": "conv", "out": 16, "kernel": 3},
            {"type": "pool", "size": 2},
            {"type": "conv", "out": 64, "kernel": 3},
            {"type": "pool", "size": 4},
            {"type": "fc", "out": 32},
            {"type": "fc", "out": 10},
        ]
    },
    "device": {"measured": EXAMPLE},
    "train": {"batch_size": 128, "device": "cpu"},
    "hardware": {"subarray_rows": 32, "subarray_cols": 32},
}
DEVICE_ONWARD = {
    "fit_device",
    "device",
    "plot_device_fit",
    "plot_device",
    "train_epoch",
    "trace",
    "hardware_file",
    "neurosim",
    "training_summary",
    "hardware_summary",
    "plot_training",
    "plot_hardware",
    "all",
}


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    path = workdir / "config" / "under_test.yaml"
    path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "snakemake", "--configfile", str(path), "-c2", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900)


def planned_jobs(workdir: Path, config: dict) -> set[str]:
    result = snakemake(workdir, config, "-n", "--quiet", "rules")
    assert result.returncode == 0, result.stderr
    rules = set()
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
            rules.add(parts[0])
    return rules


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_workflow(tmp_path_factory.mktemp("measured"))
    result = snakemake(root, CONFIG)
    assert result.returncode == 0, result.stderr[-4000:]
    return root


def test_fit_feeds_training_and_hardware(workdir):
    fit = json.loads((workdir / "results/device/device_fit.json").read_text())
    info = json.loads((workdir / "results/device/device.json").read_text())
    for key in (
        "levels_ltp",
        "nonlinearity_ltp",
        "nonlinearity_ltd",
        "sigma_c2c",
        "sigma_d2d",
    ):
        assert info[key] == fit[key]
    assert (fit["nonlinearity_ltp"], fit["nonlinearity_ltd"]) == pytest.approx((2.0, -3.0), abs=0.1)
    hardware = (workdir / "results/hardware/hardware.txt").read_text()
    assert "max_levels_ltp = 64" in hardware
    # The hardware file takes the fitted on-resistance and on/off ratio (device.json holds only
    # what training reads).
    settings = dict(line.split(" = ") for line in hardware.splitlines() if " = " in line)
    ratio = float(settings["resistance_off_ohm"]) / float(settings["resistance_on_ohm"])
    assert ratio == pytest.approx(fit["on_off_ratio"], rel=1e-6)
    assert (workdir / "results/plots/device_fit.png").stat().st_size > 10_000
    assert (workdir / "results/summary/hardware.csv").is_file()
    assert "nonlinearity_ltp = 1.98" in (workdir / "logs/results/device_fit.log").read_text()


def test_unchanged_measurement_reruns_nothing(workdir):
    assert planned_jobs(workdir, CONFIG) == set()


def test_one_changed_read_reruns_the_fit_and_what_follows(workdir):
    path = workdir / EXAMPLE
    original = path.read_text()
    try:
        lines = original.splitlines(keepends=True)
        fields = lines[10].rstrip("\n").split(",")
        fields[-1] = repr(float(fields[-1]) * 1.01)
        lines[10] = ",".join(fields) + "\n"
        path.write_text("".join(lines))
        assert planned_jobs(workdir, CONFIG) == DEVICE_ONWARD
    finally:
        path.write_text(original)


def test_a_set_key_reruns_the_device_not_the_fit(workdir):
    config = {**CONFIG, "device": {**CONFIG["device"], "sigma_c2c": 0.01}}
    jobs = planned_jobs(workdir, config)
    assert "device" in jobs and "fit_device" not in jobs and "dataset" not in jobs


def test_malformed_file_stops_with_the_row(tmp_path):
    root = copy_workflow(tmp_path)
    bad = root / "data/measurements/bad.csv"
    bad.write_text("device,cycle,direction,pulse,conductance_s\nd0,1,ltp,0,abc\n")
    config = {**CONFIG, "device": {"measured": "data/measurements/bad.csv"}}
    result = snakemake(root, config, "results/device/device_fit.json")
    assert result.returncode != 0
    log = (root / "logs/results/device_fit.log").read_text()
    assert "line 2" in log and "conductance_s must be a positive number" in log
    assert not (root / "results/device/device_fit.json").exists()
