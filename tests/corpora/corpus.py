"""Bad inputs with the message each must be rejected with, shared by the tests and the fuzz run.

CONFIG_CASES: overrides of config/demo.yaml (key=value as `--set` takes them); TRACE_CASES:
mutations of a small valid trace (see small_trace); HARDWARE_CASES: hardware files for the
estimator. Every message is a substring of the error the rejecting stage prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from cimtrain import trace as traces
from cimtrain.models import LayerGeometry

HERE = Path(__file__).resolve().parent
SMALL_NETWORK = [
    LayerGeometry("conv1", "conv", 8, 8, 16, 3, 3, 32, 1, 1),
    LayerGeometry("fc1", "fc", 1, 1, 512, 1, 1, 10, 0, 1),
]
# A design that fits SMALL_NETWORK (its widest layer fills 32 x 5 / 5 = 32 columns).
SMALL_HARDWARE = "subarray_rows = 8\nsubarray_cols = 8\ncolumns_per_adc = 8\n"


def small_trace(out_dir: Path, samples: int = 2, seed: int = 3) -> Path:
    """A valid cim-trace/2 directory of SMALL_NETWORK with random codes."""
    rng = np.random.default_rng(seed)
    arrays = []
    for g in SMALL_NETWORK:
        row = traces.network_row(g)
        fan_in, patches = traces.row_fan_in(row), traces.row_patches(row)
        weight = rng.integers(-15, 16, size=(fan_in, g.ofm_c), dtype=np.int8)
        old = np.clip(weight + rng.integers(-1, 2, size=weight.shape), -15, 15).astype(np.int8)
        inputs = rng.integers(0, 128, size=(samples, patches, fan_in), dtype=np.int8)
        arrays.append(traces.LayerArrays(weight, old, inputs))
    settings = {"weight_bits": 5, "input_bits": 8, "batch_size": 50, "iterations": 29,
                "epoch": 1}
    traces.write_trace(Path(out_dir), SMALL_NETWORK, arrays, settings)
    return Path(out_dir)


def load_cases(name: str) -> list[dict]:
    return yaml.safe_load((HERE / name).read_text())


CONFIG_CASES = load_cases("bad_configs.yaml")
HARDWARE_CASES = load_cases("bad_hardware.yaml")


# ----------------------------------------------------------------------------- trace mutations

def _edit_meta(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(directory: Path) -> None:
        path = directory / "meta.json"
        meta = json.loads(path.read_text())
        edit(meta)
        path.write_text(json.dumps(meta))
    return mutate


def _rewrite_npy(relative: str, array_of: Callable[[np.ndarray], np.ndarray],
                 fortran: bool = False, extra: bytes = b"") -> Callable[[Path], None]:
    """Replace an array and update its checksum, so that only the named defect remains."""
    def mutate(directory: Path) -> None:
        path = directory / relative
        old = traces.parse_npy(path.read_bytes(), path)
        new = np.asarray(array_of(old))
        header = traces.npy_header(new.shape, new.dtype)
        if fortran:
            header = header.replace(b"'fortran_order': False", b"'fortran_order': True ")
        body = (np.asfortranarray(new) if fortran else np.ascontiguousarray(new)).tobytes(
            order="F" if fortran else "C")
        path.write_bytes(header + body + extra)
        fix_checksum(directory, relative)
    return mutate


def _raw_npy(relative: str, header_text: str, body: bytes = b"") -> Callable[[Path], None]:
    """Replace an array file by a hand-made header (with a fixed checksum)."""
    def mutate(directory: Path) -> None:
        padding = -(10 + len(header_text) + 1) % 64
        text = (header_text + " " * padding + "\n").encode("latin1")
        (directory / relative).write_bytes(b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little")
                                           + text + body)
        fix_checksum(directory, relative)
    return mutate


def fix_checksum(directory: Path, relative: str) -> None:
    import hashlib

    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["sha256"][relative] = hashlib.sha256((directory / relative).read_bytes()).hexdigest()
    meta_path.write_text(json.dumps(meta))


def _write(relative: str, text: str) -> Callable[[Path], None]:
    def mutate(directory: Path) -> None:
        (directory / relative).write_text(text)
    return mutate


def _flip_byte(relative: str, offset: int) -> Callable[[Path], None]:
    def mutate(directory: Path) -> None:
        path = directory / relative
        data = bytearray(path.read_bytes())
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))
    return mutate


def _truncate(relative: str) -> Callable[[Path], None]:
    def mutate(directory: Path) -> None:
        path = directory / relative
        path.write_bytes(path.read_bytes()[:-7])
    return mutate


def _replace_by_directory(relative: str) -> Callable[[Path], None]:
    def mutate(directory: Path) -> None:
        (directory / relative).unlink()
        (directory / relative).mkdir()
    return mutate


def _del_kind(meta: dict) -> None:
    del meta["layers"][1]["kind"]


INPUT = "layer_02/input.npy"
WEIGHT = "layer_01/weight.npy"
# name -> (mutation, message from trace-validate, message from the estimator)
TRACE_CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "flipped_data_byte": (_flip_byte(WEIGHT, -3), "sha256 does not match",
                          "sha256 does not match"),
    "truncated_array": (_truncate(INPUT), "sha256 does not match", "sha256 does not match"),
    "different_sample_counts": (_rewrite_npy(INPUT, lambda a: a[:1]), "disagrees with",
                                "samples, but layer_01 has"),
    "layer_without_kind": (_edit_meta(_del_kind), "field 'layers'", "needs \"kind\""),
    "kind_disagrees": (_edit_meta(lambda m: m["layers"][1].update(kind="conv")),
                       "is a fc layer", "network.csv row is a fc layer"),
    "fortran_order": (_rewrite_npy(WEIGHT, lambda a: a, fortran=True), "C-ordered",
                      "C-ordered"),
    "trailing_bytes": (_rewrite_npy(WEIGHT, lambda a: a, extra=b"\0\0"), "trailing bytes",
                       "trailing bytes"),
    "huge_shape": (_raw_npy(WEIGHT, "{'descr': '|i1', 'fortran_order': False, "
                                    "'shape': (4294967296, 4294967296), }"),
                   "truncated data", "too large"),
    "overflowing_shape": (_raw_npy(WEIGHT, "{'descr': '|i1', 'fortran_order': False, "
                                           "'shape': (99999999999999999999999, 2), }"),
                          "truncated data", "too large"),
    "non_integer_shape": (_raw_npy(WEIGHT, "{'descr': '|i1', 'fortran_order': False, "
                                           "'shape': (2.5, 2), }"),
                          "not a readable .npy", "non-integer"),
    "float_dtype": (_rewrite_npy(WEIGHT, lambda a: a.astype(np.float32)), "dtype",
                    "dtype"),
    "code_out_of_range": (_rewrite_npy(WEIGHT, lambda a: np.where(a == a.flat[0], 16, a)
                                       .astype(np.int8)), "outside", "outside"),
    "deeply_nested_meta": (_write("meta.json", "[" * 100000 + "]" * 100000), "",
                           "nested deeper"),
    "nan_epoch": (_write("meta.json", '{"format": "cim-trace/1", "epoch": NaN}'), "",
                  "invalid JSON"),
    "huge_epoch": (_edit_meta(lambda m: m.update(epoch=1e300)), "field 'epoch'",
                   "field 'epoch'"),
    "float_weight_bits": (_edit_meta(lambda m: m.update(weight_bits=5.5)), "weight_bits",
                          "weight_bits"),
    "missing_checksum": (_edit_meta(lambda m: m["sha256"].pop(WEIGHT)), "sha256 lacks",
                         "sha256' lacks"),
    "huge_network_row": (_write("network.csv", f"{traces.NETWORK_HEADER}\n"
                                "8,8,16777216,16777216,16777216,32,1,1,0,0,0,0\n"
                                "1,1,512,1,1,10,0,1,0,1,0,0\n"),
                         "", "layer too large"),
    "array_is_a_directory": (_replace_by_directory(WEIGHT), "missing", "not a regular file"),
}
