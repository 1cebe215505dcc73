"""The trace stage: cim-trace/1 export of an epoch, and the reader that checks a trace."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cimtrain import data, quant, train
from cimtrain import trace as tr

SHARED = Path(__file__).resolve().parents[2] / "shared"
MAKE_TRACES = SHARED / "calibration" / "make_traces.py"
VGG8_CSV = SHARED / "calibration" / "networks" / "vgg8.csv"

# Small but complete: two kernel sizes, pooling, a flattening fc layer and a last fc layer.
MODEL = {"layers": [
    {"type": "conv", "out": 4, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 6, "kernel": 5},
    {"type": "pool", "size": 2},
    {"type": "fc", "out": 8},
    {"type": "fc", "out": 5},
]}
QUANT = {"weight_bits": 5, "grad_bits": 5, "activation_bits": 8, "error_bits": 8}
WEIGHT_STEP = 2.0 ** -(QUANT["weight_bits"] - 1)
INPUT_STEP = 2.0 ** -(QUANT["activation_bits"] - 1)
SAMPLES = 2
BATCH_SIZE = 50
TRAIN_IMAGES = 130  # three batches, the last one short
EPOCH = 7


def make_checkpoint(seed: int = 5) -> dict:
    """An epoch-7 checkpoint whose last update moved some weights.

    The weights carry write noise between grid points, as after a trained epoch.
    """
    checkpoint = train.initial_checkpoint(MODEL, QUANT, seed)
    generator = torch.Generator().manual_seed(seed)
    weights, before = [], []
    for weight in checkpoint["weights"]:
        noise = torch.randn(weight.shape, generator=generator) * 0.01
        moved = torch.rand(weight.shape, generator=generator) < 0.3
        new = quant.clamp_to_range(weight + noise, QUANT["weight_bits"])
        old = quant.clamp_to_range(new + moved * WEIGHT_STEP, QUANT["weight_bits"])
        weights.append(new)
        before.append(old)
    checkpoint.update(epoch=EPOCH, weights=weights, weights_before_last_update=before)
    return checkpoint


def make_dataset(directory: Path, seed: int = 0) -> None:
    """Random images: 130 for training (only their count matters), 5 for testing."""
    rng = np.random.default_rng(seed)

    def images(count: int) -> np.ndarray:
        return rng.integers(0, 256, (count, 3, 32, 32), dtype=np.uint8)

    data.save(data.Dataset(images(TRAIN_IMAGES), np.zeros(TRAIN_IMAGES, dtype=np.int64),
                           images(5), np.arange(5, dtype=np.int64)), directory)


def export(work_dir: Path, checkpoint: dict, dataset_dir: Path) -> Path:
    """Export the checkpoint's trace to work_dir/epoch_007/trace."""
    checkpoint_path = work_dir / "checkpoint.pt"
    train.save_checkpoint(checkpoint, checkpoint_path)
    out_dir = work_dir / f"epoch_{EPOCH:03d}" / "trace"
    tr.export_trace(checkpoint_path, MODEL, QUANT, dataset_dir, SAMPLES, BATCH_SIZE,
                    None, out_dir, log=lambda _message: None)
    return out_dir


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("data") / "dataset"
    make_dataset(directory)
    return directory


