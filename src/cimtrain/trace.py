"""Per-epoch traces in the cim-trace/2 format: what training hands to the circuit estimator.

A trace is a directory (see docs/trace_format.md): network.csv, meta.json and, per
weighted layer, the weight codes after and before the epoch's last update and the im2col patches
of the quantized input the layer reads in the forward pass of the first test images.

cim-trace/2 adds to every network.csv row the layer's padding, the layer it reads, the layer
whose output a residual add sums into its output, and whether global average pooling follows;
the reader accepts cim-trace/1 traces as well (same padding, each layer reading the one before).

The writer produces the same bytes for the same checkpoint and data on any machine (its own .npy
header, no timestamps), writes into a hidden sibling directory and renames it at the end, so a
failed export never leaves a complete-looking trace. The reader rejects a bad trace with a
TraceError that names the file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from cimtrain import train
from cimtrain.data import DatasetError, check_images, input_shape
from cimtrain.files import directory_replaced_atomically
from cimtrain.models import LayerGeometry, conv_output_size

FORMAT = "cim-trace/2"
FORMATS = ("cim-trace/1", FORMAT)  # what the reader accepts
NETWORK_HEADER_V1 = "ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride"
NETWORK_HEADER = NETWORK_HEADER_V1 + ",padding,input,residual,global_pool"
ROW_FIELDS = len(NETWORK_HEADER.split(","))
LAYER_FILES = ("weight.npy", "weight_old.npy", "input.npy")
MAX_BITS = 16  # int16 codes hold at most 16-bit two's complement values
META_INTS = {  # field: (smallest, largest) accepted value
    "weight_bits": (2, MAX_BITS),
    "input_bits": (2, MAX_BITS),
    "batch_size": (1, 1 << 30),
    "iterations": (1, 1 << 30),
    "epoch": (0, 1 << 30),
}

Log = Callable[[str], None]
# One network.csv row: ifm_h, ifm_w, ifm_c, k_h, k_w, ofm_c, pool, stride, padding, input,
# residual, global_pool (a cim-trace/1 row is read into the same twelve fields).
Row = tuple[int, ...]


class TraceError(ValueError):
    """A trace that breaks cim-trace/2 (or /1); the message starts with the offending file."""


# ----------------------------------------------------------------------------- geometry

def network_row(geometry: LayerGeometry, number: int | None = None) -> Row:
    """The network.csv row of a weighted layer; `number` (1-based) resolves input -1 (the layer
    before) to number - 1."""
    g = geometry
    source = number - 1 if g.input == -1 and number is not None else g.input
    return (g.ifm_h, g.ifm_w, g.ifm_c, g.k_h, g.k_w, g.ofm_c, g.pool, g.stride, g.padding,
            source, g.residual, g.global_pool)


def network_rows(network: Sequence) -> list[Row]:
    """Rows of a network given as LayerGeometry or rows of 8 (cim-trace/1) or 12 integers."""
    return [network_row(g, number) if isinstance(g, LayerGeometry)
            else full_row(tuple(int(v) for v in g), number)
            for number, g in enumerate(network, start=1)]


def full_row(values: tuple[int, ...], number: int) -> Row:
    """A cim-trace/1 row (8 fields) completed as cim-trace/2 says it reads: same padding, the
    layer before as input, no residual add, no global pooling."""
    if len(values) != 8:
        return values
    padding = 0 if row_kind(values) == "fc" else values[3] // 2
    return (*values, padding, number - 1, 0, 0)


def row_kind(row: Sequence[int]) -> str:
    """fc when the row is a 1x1 map with a 1x1 kernel, as the format defines it."""
    return "fc" if tuple(row[:2]) == (1, 1) and tuple(row[3:5]) == (1, 1) else "conv"


def row_fan_in(row: Sequence[int]) -> int:
    """Weight rows = input patch length = k_h * k_w * ifm_c."""
    return row[2] * row[3] * row[4]


def row_padding(row: Sequence[int]) -> int:
    """Zeros on each side of the input (a cim-trace/1 row: same padding, k_h // 2)."""
    return row[8] if len(row) > 8 else (0 if row_kind(row) == "fc" else row[3] // 2)


def row_patches(row: Sequence[int]) -> int:
    """Output pixels of a conv, floor((ifm + 2 padding - k) / stride) + 1 per side (with same
    padding ceil(ifm / stride)); 1 for fc."""
    if row_kind(row) == "fc":
        return 1
    stride, padding = row[7], row_padding(row)
    return (conv_output_size(row[0], row[3], stride, padding)
            * conv_output_size(row[1], row[4], stride, padding))


def code_dtype(bits: int) -> np.dtype:
    """int8 codes up to 8 bits, little-endian int16 beyond."""
    return np.dtype("i1") if bits <= 8 else np.dtype("<i2")


def code_limits(bits: int, symmetric: bool) -> tuple[int, int]:
    """Smallest and largest code: weights are symmetric, activations two's complement."""
    half = 1 << (bits - 1)
    return (-(half - 1) if symmetric else -half), half - 1


def traced_epochs(epochs: int, every: int, from_zero: bool = False) -> list[int]:
    """Epochs (1-based) that get a trace: every `every`-th, and always the last.

    from_zero (train.reference_quirks: epoch_numbering): the reference's choice, the epochs
    whose 0-based index is a multiple of `every` (1, every + 1, ...), the last one not added.
    """
    if from_zero:
        return list(range(1, epochs + 1, every))
    chosen = list(range(every, epochs + 1, every))
    if epochs not in chosen:
        chosen.append(epochs)
    return chosen


# ----------------------------------------------------------------------------- codes

def weight_codes(weight: torch.Tensor, bits: int, layer: str) -> np.ndarray:
    """Device weights as codes of the b-bit grid, shape (k_h*k_w*ifm_c, ofm_c).

    Weights between grid points (write noise) go to the nearest one: that is the value a
    b-bit cell holds, and the value the forward pass computes with.
    """
    steps = 2.0 ** (bits - 1)
    codes = torch.round(weight.detach().float().cpu() * steps)
    low, high = code_limits(bits, symmetric=True)
    if codes.numel() and (codes.min() < low or codes.max() > high):
        raise ValueError(f"{layer}: weight outside [-1 + 2^-{bits - 1}, 1 - 2^-{bits - 1}]")
    matrix = codes.reshape(codes.shape[0], -1).T.contiguous()
    return _to_numpy_codes(matrix, bits)


def input_patches(layer_input: torch.Tensor, row: Row, bits: int, layer: str) -> np.ndarray:
    """Activation codes of a layer's input as (samples, patches, k_h*k_w*ifm_c).

    Conv patches are cut from the zero-padded map, one per output pixel in raster order, with
    the column order (c*k_h + i)*k_w + j of torch's unfold; an fc layer has one patch.
    """
    scaled = layer_input.detach().float().cpu() * 2.0 ** (bits - 1)
    codes = torch.round(scaled)
    low, high = code_limits(bits, symmetric=False)
    # Activations reach a layer on the grid; anything else means a changed model.
    if not torch.equal(codes, scaled) or (codes.numel() and (codes.min() < low
                                                              or codes.max() > high)):
        raise ValueError(f"{layer}: layer input is not on the {bits}-bit activation grid")
    if row_kind(row) == "fc":
        patches = codes.flatten(1)[:, None, :]
    else:
        k_h, k_w, stride, padding = row[3], row[4], row[7], row_padding(row)
        columns = F.unfold(codes, (k_h, k_w), padding=padding, stride=stride)
        patches = columns.transpose(1, 2)
    expected = (len(codes), row_patches(row), row_fan_in(row))
    if tuple(patches.shape) != expected:
        raise ValueError(f"{layer}: input patches {tuple(patches.shape)}, expected {expected}")
    return _to_numpy_codes(patches.contiguous(), bits)


def _to_numpy_codes(codes: torch.Tensor, bits: int) -> np.ndarray:
    """Integer-valued float codes as a C-contiguous int8/int16 array."""
    narrow = codes.to(torch.int8 if bits <= 8 else torch.int16).numpy()
    return np.ascontiguousarray(narrow.astype(code_dtype(bits), copy=False))


# ----------------------------------------------------------------------------- writing

def npy_header(shape: tuple[int, ...], dtype: np.dtype) -> bytes:
    """A .npy version 1.0 header, written here so the bytes do not depend on numpy's version."""
    text = f"{{'descr': {dtype.str!r}, 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    padding = -(10 + len(text) + 1) % 64  # magic, version and length take 10 bytes
    body = (text + " " * padding + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


def write_npy(path: Path, array: np.ndarray) -> str:
    """Write a C-contiguous array; return the sha256 of the file's bytes."""
    array = np.ascontiguousarray(array)
    header = npy_header(array.shape, array.dtype)
    digest = hashlib.sha256(header)
    digest.update(memoryview(array).cast("B"))
    with open(path, "wb") as stream:
        stream.write(header)
        stream.write(memoryview(array).cast("B"))
    return digest.hexdigest()


@dataclass(frozen=True)
class LayerArrays:
    """One layer's codes, ready to write."""

    weight: np.ndarray
    weight_old: np.ndarray
    input: np.ndarray


def write_trace(out_dir: Path, geometries: Sequence[LayerGeometry], arrays: Sequence[LayerArrays],
                settings: dict) -> None:
    """Write a trace directory atomically.

    settings: weight_bits, input_bits, batch_size, iterations, epoch (the meta.json fields).
    """
    with directory_replaced_atomically(Path(out_dir)) as partial:
        checksums: dict[str, str] = {}
        for index, layer in enumerate(arrays, start=1):
            name = f"layer_{index:02d}"
            (partial / name).mkdir()
            for file, array in zip(LAYER_FILES, (layer.weight, layer.weight_old, layer.input),
                                   strict=True):
                checksums[f"{name}/{file}"] = write_npy(partial / name / file, array)
        rows = [",".join(map(str, row)) for row in network_rows(geometries)]
        (partial / "network.csv").write_text("\n".join([NETWORK_HEADER, *rows]) + "\n")
        meta = {"format": FORMAT, **{key: int(settings[key]) for key in META_INTS},
                "layers": [{"name": g.name, "kind": g.kind} for g in geometries],
                "sha256": dict(sorted(checksums.items()))}
        (partial / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")


def _dataset_array(dataset_dir: Path, name: str) -> np.ndarray:
    """A prepared dataset array, memory-mapped: the trace reads a few images of it."""
    path = Path(dataset_dir) / name
    if not path.is_file():
        raise DatasetError(f"{path}: missing; run the dataset stage first")
    return np.load(path, mmap_mode="r")


def first_test_images(dataset_dir: Path, samples: int,
                      dataset: dict | str | None = None) -> np.ndarray:
    """The first `samples` test images, uint8 (samples, C, H, W) of the dataset's image shape
    (its config section or name; None: the default dataset)."""
    images = _dataset_array(dataset_dir, "test_images.npy")
    check_images(images, input_shape(dataset), f"{dataset_dir}/test_images.npy")
    if len(images) < samples:
        raise DatasetError(f"{dataset_dir}/test_images.npy: {len(images)} images, "
                           f"trace.samples asks for {samples}")
    return np.array(images[:samples])


def iterations_per_epoch(dataset_dir: Path, batch_size: int) -> int:
    """Updates per epoch, as training counts them: ceil(training images / batch size)."""
    return math.ceil(len(_dataset_array(dataset_dir, "train_labels.npy")) / batch_size)


def input_activity(codes: np.ndarray, bits: int) -> float:
    """Share of 1 bits in the two's complement input codes: the rows driven per input cycle."""
    values = codes.astype(np.int64) & ((1 << bits) - 1)
    ones = sum(int(((values >> bit) & 1).sum()) for bit in range(bits))
    return ones / (values.size * bits)


def export_trace(checkpoint_path: Path, model_cfg: dict, quant_cfg: dict, dataset_dir: Path,
                 samples: int, batch_size: int, iterations: int | None, out_dir: Path,
                 log: Log = print, dataset: dict | str | None = None) -> list[dict]:
    """Trace of one epoch's checkpoint; iterations None counts them from the training set.

    dataset: its config section or name (the network's input shape and class count; None:
    the default dataset). Returns the input activity of every layer (layer, input_activity).
    """
    checkpoint = train.load_checkpoint(Path(checkpoint_path))
    model = train.model_from_checkpoint(checkpoint, model_cfg, quant_cfg, dataset)
    geometries = model.geometries
    names = [g.name for g in geometries]
    if list(checkpoint["layer_names"]) != names:
        raise train.CheckpointError(f"{checkpoint_path}: layers {checkpoint['layer_names']} "
                                    f"do not match the model config {names}")
    images = torch.from_numpy(first_test_images(dataset_dir, samples, dataset))
    layer_inputs: list[torch.Tensor] = []
    with torch.no_grad():
        model(train.normalize(images), layer_inputs=layer_inputs)
    weight_bits, input_bits = int(quant_cfg["weight_bits"]), int(quant_cfg["activation_bits"])
    arrays = [
        LayerArrays(weight_codes(new, weight_bits, g.name), weight_codes(old, weight_bits, g.name),
                    input_patches(seen, network_row(g), input_bits, g.name))
        for g, new, old, seen in zip(geometries, checkpoint["weights"],
                                     checkpoint["weights_before_last_update"], layer_inputs,
                                     strict=True)
    ]
    if iterations is None:
        iterations = iterations_per_epoch(dataset_dir, batch_size)
    settings = {"weight_bits": weight_bits, "input_bits": input_bits, "batch_size": batch_size,
                "iterations": iterations, "epoch": int(checkpoint["epoch"])}
    write_trace(Path(out_dir), geometries, arrays, settings)
    size_mb = sum(f.stat().st_size for f in Path(out_dir).rglob("*") if f.is_file()) / 1e6
    log(f"trace of epoch {settings['epoch']}: {len(arrays)} layers, {samples} sample(s), "
        f"{size_mb:.1f} MB in {out_dir}")
    return [{"layer": g.name, "input_activity": input_activity(a.input, input_bits)}
            for g, a in zip(geometries, arrays, strict=True)]


# ----------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class TraceLayer:
    name: str
    kind: str
    row: Row
    weight: np.ndarray  # codes (k_h*k_w*ifm_c, ofm_c)
    weight_old: np.ndarray
    input: np.ndarray  # codes (samples, patches, k_h*k_w*ifm_c)


@dataclass(frozen=True)
class Trace:
    directory: Path
    meta: dict
    layers: list[TraceLayer]

    @property
    def samples(self) -> int:
        return int(self.layers[0].input.shape[0])

    def summary(self) -> str:
        size_mb = sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file()) / 1e6
        return (f"OK {self.directory}: {self.meta['format']}, epoch {self.meta['epoch']}, "
                f"{len(self.layers)} layers, {self.samples} sample(s), "
                f"{self.meta['weight_bits']}-bit weights, {self.meta['input_bits']}-bit inputs, "
                f"{size_mb:.1f} MB")


def read_network_csv(path: Path, format_name: str | None = None) -> list[Row]:
    """Rows of a network.csv, each as twelve fields; the header line is required.

    format_name: the trace's format, whose header the file must have (either when None).
    """
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: missing")
    lines = path.read_text().splitlines()
    headers = {"cim-trace/1": NETWORK_HEADER_V1, FORMAT: NETWORK_HEADER}
    allowed = [headers[format_name]] if format_name else list(headers.values())
    header = lines[0].strip() if lines else ""
    if header not in allowed:
        raise TraceError(f"{path}: the first line must be the header {' or '.join(allowed)}")
    fields = len(header.split(","))
    rows: list[Row] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            row = full_row(_parse_row(line, f"{path}:{number}", fields), len(rows) + 1)
            _check_references(row, len(rows) + 1, f"{path}:{number}")
            rows.append(row)
    if not rows:
        raise TraceError(f"{path}: no layers")
    return rows


def _parse_row(line: str, where: str, fields: int = ROW_FIELDS) -> Row:
    texts = [field.strip() for field in line.split(",")]
    try:
        values = tuple(int(field) for field in texts)
    except ValueError:
        raise TraceError(f"{where}: expected {fields} integers, got {line!r}") from None
    if len(values) != fields:
        raise TraceError(f"{where}: expected {fields} integers, got {len(values)}")
    if min(values[:6] + values[7:8]) < 1 or values[6] not in (0, 1):
        raise TraceError(f"{where}: sizes and stride must be >= 1 and pool 0 or 1: {line!r}")
    if fields > 8 and (min(values[8:]) < 0 or values[11] not in (0, 1)):
        raise TraceError(f"{where}: padding, input and residual must be >= 0 and global_pool "
                         f"0 or 1: {line!r}")
    return values


def _check_references(row: Row, number: int, where: str) -> None:
    """A layer reads and adds only layers before it; padding leaves a kernel inside the map."""
    if row[9] >= number or row[10] >= number:
        raise TraceError(f"{where}: input {row[9]} and residual {row[10]} must name earlier "
                         f"layers (below {number})")
    if row[6] and row[11]:
        raise TraceError(f"{where}: pool and global_pool cannot both follow one layer")
    if row_kind(row) == "conv" and (row[3] > row[0] + 2 * row[8] or row[4] > row[1] + 2 * row[8]):
        raise TraceError(f"{where}: kernel larger than the padded input")


def _read_meta(path: Path) -> dict:
    if not path.is_file():
        raise TraceError(f"{path}: missing")
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TraceError(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise TraceError(f"{path}: not valid JSON (nested too deeply)") from None
    if not isinstance(meta, dict) or meta.get("format") not in FORMATS:
        raise TraceError(f"{path}: field 'format' must be {' or '.join(map(repr, FORMATS))}")
    for key, (low, high) in META_INTS.items():
        value = meta.get(key)
        if type(value) is not int or not low <= value <= high:
            raise TraceError(f"{path}: field {key!r} must be an integer in [{low}, {high}], "
                             f"got {value!r}")
    if not isinstance(meta.get("layers"), list) or not all(
            isinstance(layer, dict) and layer.get("kind") in ("conv", "fc")
            for layer in meta["layers"]):
        raise TraceError(f"{path}: field 'layers' must list {{name, kind: conv|fc}} per layer")
    checksums = meta.get("sha256")
    if not isinstance(checksums, dict) or not all(isinstance(v, str) for v in checksums.values()):
        raise TraceError(f"{path}: field 'sha256' must map file names to hex digests")
    return meta


def _check_layers(meta: dict, rows: list[Row], directory: Path) -> None:
    """meta.json and network.csv must describe the same layers, and checksum every array."""
    meta_path, csv_path = directory / "meta.json", directory / "network.csv"
    if len(meta["layers"]) != len(rows):
        raise TraceError(f"{meta_path}: {len(meta['layers'])} layers, but {csv_path} has "
                         f"{len(rows)} rows")
    for index, (layer, row) in enumerate(zip(meta["layers"], rows, strict=True), start=1):
        if layer["kind"] != row_kind(row):
            raise TraceError(f"{csv_path}: row {index} is a {row_kind(row)} layer, "
                             f"{meta_path} says {layer['kind']}")
    names = [f"layer_{index:02d}" for index in range(1, len(rows) + 1)]
    expected = {f"{name}/{file}" for name in names for file in LAYER_FILES}
    listed = set(meta["sha256"])
    if listed != expected:
        unlisted, unknown = sorted(expected - listed), sorted(listed - expected)
        raise TraceError(f"{meta_path}: sha256 lacks {unlisted} / lists unknown files {unknown}")


def _check_expected_network(rows: list[Row], network: Sequence, path: Path) -> None:
    expected = network_rows(network)
    if len(expected) != len(rows):
        raise TraceError(f"{path}: {len(rows)} layers, expected {len(expected)}")
    for index, (row, wanted) in enumerate(zip(rows, expected, strict=True), start=1):
        if row != wanted:
            raise TraceError(f"{path}: row {index} is {','.join(map(str, row))}, "
                             f"expected {','.join(map(str, wanted))}")


def _load_codes(path: Path, checksum: str, bits: int, shape: tuple[int | None, ...],
                symmetric: bool, shape_source: str) -> np.ndarray:
    """An array of integer codes, checked against its checksum, dtype, shape and range.

    A None in `shape` accepts any positive size there; shape_source says where it comes from.
    """
    if not path.is_file():
        raise TraceError(f"{path}: missing")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != checksum:
        raise TraceError(f"{path}: sha256 does not match meta.json (truncated or altered)")
    array = parse_npy(raw, path)
    if array.dtype.kind == "f":
        _reject_float_codes(array, path)
    expected_dtype = code_dtype(bits)
    if array.dtype != expected_dtype:
        raise TraceError(f"{path}: dtype {array.dtype}, expected {expected_dtype.name} for "
                         f"{bits}-bit codes")
    if array.ndim != len(shape) or any(
            (size < 1) if want is None else (size != want)
            for size, want in zip(array.shape, shape, strict=True)):
        wanted = tuple("any" if want is None else want for want in shape)
        raise TraceError(f"{path}: shape {array.shape} disagrees with {shape_source}, "
                         f"expected {wanted}")
    _check_range(array, bits, symmetric, path)
    return array


def parse_npy(raw: bytes, path: Path) -> np.ndarray:
    """The array in the bytes of a .npy file, accepted exactly as the estimator accepts it.

    Format version 1 or 2, C order, data exactly as long as the shape says (no trailing bytes);
    the size is checked before any allocation, so a huge or overflowing shape is an error.
    """
    stream = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise TraceError(f"{path}: unsupported .npy version {version[0]} (1 or 2)")
    except (ValueError, EOFError) as error:
        raise TraceError(f"{path}: not a readable .npy file ({error})") from None
    if fortran_order:
        raise TraceError(f"{path}: only C-ordered arrays are supported")
    if dtype.hasobject:
        raise TraceError(f"{path}: dtype {dtype} holds objects, not codes")
    expected = math.prod(shape) * dtype.itemsize
    available = len(raw) - stream.tell()
    if available < expected:
        raise TraceError(f"{path}: truncated data ({available} bytes for shape {shape})")
    if available > expected:
        raise TraceError(f"{path}: trailing bytes after the array data")
    return np.frombuffer(raw, dtype=dtype, offset=stream.tell()).reshape(shape)


def _reject_float_codes(array: np.ndarray, path: Path) -> None:
    """Say what is wrong with float values before the dtype check does."""
    if np.isnan(array).any():
        raise TraceError(f"{path}: contains NaN")
    if not np.array_equal(array, np.round(array)):
        raise TraceError(f"{path}: values off the integer code grid")


def _check_range(array: np.ndarray, bits: int, symmetric: bool, path: Path) -> None:
    low, high = code_limits(bits, symmetric)
    if array.size == 0 or (array.min() >= low and array.max() <= high):
        return
    flat = array.reshape(-1)
    index = int(np.flatnonzero((flat < low) | (flat > high))[0])
    raise TraceError(f"{path}: code {int(flat[index])} at flat index {index} outside "
                     f"[{low}, {high}] of {bits}-bit codes")


def _read_layer(directory: Path, index: int, entry: dict, row: Row, meta: dict,
                samples: int | None) -> TraceLayer:
    name = f"layer_{index:02d}"
    weight_bits, input_bits = meta["weight_bits"], meta["input_bits"]
    checksums = meta["sha256"]
    row_source = f"network.csv row {index}"
    weight, weight_old = (
        _load_codes(directory / name / file, checksums[f"{name}/{file}"], weight_bits,
                    (row_fan_in(row), row[5]), symmetric=True, shape_source=row_source)
        for file in ("weight.npy", "weight_old.npy")
    )
    input_source = row_source
    if samples is not None:
        input_source += " and the sample count of layer_01/input.npy"
    inputs = _load_codes(directory / name / "input.npy", checksums[f"{name}/input.npy"],
                         input_bits, (samples, row_patches(row), row_fan_in(row)),
                         symmetric=False, shape_source=input_source)
    return TraceLayer(str(entry.get("name", name)), entry["kind"], row, weight, weight_old,
                      inputs)


def read_trace(directory: Path, network: Sequence | None = None) -> Trace:
    """Read and check a trace; raise TraceError naming the first bad file.

    network: the expected layers (LayerGeometry or rows of 8 or 12 integers), or None to skip
    that check.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise TraceError(f"{directory}: missing (not a trace directory)")
    meta = _read_meta(directory / "meta.json")
    rows = read_network_csv(directory / "network.csv", meta["format"])
    if network is not None:
        _check_expected_network(rows, network, directory / "network.csv")
    _check_layers(meta, rows, directory)
    layers: list[TraceLayer] = []
    for index, (entry, row) in enumerate(zip(meta["layers"], rows, strict=True), start=1):
        # Every layer's input holds the same images: the first fixes the sample count.
        samples = layers[0].input.shape[0] if layers else None
        layers.append(_read_layer(directory, index, entry, row, meta, samples))
    return Trace(directory, meta, layers)


def validate_trace(directory: Path, network: Sequence | None = None) -> Trace:
    """read_trace under the name the workflow and CLI use for a check."""
    return read_trace(directory, network)


# ----------------------------------------------------------------------------- command line

def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `trace-validate DIR [--network CSV]`; its handler is the parser's `func`."""
    parser = subparsers.add_parser(
        "trace-validate", help="check a cim-trace/2 (or /1) directory",
        description="Check a trace directory against cim-trace/2 (or /1); print a summary, or the "
                    "first problem (naming the file) and exit with status 1.")
    parser.add_argument("directory", metavar="DIR", type=Path, help="trace directory")
    parser.add_argument("--network", type=Path, default=None,
                        help="network.csv the trace's layers must equal")
    parser.set_defaults(func=run_validate_cli)
    return parser


def run_validate_cli(args: argparse.Namespace) -> int:
    """Return 0 after printing the summary; exit with status 1 on a bad trace."""
    try:
        expected = read_network_csv(args.network) if args.network else None
        trace = validate_trace(args.directory, expected)
    except TraceError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(trace.summary())
    return 0
