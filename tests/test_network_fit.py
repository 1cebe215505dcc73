"""A design whose sub-arrays no floorplan of the network can use is rejected before training,
with the same verdict and the same advice as the estimator gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED, TINY_LAYERS

from cimtrain import hardware
from cimtrain.data import input_shape
from cimtrain.models import VGG8_LAYERS, layer_geometries

DEMO_LAYERS = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["model"]["layers"]
NETWORKS = {"tiny": TINY_LAYERS, "demo": DEMO_LAYERS, "vgg8": VGG8_LAYERS}
CIFAR_SHAPE = input_shape("cifar10")


def python_verdict(layers: list[dict], settings: dict) -> str:
    try:
        hardware.check_network_fits(settings, layer_geometries(layers, CIFAR_SHAPE), 5)
    except hardware.HardwareError as error:
        return str(error).split(": ", 2)[-1]
    return ""


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> dict[str, Path]:
    """A small synthetic trace of each network, cut by shared/calibration/make_traces.py."""
    out = {}
    for name, layers in NETWORKS.items():
        work = tmp_path_factory.mktemp(name)
        rows = ["ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride"] + [
            f"{g.ifm_h},{g.ifm_w},{g.ifm_c},{g.k_h},{g.k_w},{g.ofm_c},{g.pool},{g.stride}"
            for g in layer_geometries(layers, CIFAR_SHAPE)]
        (work / "network.csv").write_text("\n".join(rows) + "\n")
        subprocess.run([sys.executable, str(SHARED / "calibration" / "make_traces.py"), "--network",
                        str(work / "network.csv"), "--out", str(work / "trace")],
                       check=True, capture_output=True)
        out[name] = work / "trace"
    return out


@pytest.mark.slow
@pytest.mark.parametrize("network", sorted(NETWORKS))
@pytest.mark.parametrize("mapping", ["novel", "conventional"])
def test_python_check_agrees_with_the_estimator(network, mapping, traces, neurosim_binary,
                                                 tmp_path):
    for rows in (16, 32, 64, 128, 256):
        settings = {"subarray_rows": rows, "subarray_cols": rows, "mapping": mapping}
        hw_file = hardware.write_hardware_file(settings, tmp_path / f"{rows}.txt")
        result = subprocess.run([str(neurosim_binary), "--trace", str(traces[network]),
                                 "--hardware", str(hw_file), "--out", str(tmp_path / str(rows))],
                                capture_output=True, text=True)
        verdict = python_verdict(NETWORKS[network], settings)
        assert (result.returncode != 0) == bool(verdict), (rows, result.stderr, verdict)
        # The same advice, e.g. "use subarray_rows <= 32" or "use mapping: conventional".
        if verdict:
            advice = verdict.split("so ")[-1].split(";")[-1].strip()
            advice = advice.replace(": ", " = ")
            assert advice in result.stderr, (rows, verdict)
        # And the same layer named: its name here, its number in the estimator.
        if "mapped layer (" in verdict:
            name = verdict.split("mapped layer (")[1].split(")")[0]
            names = [g.name for g in layer_geometries(NETWORKS[network], CIFAR_SHAPE)]
            assert f"(layer {names.index(name) + 1})" in result.stderr, (verdict, result.stderr)


def test_vgg8_fits_the_reference_design():
    assert python_verdict(VGG8_LAYERS, {}) == ""


def test_demo_network_names_the_largest_sub_array_that_works():
    verdict = python_verdict(DEMO_LAYERS, {"subarray_rows": 128, "subarray_cols": 128})
    assert "subarray_rows" in verdict and "<= 32" in verdict
    # The layer that sets the bound: the demo's widest layer, 64 channels of 5-bit cells.
    assert "widest novel-mapped layer (conv5) fills 64 columns" in verdict
    assert python_verdict(DEMO_LAYERS, {"subarray_rows": 32, "subarray_cols": 32}) == ""


@pytest.mark.slow
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_pipelined_stage_is_the_slowest_layer_and_idle_layers_leak(network, traces,
                                                                   neurosim_binary, tmp_path):
    import pandas as pd

    # The largest sub-array the network can use: novel mapping if any size suits it, SRAM (one
    # bit per cell, so more columns) for a network too small for 5-bit cells.
    designs = ({"memory_cell": cell, "mapping": mapping, "subarray_rows": rows,
                "subarray_cols": rows} for cell in ("fefet", "sram")
               for mapping in ("novel", "conventional") for rows in (128, 64, 32, 16, 8))
    settings = next(d for d in designs if not python_verdict(NETWORKS[network], d))
    settings["pipeline"] = True
    hw_file = hardware.write_hardware_file(settings, tmp_path / "hw.txt")
    result = subprocess.run([str(neurosim_binary), "--trace", str(traces[network]), "--hardware",
                             str(hw_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    chip = pd.read_csv(tmp_path / "out" / "neurosim.csv").iloc[0]
    layers = pd.read_csv(tmp_path / "out" / "layers.csv")
    stage_fw, stage_ag = layers.latency_fw_s.max(), layers.latency_ag_s.max()
    assert chip.latency_fw_s == pytest.approx(stage_fw)
    assert chip.latency_ag_s == pytest.approx(stage_ag)
    idle = (stage_fw - layers.latency_fw_s) + (stage_ag - layers.latency_ag_s)
    assert layers.leakage_energy_j.to_numpy() == pytest.approx(
        (layers.leakage_power_w * idle).to_numpy(), rel=1e-6)
    assert (layers.leakage_energy_j > 0).sum() >= len(layers) - 1  # all but the slowest idle