@pytest.fixture(scope="module")
def noisy(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """A checkpoint with weights between grid points, and its trace."""
    checkpoint = make_checkpoint()
    return checkpoint, export(tmp_path_factory.mktemp("noisy"), checkpoint, dataset_dir)


def layer_inputs(checkpoint: dict, dataset_dir: Path) -> list[torch.Tensor]:
    """What each layer reads in the forward pass of the first test images."""
    model = train.model_from_checkpoint(checkpoint, MODEL, QUANT)
    images = torch.from_numpy(data.load(dataset_dir).test_images[:SAMPLES])
    inputs: list[torch.Tensor] = []
    with torch.no_grad():
        model(train.normalize(images), layer_inputs=inputs)
    return inputs


def trace_product(layer: tr.TraceLayer) -> np.ndarray:
    """patches x weight matrix in real values, (samples, patches, ofm_c), exact in float64."""
    codes = layer.input.astype(np.int64) @ layer.weight.astype(np.int64)
    return codes * (WEIGHT_STEP * INPUT_STEP)


def as_patch_outputs(output: torch.Tensor) -> np.ndarray:
    """(N, out, H, W) or (N, out) to (N, patches, out), patches in raster order."""
    if output.ndim == 2:
        return output[:, None, :].numpy()
    return output.flatten(2).transpose(1, 2).numpy()


def reference_output(layer_input: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The layer's convolution (or matrix product), same padding, in float64."""
    x, w = layer_input.double(), weight.double()
    if w.ndim == 4:
        return F.conv2d(x, w, padding=w.shape[-1] // 2)
    return F.linear(x.flatten(1), w)


# ----------------------------------------------------------------------------- arithmetic

def test_patches_times_weights_equal_the_convolution_of_the_hardware_weights(
        noisy: tuple[dict, Path], dataset_dir: Path) -> None:
    checkpoint, trace_dir = noisy
    trace = tr.read_trace(trace_dir)
    inputs = layer_inputs(checkpoint, dataset_dir)
    for layer, weight, seen in zip(trace.layers, checkpoint["weights"], inputs, strict=True):
        hardware_weight = quant.round_to_grid(weight, QUANT["weight_bits"])
        expected = as_patch_outputs(reference_output(seen, hardware_weight))
        np.testing.assert_array_equal(trace_product(layer), expected, err_msg=layer.name)


def test_patches_times_weights_over_the_scale_equal_the_layer_output(
        noisy: tuple[dict, Path], dataset_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's own forward pass: each layer's output before activation quantization."""
    checkpoint, trace_dir = noisy
    outputs: list[torch.Tensor] = []
    quantize = quant.quantize_activation_and_error

    def record(out: torch.Tensor, activation_bits: int, error_bits: int) -> torch.Tensor:
        outputs.append(out.detach().clone())
        return quantize(out, activation_bits, error_bits)

    monkeypatch.setattr(quant, "quantize_activation_and_error", record)
    model = train.model_from_checkpoint(checkpoint, MODEL, QUANT)
    images = torch.from_numpy(data.load(dataset_dir).test_images[:SAMPLES])
    with torch.no_grad():
        model(train.normalize(images))
        # Training feeds the first layer the unquantized image; the trace holds what the
        # hardware receives, the image on the activation grid.
        model.weighted[0](quant.quantize(train.normalize(images), QUANT["activation_bits"]))
    outputs = [outputs[-1], *outputs[1:-1]]  # the last record is the first layer's
    trace = tr.read_trace(trace_dir)
    for layer, module, output in zip(trace.layers, model.weighted, outputs, strict=True):
        assert module.scale > 1  # the division matters in every layer of this network
        np.testing.assert_allclose(trace_product(layer) / module.scale, as_patch_outputs(output),
                                   rtol=1e-5, atol=1e-5, err_msg=layer.name)


def test_first_layer_patches_hold_the_quantized_image_and_zero_padding(
        noisy: tuple[dict, Path], dataset_dir: Path) -> None:
    _, trace_dir = noisy
    first = tr.read_trace(trace_dir).layers[0]
    image = torch.from_numpy(data.load(dataset_dir).test_images[1:2])
    codes = (quant.quantize(train.normalize(image), QUANT["activation_bits"]) / INPUT_STEP)
    codes = codes.round().to(torch.int64)[0]  # (3, 32, 32)
    # Patch of output pixel (5, 9): rows 4..6, columns 8..10; column index (c*3 + i)*3 + j.
    np.testing.assert_array_equal(first.input[1, 5 * 32 + 9], codes[:, 4:7, 8:11].reshape(-1))
    corner = first.input[1, 0].reshape(3, 3, 3)
    assert not corner[:, 0, :].any() and not corner[:, :, 0].any()
    np.testing.assert_array_equal(corner[:, 1:, 1:], codes[:, :2, :2])
    assert first.input.shape == (SAMPLES, 32 * 32, 27)


# ----------------------------------------------------------------------------- round trip

def test_round_trip_through_the_reader(noisy: tuple[dict, Path]) -> None:
    checkpoint, trace_dir = noisy
    model = train.model_from_checkpoint(checkpoint, MODEL, QUANT)
    trace = tr.validate_trace(trace_dir, network=model.geometries)
    assert {key: trace.meta[key] for key in tr.META_INTS} == {
        "weight_bits": 5, "input_bits": 8, "batch_size": BATCH_SIZE, "iterations": 3,
        "epoch": EPOCH}
    assert trace.meta["format"] == tr.FORMAT
    assert [(layer.name, layer.kind) for layer in trace.layers] == [
        ("conv1", "conv"), ("conv2", "conv"), ("fc1", "fc"), ("fc2", "fc")]
    assert [layer.row for layer in trace.layers] == [
        (32, 32, 3, 3, 3, 4, 1, 1, 1, 0, 0, 0), (16, 16, 4, 5, 5, 6, 1, 1, 2, 1, 0, 0),
        (1, 1, 384, 1, 1, 8, 0, 1, 0, 2, 0, 0), (1, 1, 8, 1, 1, 5, 0, 1, 0, 3, 0, 0)]
    for layer, new, old in zip(trace.layers, checkpoint["weights"],
                               checkpoint["weights_before_last_update"], strict=True):
        for codes, weight in ((layer.weight, new), (layer.weight_old, old)):
            assert codes.dtype == np.int8
            expected = torch.round(weight / WEIGHT_STEP).reshape(len(weight), -1).T
            np.testing.assert_array_equal(codes, expected.numpy())
        assert (layer.weight != layer.weight_old).any()
    assert [layer.input.shape[1] for layer in trace.layers] == [1024, 256, 1, 1]
    assert tr.read_network_csv(trace_dir / "network.csv") == [layer.row for layer in trace.layers]


def test_export_is_deterministic_and_replaces_an_old_trace(
        noisy: tuple[dict, Path], tmp_path: Path, dataset_dir: Path) -> None:
    checkpoint, trace_dir = noisy
    out_dir = tmp_path / f"epoch_{EPOCH:03d}" / "trace"
    out_dir.mkdir(parents=True)
    (out_dir / "stale.npy").write_bytes(b"old")
    assert export(tmp_path, checkpoint, dataset_dir) == out_dir
    assert not (out_dir / "stale.npy").exists()
    for path in trace_dir.rglob("*"):
        if path.is_file():
            assert (out_dir / path.relative_to(trace_dir)).read_bytes() == path.read_bytes()


def test_a_failed_export_leaves_no_trace(noisy: tuple[dict, Path], tmp_path: Path,
                                         dataset_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoint, _ = noisy
    written = []

    def fail_on_third(path: Path, array: np.ndarray) -> str:
        written.append(path)
        if len(written) == 3:
            raise OSError("disk full")
        return "0" * 64

    monkeypatch.setattr(tr, "write_npy", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        export(tmp_path, checkpoint, dataset_dir)
    assert len(written) == 3
    assert list((tmp_path / f"epoch_{EPOCH:03d}").iterdir()) == []


def test_traced_epochs_every_nth_and_always_the_last() -> None:
    assert tr.traced_epochs(4, 1) == [1, 2, 3, 4]
    assert tr.traced_epochs(10, 3) == [3, 6, 9, 10]
    assert tr.traced_epochs(9, 3) == [3, 6, 9]
    assert tr.traced_epochs(2, 5) == [2]


def test_traced_epochs_of_the_reference_numbering() -> None:
    """The reference estimates after its epoch index e when e % every == 0: our epochs 1,
    every + 1, ... and not necessarily the last."""
    assert tr.traced_epochs(4, 1, from_zero=True) == [1, 2, 3, 4]
    assert tr.traced_epochs(10, 3, from_zero=True) == [1, 4, 7, 10]
    assert tr.traced_epochs(9, 3, from_zero=True) == [1, 4, 7]
    assert tr.traced_epochs(30, 5, from_zero=True) == [1, 6, 11, 16, 21, 26]
    assert tr.traced_epochs(2, 5, from_zero=True) == [1]


# ----------------------------------------------------------------------------- rejections

def rewrite_npy(trace_dir: Path, relative: str, array: np.ndarray) -> None:
    """Replace an array and its checksum, so only the content is wrong."""
    path = trace_dir / relative
    np.save(path, array)
    meta = json.loads((trace_dir / "meta.json").read_text())
    meta["sha256"][relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    (trace_dir / "meta.json").write_text(json.dumps(meta))


def edit_meta(trace_dir: Path, change: Callable[[dict], None]) -> None:
    meta = json.loads((trace_dir / "meta.json").read_text())
    change(meta)
    (trace_dir / "meta.json").write_text(json.dumps(meta))


def edit_csv_row(trace_dir: Path, row: int, values: str) -> None:
    lines = (trace_dir / "network.csv").read_text().splitlines()
    lines[row] = values
    (trace_dir / "network.csv").write_text("\n".join(lines) + "\n")


def load(trace_dir: Path, relative: str) -> np.ndarray:
    return np.load(trace_dir / relative)


def with_code(trace_dir: Path, relative: str, code: int) -> np.ndarray:
    array = load(trace_dir, relative).copy()
    array.reshape(-1)[7] = code
    return array


def flip_last_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))


REJECTIONS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # case: (damage, file named in the message, words in the message)
    "missing meta": (lambda d: (d / "meta.json").unlink(), "meta.json", "missing"),
    "missing network": (lambda d: (d / "network.csv").unlink(), "network.csv", "missing"),
    "missing input": (lambda d: (d / "layer_02/input.npy").unlink(),
                      "layer_02/input.npy", "missing"),
    "missing weight_old": (lambda d: (d / "layer_04/weight_old.npy").unlink(),
                           "layer_04/weight_old.npy", "missing"),
    "weight dtype": (lambda d: rewrite_npy(d, "layer_01/weight.npy",
                                           load(d, "layer_01/weight.npy").astype(np.int16)),
                     "layer_01/weight.npy", "dtype int16"),
    "input dtype": (lambda d: rewrite_npy(d, "layer_03/input.npy",
                                          load(d, "layer_03/input.npy").astype(np.int32)),
                    "layer_03/input.npy", "dtype int32"),
    "weight shape": (lambda d: rewrite_npy(d, "layer_02/weight.npy",
                                           load(d, "layer_02/weight.npy")[:, :-1].copy()),
                     "layer_02/weight.npy", "disagrees with network.csv row 2"),
    "input patches": (lambda d: rewrite_npy(d, "layer_01/input.npy",
                                            load(d, "layer_01/input.npy")[:, 1:].copy()),
                      "layer_01/input.npy", "shape"),
    "sample count": (lambda d: rewrite_npy(d, "layer_03/input.npy",
                                           load(d, "layer_03/input.npy")[:1].copy()),
                     "layer_03/input.npy", "sample count"),
    "weight off grid": (lambda d: rewrite_npy(d, "layer_02/weight_old.npy",
                                              with_code(d, "layer_02/weight_old.npy", 16)),
                        "layer_02/weight_old.npy", "code 16 at flat index 7 outside [-15, 15]"),
    "weight -16": (lambda d: rewrite_npy(d, "layer_04/weight.npy",
                                         with_code(d, "layer_04/weight.npy", -16)),
                   "layer_04/weight.npy", "outside [-15, 15]"),
    "input out of range": (lambda d: edit_meta(d, lambda m: m.update(input_bits=4)),
                           "layer_01/input.npy", "outside [-8, 7]"),
    "weight NaN": (lambda d: rewrite_npy(d, "layer_03/weight.npy", np.where(
        np.arange(8 * 384).reshape(384, 8) == 5, np.nan, 0.0).astype(np.float32)),
                   "layer_03/weight.npy", "NaN"),
    "float off grid": (lambda d: rewrite_npy(d, "layer_03/weight.npy",
                                             np.full((384, 8), 0.25, np.float32)),
                       "layer_03/weight.npy", "off the integer code grid"),
    "float codes": (lambda d: rewrite_npy(d, "layer_03/weight.npy",
                                          np.ones((384, 8), np.float32)),
                    "layer_03/weight.npy", "dtype float32"),
    "checksum": (lambda d: flip_last_byte(d / "layer_02/input.npy"),
                 "layer_02/input.npy", "sha256"),
    "not npy": (lambda d: rewrite_npy_bytes(d, "layer_01/weight.npy", b"not an array"),
                "layer_01/weight.npy", "not a readable .npy"),
    "row vs arrays": (lambda d: edit_csv_row(d, 3, "1,1,384,1,1,9,0,1,0,2,0,0"),
                      "layer_03/weight.npy", "network.csv row 3"),
    "row vs kind": (lambda d: edit_csv_row(d, 4, "1,1,8,3,3,5,0,1,1,3,0,0"),
                    "network.csv", "row 4 is a conv layer"),
    "header": (lambda d: edit_csv_row(d, 0, "h,w,c,kh,kw,k,pool,stride"),
               "network.csv", "header"),
    "row text": (lambda d: edit_csv_row(d, 2, "16,16,4,5,5,six,1,1,2,1,0,0"),
                 "network.csv:3", "12 integers"),
    "v1 row in v2": (lambda d: edit_csv_row(d, 2, "16,16,4,5,5,6,1,1"),
                     "network.csv:3", "expected 12 integers, got 8"),
    "later input": (lambda d: edit_csv_row(d, 2, "16,16,4,5,5,6,1,1,2,2,0,0"),
                    "network.csv:3", "must name earlier layers"),
    "later residual": (lambda d: edit_csv_row(d, 3, "1,1,384,1,1,8,0,1,0,2,3,0"),
                       "network.csv:4", "must name earlier layers"),
    "pool and global pool": (lambda d: edit_csv_row(d, 2, "16,16,4,5,5,6,1,1,2,1,0,1"),
                             "network.csv:3", "cannot both"),
    "v1 header in v2": (lambda d: edit_csv_row(d, 0, tr.NETWORK_HEADER_V1),
                        "network.csv", "header"),
    "layer count": (lambda d: edit_meta(d, lambda m: m["layers"].pop()),
                    "meta.json", "3 layers"),
    "format": (lambda d: edit_meta(d, lambda m: m.update(format="cim-trace/3")),
               "meta.json", "format"),
    "epoch type": (lambda d: edit_meta(d, lambda m: m.update(epoch="7")),
                   "meta.json", "'epoch'"),
    "unlisted checksum": (lambda d: edit_meta(d, lambda m: m["sha256"].pop("layer_04/input.npy")),
                          "meta.json", "layer_04/input.npy"),
    "bad json": (lambda d: (d / "meta.json").write_text("{"), "meta.json", "not valid JSON"),
}


def rewrite_npy_bytes(trace_dir: Path, relative: str, raw: bytes) -> None:
    (trace_dir / relative).write_bytes(raw)
    edit_meta(trace_dir, lambda m: m["sha256"].update({relative: hashlib.sha256(raw).hexdigest()}))


@pytest.mark.parametrize("case", sorted(REJECTIONS))
def test_reader_rejects_a_bad_trace_naming_the_file(case: str, noisy: tuple[dict, Path],
                                                    tmp_path: Path) -> None:
    damage, file, words = REJECTIONS[case]
    trace_dir = tmp_path / "trace"
    shutil.copytree(noisy[1], trace_dir)
    damage(trace_dir)
    with pytest.raises(tr.TraceError) as caught:
        tr.read_trace(trace_dir)
    message = str(caught.value)
    assert message.startswith(str(trace_dir / file)), message
    assert words in message, message


def test_reader_rejects_a_network_other_than_the_expected_one(noisy: tuple[dict, Path]) -> None:
    rows = tr.read_network_csv(noisy[1] / "network.csv")
    rows[1] = (16, 16, 4, 5, 5, 7, 1, 1, 2, 1, 0, 0)
    with pytest.raises(tr.TraceError, match=r"network\.csv: row 2 is 16,16,4,5,5,6,1,1,2,1,0,0, "
                                            r"expected 16,16,4,5,5,7,1,1,2,1,0,0"):
        tr.validate_trace(noisy[1], network=rows)
    with pytest.raises(tr.TraceError, match=r"network\.csv: 4 layers, expected 3"):
        tr.validate_trace(noisy[1], network=rows[:3])


def test_reader_rejects_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(tr.TraceError, match="missing"):
        tr.read_trace(tmp_path / "nothing")


# ----------------------------------------------------------------------------- calibration

def make_traces(network_csv: Path, out_dir: Path, *extra: str) -> None:
    """Run the shared calibration trace generator in this process (no interpreter start-up)."""
    spec = importlib.util.spec_from_file_location("make_traces", MAKE_TRACES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--network", str(network_csv), "--out", str(out_dir), *extra]) == 0


needs_shared = pytest.mark.skipif(not MAKE_TRACES.is_file(), reason="shared/calibration absent")


@needs_shared
@pytest.mark.parametrize("extra", [(), ("--samples", "3", "--weight-bits", "9",
                                        "--input-bits", "10", "--seed", "4")])
def test_calibration_trace_of_a_small_network_is_accepted(tmp_path: Path,
                                                          extra: tuple[str, ...]) -> None:
    network_csv = tmp_path / "small.csv"
    network_csv.write_text(tr.NETWORK_HEADER_V1 + "\n8,8,3,3,3,8,1,1\n4,4,8,3,3,16,1,1\n"
                           "1,1,64,1,1,10,0,1\n")
    make_traces(network_csv, tmp_path / "trace", *extra)
    trace = tr.validate_trace(tmp_path / "trace", network=tr.read_network_csv(network_csv))
    assert [layer.input.shape for layer in trace.layers] == [
        (trace.samples, 64, 27), (trace.samples, 16, 72), (trace.samples, 1, 64)]


@needs_shared
def test_calibration_trace_of_vgg8_is_the_one_the_reference_saw(tmp_path: Path) -> None:
    make_traces(VGG8_CSV, tmp_path / "trace", "--seed", "1")
    trace = tr.validate_trace(tmp_path / "trace", network=tr.read_network_csv(VGG8_CSV))
    reference = json.loads((SHARED / "calibration/reference/cal_fefet_32.json").read_text())
    assert trace.meta["sha256"] == reference["trace"]["sha256"]


# ----------------------------------------------------------------------------- command line

def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cimtrain")
    tr.add_cli(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prints_a_summary_of_a_good_trace(noisy: tuple[dict, Path],
                                              capsys: pytest.CaptureFixture) -> None:
    network_csv = noisy[1] / "network.csv"
    assert cli(["trace-validate", str(noisy[1]), "--network", str(network_csv)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {noisy[1]}: cim-trace/2, epoch 7, 4 layers, 2 sample(s)")


def test_cli_exits_1_naming_the_bad_file(noisy: tuple[dict, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(noisy[1], tmp_path / "trace")
    flip_last_byte(tmp_path / "trace" / "layer_01" / "weight.npy")
    with pytest.raises(SystemExit) as caught:
        cli(["trace-validate", str(tmp_path / "trace")])
    assert caught.value.code == 1
    assert "layer_01/weight.npy: sha256" in capsys.readouterr().err
