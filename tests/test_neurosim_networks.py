"""NeuroSIM on networks beyond VGG: strided and 1x1 convolutions, residual adds, global pooling,
and cim-trace/2 itself (a VGG-8 estimate is the same, bit for bit, from either format)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import snapshot_neurosim as snapshot

from cimtrain import hardware
from cimtrain import trace as traces
from cimtrain.models import PRESETS, LayerGeometry, layer_geometries

WEIGHT_BITS, INPUT_BITS, ERROR_BITS = 5, 8, 8
BATCH, ITERATIONS = 50, 29
HBM2_J_PER_BIT = 3.9e-12
SETTINGS = {"weight_bits": WEIGHT_BITS, "input_bits": INPUT_BITS, "batch_size": BATCH,
            "iterations": ITERATIONS, "epoch": 1}


def write_network(out: Path, network: list[LayerGeometry], seed: int = 0,
                  inputs: dict[int, np.ndarray] | None = None) -> Path:
    """A cim-trace/2 directory of `network` with random codes (inputs[i] replaces layer i's)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for index, g in enumerate(network):
        row = traces.network_row(g, index + 1)
        fan_in, patches = traces.row_fan_in(row), traces.row_patches(row)
        weight = rng.integers(-15, 16, size=(fan_in, g.ofm_c), dtype=np.int8)
        old = np.clip(weight + rng.integers(-1, 2, size=weight.shape), -15, 15).astype(np.int8)
        codes = rng.integers(0, 128, size=(1, patches, fan_in), dtype=np.int8)
        if inputs and index in inputs:
            codes = inputs[index]
        arrays.append(traces.LayerArrays(weight, old, codes))
    traces.write_trace(out, network, arrays, SETTINGS)
    return out


def estimate(binary: Path, trace_dir: Path, out: Path) -> tuple[pd.Series, pd.DataFrame]:
    hw_file = hardware.write_hardware_file({"subarray_rows": 32, "subarray_cols": 32},
                                           out.with_suffix(".hardware.txt"))
    result = subprocess.run([str(binary), "--trace", str(trace_dir), "--hardware", str(hw_file),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return pd.read_csv(out / "neurosim.csv").iloc[0], pd.read_csv(out / "layers.csv")


def conv(ifm: int, channels: int, kernel: int, out: int, stride: int = 1, source: int = -1,
         residual: int = 0, global_pool: int = 0) -> LayerGeometry:
    return LayerGeometry("conv", "conv", ifm, ifm, channels, kernel, kernel, out, 0, stride,
                         None, source, residual, global_pool)


def fc(features: int, out: int) -> LayerGeometry:
    return LayerGeometry("fc", "fc", 1, 1, features, 1, 1, out, 0, 1, 0)


# ----------------------------------------------------------------------------- cim-trace/2

@pytest.mark.skipif(not snapshot.MAKE_TRACES.is_file(), reason="shared/calibration absent")
def test_vgg8_estimate_is_bit_identical_from_a_cim_trace_2(neurosim_binary: Path,
                                                           calibration_trace: Path,
                                                           tmp_path: Path) -> None:
    v2 = tmp_path / "vgg8_v2"
    shutil.copytree(calibration_trace, v2)
    rows = traces.read_network_csv(v2 / "network.csv")
    (v2 / "network.csv").write_text("\n".join(
        [traces.NETWORK_HEADER, *(",".join(map(str, row)) for row in rows)]) + "\n")
    meta = json.loads((v2 / "meta.json").read_text())
    meta["format"] = "cim-trace/2"
    (v2 / "meta.json").write_text(json.dumps(meta))
    assert traces.read_trace(v2).meta["format"] == "cim-trace/2"
    case = snapshot.SNAPSHOT_DIR / "cal_fefet_32__calibration"
    out = tmp_path / "out"
    result = subprocess.run([str(neurosim_binary), "--trace", str(v2), "--hardware",
                             str(case / snapshot.HARDWARE_FILE), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in snapshot.OUTPUT_FILES:
        assert (out / name).read_text() == (case / name).read_text(), name


@pytest.mark.parametrize(("row", "message"), [
    ("32,32,16,3,3,32,0,1,1,2,0,0", "must name earlier layers"),
    ("32,32,16,3,3,32,1,1,1,0,0,1", "cannot both"),
    ("2,2,16,7,7,32,0,1,1,0,0,0", "kernel larger than the padded input"),
    ("32,32,16,3,3,32,0,1", "expected 12 fields, got 8"),
])
def test_estimator_rejects_a_bad_cim_trace_2_row(neurosim_binary: Path, tmp_path: Path,
                                                 row: str, message: str) -> None:
    trace_dir = write_network(tmp_path / "trace", [conv(32, 16, 3, 32), fc(32 * 32 * 32, 10)])
    lines = (trace_dir / "network.csv").read_text().splitlines()
    lines[1] = row
    (trace_dir / "network.csv").write_text("\n".join(lines) + "\n")
    hw_file = hardware.write_hardware_file({}, tmp_path / "hardware.txt")
    result = subprocess.run([str(neurosim_binary), "--trace", str(trace_dir), "--hardware",
                             str(hw_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "network.csv:2" in result.stderr and message in result.stderr, result.stderr


# ----------------------------------------------------------------------------- stride

def strided_pair(tmp_path: Path, kernel: int) -> tuple[Path, Path]:
    """Two traces that differ only in layer 2's stride (1, 2); the stride-2 layer reads every
    other row and column of the stride-1 layer's patches, so its input bits are alike."""
    ifm, channels, out = 32, 32, 64
    one = [conv(ifm, 16, 3, channels), conv(ifm, channels, kernel, out), fc(64, 10)]
    two = [one[0], conv(ifm, channels, kernel, out, stride=2), one[2]]
    rng = np.random.default_rng(7)
    fan_in = kernel * kernel * channels
    dense = rng.integers(0, 128, size=(1, ifm, ifm, fan_in), dtype=np.int8)
    inputs_one = {1: dense.reshape(1, ifm * ifm, fan_in)}
    inputs_two = {1: np.ascontiguousarray(dense[:, ::2, ::2]).reshape(1, ifm * ifm // 4, fan_in)}
    return (write_network(tmp_path / "stride1", one, inputs=inputs_one),
            write_network(tmp_path / "stride2", two, inputs=inputs_two))


@pytest.mark.parametrize("kernel", [3, 1])
def test_a_stride_2_layer_has_a_quarter_of_the_patches_and_of_the_compute(
        neurosim_binary: Path, tmp_path: Path, kernel: int) -> None:
    one_dir, two_dir = strided_pair(tmp_path, kernel)
    one, two = traces.read_trace(one_dir), traces.read_trace(two_dir)
    assert one.layers[1].input.shape[1] == 4 * two.layers[1].input.shape[1] == 1024
    _, layers_one = estimate(neurosim_binary, one_dir, tmp_path / "est1")
    _, layers_two = estimate(neurosim_binary, two_dir, tmp_path / "est2")
    first, second = layers_one.iloc[1], layers_two.iloc[1]
    # The compute of FW and AG (arrays, ADCs, accumulation) follows the output pixels.
    for column in ("peak_latency_fw_s", "peak_latency_ag_s", "peak_energy_fw_j",
                   "peak_energy_ag_j"):
        assert second[column] / first[column] == pytest.approx(0.25, rel=0.02), column
    # Whole phases carry the layer's input traffic too, which the stride leaves as it is.
    for column in ("latency_fw_s", "latency_ag_s", "energy_fw_j", "energy_ag_j"):
        assert 0.2 < second[column] / first[column] < 0.5, column
    assert second.energy_wg_j < 0.75 * first.energy_wg_j
    # The other layers compute as before, to the small change of the chip around them (the
    # gradient unit, sized by the largest layer, shrinks with it, and so do the chip's wires).
    for index in (0, 2):
        before, after = layers_one.iloc[index], layers_two.iloc[index]
        for phase in ("fw", "ag"):
            for column in (f"peak_energy_{phase}_j", f"peak_latency_{phase}_s"):
                assert after[column] == pytest.approx(before[column], rel=0.01), column


# ----------------------------------------------------------------------------- residual add

ADD_COLUMNS = ("accumulation", "buffer", "dram")


def residual_pair(tmp_path: Path, global_pool: int = 0) -> tuple[Path, Path]:
    """Layer 3 with and without a residual add of layer 1's output (same shape, same codes)."""
    network = [conv(16, 8, 3, 64), conv(16, 64, 3, 64), conv(16, 64, 3, 64, residual=1,
                                                                global_pool=global_pool),
               fc(64 if global_pool else 16 * 16 * 64, 10)]
    plain = [*network[:2], conv(16, 64, 3, 64, global_pool=global_pool), network[3]]
    return (write_network(tmp_path / "with_add", network),
            write_network(tmp_path / "without_add", plain))


def test_removing_a_residual_add_removes_exactly_its_accumulation_and_buffer_costs(
        neurosim_binary: Path, tmp_path: Path) -> None:
    with_dir, without_dir = residual_pair(tmp_path)
    chip_with, with_add = estimate(neurosim_binary, with_dir, tmp_path / "with")
    chip_without, without_add = estimate(neurosim_binary, without_dir, tmp_path / "without")
    # Only layer 3 changes, and in it only its phases' FW and AG, accumulation, buffer and DRAM.
    for index in (0, 1, 3):
        pd.testing.assert_series_equal(with_add.iloc[index], without_add.iloc[index])
    a, b = with_add.iloc[2], without_add.iloc[2]
    moved = {column for column in with_add.columns if a[column] != b[column]}
    allowed = {f"{q}_{phase}_{unit}" for q in ("latency", "energy", "peak_latency", "peak_energy")
               for phase in ("fw", "ag") for unit in ("s", "j")}
    allowed |= {f"breakdown_{q}_{part}_{unit}" for q, unit in (("latency", "s"), ("energy", "j"))
                for part in ADD_COLUMNS}
    allowed.add("leakage_energy_j")  # idle tiles leak for the longer FW and AG
    assert moved <= allowed, moved - allowed
    for part in ADD_COLUMNS:
        for quantity, unit in (("latency", "s"), ("energy", "j")):
            column = f"breakdown_{quantity}_{part}_{unit}"
            assert a[column] > b[column], column
    # The held operand (FW) and the shortcut branch's error (AG) go to DRAM and back: 16x16 maps
    # of 64 channels at 8 bits each way, per image.
    values, images = 16 * 16 * 64, BATCH * ITERATIONS
    dram_j = 2 * values * (INPUT_BITS + ERROR_BITS) * HBM2_J_PER_BIT * images
    assert a.breakdown_energy_dram_j - b.breakdown_energy_dram_j == pytest.approx(dram_j,
                                                                                  rel=1e-9)
    # The adds' energy is the extra accumulation of FW and AG, all in the peak (compute) figures.
    extra = (a.peak_energy_fw_j + a.peak_energy_ag_j) - (b.peak_energy_fw_j + b.peak_energy_ag_j)
    accumulation = a.breakdown_energy_accumulation_j - b.breakdown_energy_accumulation_j
    # layers.csv prints 9 significant digits: the difference carries the rounding of its terms.
    printed = 1e-9 * (a.peak_energy_fw_j + a.peak_energy_ag_j + a.breakdown_energy_accumulation_j)
    assert extra == pytest.approx(accumulation, abs=2 * printed)
    # An 8-bit add per output value is a small share of the layer's own accumulation.
    assert accumulation < 0.2 * b.breakdown_energy_accumulation_j
    assert chip_with.energy_total_j > chip_without.energy_total_j
    assert chip_with.area_total_m2 == chip_without.area_total_m2


def test_global_pooling_adds_its_sums_and_shrinks_the_written_outputs(
        neurosim_binary: Path, tmp_path: Path) -> None:
    network = [conv(16, 8, 3, 64), conv(16, 64, 3, 64), fc(16 * 16 * 64, 10)]
    pooled = [network[0], conv(16, 64, 3, 64, global_pool=1), fc(64, 10)]
    _, plain = estimate(neurosim_binary, write_network(tmp_path / "plain", network),
                        tmp_path / "plain_out")
    _, pooled_layers = estimate(neurosim_binary, write_network(tmp_path / "pooled", pooled),
                                tmp_path / "pooled_out")
    a, b = pooled_layers.iloc[1], plain.iloc[1]
    assert a.peak_energy_fw_j > b.peak_energy_fw_j  # the channel sums
    assert a.peak_energy_ag_j == b.peak_energy_ag_j  # spreading the error is a shift
    assert a.breakdown_energy_buffer_j < b.breakdown_energy_buffer_j  # one pixel written back


# ----------------------------------------------------------------------------- presets

@pytest.mark.parametrize(("preset", "subarray"), [("resnet20", 32), ("resnet18", 128)])
def test_every_cim_layer_of_a_resnet_gets_its_row(neurosim_binary: Path, tmp_path: Path,
                                                  preset: str, subarray: int) -> None:
    network = layer_geometries(PRESETS[preset], (3, 32, 32))
    trace_dir = write_network(tmp_path / "trace", network)
    hw_file = hardware.write_hardware_file({"subarray_rows": subarray, "subarray_cols": subarray},
                                           tmp_path / "hardware.txt")
    result = subprocess.run([str(neurosim_binary), "--trace", str(trace_dir), "--hardware",
                             str(hw_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    layers = pd.read_csv(tmp_path / "out" / "layers.csv")
    assert list(layers["layer"]) == list(range(1, len(network) + 1))
    assert (layers["energy_fw_j"] > 0).all() and (layers["latency_wu_s"] >= 0).all()
    # The stride-2 convs of a stage's first block read a quarter of the pixels of the block before.
    by_name = {g.name: row for g, (_, row) in zip(network, layers.iterrows(), strict=True)}
    ratio = (by_name["layer2.0.conv1"].peak_energy_fw_j
             / by_name["layer1.0.conv1"].peak_energy_fw_j)
    assert 0.1 < ratio < 1.0
