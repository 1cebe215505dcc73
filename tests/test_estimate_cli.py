"""The estimator as a user runs it without training: `cimtrain estimate` on a calibration trace."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, SHARED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vgg8_trace(calibration_trace):
    return calibration_trace


def cimtrain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cimtrain.cli", *args], cwd=REPO,
                          capture_output=True, text=True)


def test_estimate_reproduces_a_calibration_floorplan(vgg8_trace, tmp_path):
    result = cimtrain("estimate", "--trace", str(vgg8_trace), "--config",
                      "config/hardware/cal_rram_32.yaml", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("area_total_m2")
    floorplan = json.loads((tmp_path / "out" / "floorplan.json").read_text())
    reference = json.loads((SHARED / "calibration/reference/cal_rram_32.json").read_text())
    for key in ("tiles_per_layer", "speedup_per_layer"):
        assert floorplan[key] == reference["floorplan"][key]
    hardware = (tmp_path / "out" / "hardware.txt").read_text()
    assert "memory_cell = rram" in hardware and "max_levels_ltp = 60" in hardware


def test_set_overrides_a_key_and_bad_keys_are_named(vgg8_trace, tmp_path):
    out = tmp_path / "hw.txt"
    result = cimtrain("hardware-file", "--config", "config/hardware/cal_fefet_32.yaml",
                      "--set", "hardware.columns_per_adc=16", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "columns_per_adc = 16" in out.read_text()
    bad = cimtrain("hardware-file", "--config", "config/hardware/cal_fefet_32.yaml",
                   "--set", "hardware.columns_per_adcs=16", "--out", str(tmp_path / "x.txt"))
    assert bad.returncode == 1 and "columns_per_adcs" in bad.stderr
    assert not (tmp_path / "x.txt").exists()
    owned = cimtrain("hardware-file", "--config", "config/hardware/cal_fefet_32.yaml",
                     "--set", "hardware.max_levels_ltp=8", "--out", str(tmp_path / "y.txt"))
    assert owned.returncode == 1 and "device.levels_ltp" in owned.stderr


def test_damaged_trace_is_rejected_before_estimation(vgg8_trace, tmp_path):
    import shutil

    trace = tmp_path / "trace"
    shutil.copytree(vgg8_trace, trace)
    weight = trace / "layer_03" / "weight.npy"
    weight.write_bytes(weight.read_bytes()[:-10])
    result = cimtrain("estimate", "--trace", str(trace), "--config",
                      "config/hardware/cal_fefet_32.yaml", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "layer_03/weight.npy" in result.stderr
    assert not (tmp_path / "out" / "neurosim.csv").exists()
