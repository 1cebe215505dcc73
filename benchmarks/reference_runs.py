"""Reference runs of DNN+NeuroSim V2.1 at design points the estimator was not built against.

The reference is not part of this project (its licence is CC BY-NC): clone its public repository,
build its training estimator (`make` in Training_pytorch/NeuroSIM) and pass that directory. For each
design point of POINTS this script copies the directory, sets the point's Param.cpp values, builds
the copy, writes the reference's per-layer CSV inputs from the point's trace (shared/calibration/
make_traces.py; conventions of shared/calibration/README.md: sample 0, weights code/16 with five
decimals, inputs as 8-bit two's-complement bit matrices, MSB first, every 'same'-padded patch),
runs it and parses its console output into the calibration JSON layout (SI units), written to
tests/data/reference_points/NAME.json. tests/test_neurosim_reference_points.py holds our estimate,
with `reference_quirks: all`, to those files.

    python benchmarks/reference_runs.py --reference DIR [--point NAME ...] [--jobs N]

Each run takes 3 to 9 minutes of one core (the reference is single-threaded).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

# The traces are cut as the tests cut them (make_traces.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import make_trace  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO.parent / "shared" / "calibration"
OUT_DIR = REPO / "tests" / "data" / "reference_points"
NETWORK_DIR = OUT_DIR / "networks"

# name -> our preset it starts from, its hardware keys changed, the same change in the reference's
# Param.cpp, and the trace's network and seed.
POINTS: dict[str, dict] = {
    "rram_22": {
        "preset": "cal_rram_32",
        "hardware": {"technology_node_nm": 22, "feature_size_nm": 32, "wire_width_nm": 32},
        "param": {"memcelltype": "2", "technode": "22", "featuresize": "32e-9", "wireWidth": "32"},
    },
    "fefet_45": {
        "preset": "cal_fefet_32",
        "hardware": {"technology_node_nm": 45, "feature_size_nm": 50, "wire_width_nm": 50},
        "param": {"technode": "45", "featuresize": "50e-9", "wireWidth": "50"},
    },
    "fefet_14": {
        "preset": "cal_fefet_32",
        "hardware": {"technology_node_nm": 14, "feature_size_nm": 22, "wire_width_nm": 22},
        "param": {"technode": "14", "featuresize": "22e-9", "wireWidth": "22"},
    },
    "fefet_32_sub64": {
        "preset": "cal_fefet_32",
        "hardware": {"subarray_rows": 64, "subarray_cols": 64},
        "param": {"numRowSubArray": "64", "numColSubArray": "64"},
    },
    "rram_32_adc32": {
        "preset": "cal_rram_32",
        "hardware": {"adc_levels": 32, "columns_per_adc": 16},
        "param": {"memcelltype": "2", "levelOutput": "32", "numColMuxed": "16"},
    },
    "fefet_32_net6": {
        "preset": "cal_fefet_32",
        "hardware": {},
        "param": {},
        "network": "net6.csv",
        "seed": 2,
    },
}
DEFAULT_NETWORK = CALIBRATION / "networks" / "vgg8.csv"


def network_of(point: dict) -> Path:
    return NETWORK_DIR / point["network"] if "network" in point else DEFAULT_NETWORK


# --- the reference's inputs


def input_bit_matrix(codes: np.ndarray, bits: int) -> np.ndarray:
    """(fan_in, patches * bits): each code's two's-complement bits, MSB first, patch by patch."""
    unsigned = codes.astype(np.int64) & ((1 << bits) - 1)
    shifts = np.arange(bits - 1, -1, -1)
    matrix = (unsigned[..., None] >> shifts) & 1  # (patches, fan_in, bits)
    return matrix.transpose(1, 0, 2).reshape(codes.shape[1], -1).astype(np.uint8)


def write_inputs(trace: Path, out: Path) -> list[str]:
    """The reference's per-layer arguments: weight, old weight and input files, and activity."""
    meta = json.loads((trace / "meta.json").read_text())
    out.mkdir(parents=True)
    args = []
    for layer in meta["layers"]:
        source = trace / layer["name"]
        files = [out / f"{kind}{layer['name']}.csv" for kind in ("weight", "weightOld", "input")]
        for npy, path in zip(("weight.npy", "weight_old.npy"), files, strict=False):
            np.savetxt(
                path, np.load(source / npy).astype(np.float64) / 16, delimiter=",", fmt="%10.5f"
            )
        matrix = input_bit_matrix(np.load(source / "input.npy")[0], meta["input_bits"])
        np.savetxt(files[2], matrix, delimiter=",", fmt="%d")
        args += [str(f) for f in files] + [repr(float(matrix.mean()))]
    return args


def headerless_network(network: Path, out: Path) -> Path:
    out.write_text("".join(network.read_text().splitlines(keepends=True)[1:]))
    return out


# --- building the reference at a design point


def set_params(param_cpp: Path, values: dict[str, str]) -> None:
    """Set the first assignment of each named Param.cpp member (the defaults come first)."""
    text = param_cpp.read_text()
    for name, value in values.items():
        text, count = re.subn(
            rf"^(\s*){name}\s*=\s*[^;]+;",
            rf"\g<1>{name} = {value};",
            text,
            count=1,
            flags=re.MULTILINE,
        )
        if count != 1:
            raise SystemExit(f"{param_cpp}: no assignment of {name}")
    param_cpp.write_text(text)


def build_reference(source: Path, values: dict[str, str], work: Path) -> Path:
    copy = work / "reference"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.o", "main"))
    set_params(copy / "Param.cpp", values)
    subprocess.run(["make", "-j2"], cwd=copy, check=True, capture_output=True)
    return copy / "main"


# --- parsing its console output

NUMBER = r"([-+0-9.eE]+|-?nan|-?inf)"
UNIT_SCALE = {"ns": 1e-9, "pJ": 1e-12, "uW": 1e-6, "um^2": 1e-12, "": 1.0}
PHASES = (("Activation Gradient", "ag"), ("Weight Gradient", "wg"), ("Weight Update", "wu"))
BREAKDOWN_PARTS = (
    ("ADC (or S/As", "adc"),
    ("Accumulation Circuits", "accumulation"),
    ("Synaptic Array w/o ADC", "array"),
    ("Buffer", "buffer"),
    ("Interconnect", "interconnect"),
    ("Weight Gradient Calculation", "weight_gradient"),
    ("Weight Update", "weight_update"),
    ("DRAM data transfer", "dram"),
)
AREA_LINES = (
    ("ChipArea", "total"),
    ("Chip total CIM", "cim_array"),
    ("Total IC Area", "routing"),
    ("Total ADC", "adc"),
    ("Total Accumulation", "accumulation"),
    ("Other Peripheries", "other"),
    ("Weight Gradient Calculation :", "weight_gradient"),
)
EFFICIENCY_LINES = (
    ("Energy Efficiency TOPS/W", "tops_per_w"),
    ("Throughput TOPS", "tops"),
    ("Throughput FPS", "fps"),
)


def value_of(line: str) -> float:
    match = re.search(r":\s*" + NUMBER + r"\s*(ns|pJ|uW|um\^2)?\s*$", line)
    if match is None:
        raise ValueError(f"no value in {line!r}")
    return float(match.group(1)) * UNIT_SCALE[match.group(2) or ""]


def phase_of(line: str) -> str:
    return next((key for text, key in PHASES if text in line), "fw")


def figure_group(line: str) -> str:
    return ("peak_" if "PEAK" in line else "") + ("latency" if "atency" in line else "energy")


def add_breakdown(lines: list[str], out: dict) -> None:
    for line in lines:
        if line.startswith("----------- "):  # a breakdown line (section rules have no space)
            group = "breakdown_latency" if "atency" in line else "breakdown_energy"
            key = next(k for text, k in BREAKDOWN_PARTS if text in line)
            out.setdefault(group, {})[key] = value_of(line)


def parse_layer(lines: list[str], index: int) -> dict:
    layer: dict = {"index": index}
    for group in ("latency", "energy", "peak_latency", "peak_energy"):
        layer[group] = {"fw": 0.0, "ag": 0.0, "wg": 0.0, "wu": 0.0}
    for line in lines:
        if not (line.startswith("layer") and "'s" in line):
            continue
        if "leakagePower" in line or "leakageEnergy" in line:
            layer["leakage_power" if "Power" in line else "leakage_energy"] = value_of(line)
        else:
            layer[figure_group(line)][phase_of(line)] = value_of(line)
    add_breakdown(lines, layer)
    return layer


def parse_chip(lines: list[str]) -> tuple[dict, dict]:
    area: dict = {}
    chip: dict = {}
    for line in lines:
        for prefix, key in AREA_LINES:
            if line.startswith(prefix) and key not in area:
                area[key] = value_of(line)
        if line.startswith("Chip leakage"):
            chip["leakage_power" if "Power" in line else "leakage_energy"] = value_of(line)
        elif line.startswith("Chip "):
            total = "total" in line.split("(")[0]
            chip.setdefault(figure_group(line), {})["total" if total else phase_of(line)] = (
                value_of(line)
            )
        for label, key in EFFICIENCY_LINES:
            if line.startswith(label) or line.startswith("Peak " + label):
                chip[("peak_" if line.startswith("Peak") else "") + key] = value_of(line)
    add_breakdown(lines, chip)
    return area, chip


def per_layer_list(lines: list[str], title: str) -> list[float]:
    start = next(i for i, line in enumerate(lines) if title in line)
    values = []
    for line in lines[start + 1 :]:
        match = re.match(r"layer\d+: " + NUMBER, line)
        if match is None:
            return values
        values.append(float(match.group(1)))
    return values


def parse_floorplan(lines: list[str]) -> dict:
    utilization = next(line for line in lines if line.startswith("Memory Utilization of Whole"))
    return {
        "tiles_per_layer": [int(v) for v in per_layer_list(lines, "# of tile used for each layer")],
        "speedup_per_layer": [int(v) for v in per_layer_list(lines, "Speed-up of each layer")],
        "utilization_per_layer": per_layer_list(lines, "Utilization of each layer"),
        "chip_utilization": float(re.search(NUMBER + " %", utilization).group(1)) / 100,
    }


def parse_output(text: str) -> dict:
    lines = text.splitlines()
    starts = [
        i for i, line in enumerate(lines) if line.startswith("-------------------- Estimation")
    ]
    summary = next(
        i for i, line in enumerate(lines) if line.startswith("---") and "Summary" in line
    )
    ends = starts[1:] + [summary]
    layers = [
        parse_layer(lines[s:e], n + 1) for n, (s, e) in enumerate(zip(starts, ends, strict=True))
    ]
    area, chip = parse_chip(lines[summary:])
    return {"floorplan": parse_floorplan(lines), "area": area, "layers": layers, "chip": chip}


# --- one design point


def run_point(name: str, reference_source: Path, commit: str) -> Path:
    point = POINTS[name]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        binary = build_reference(reference_source, point["param"], work)
        trace = make_trace(work / "trace", network_of(point), point.get("seed", 1))
        args = write_inputs(trace, work / "inputs")
        network = headerless_network(network_of(point), work / "network.csv")
        (work / "NeuroSim_Results_Each_Epoch").mkdir()
        started = time.monotonic()
        result = subprocess.run(
            [str(binary), "0", str(network), "5", "8", *args],
            cwd=work,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        if result.returncode != 0:
            raise SystemExit(
                f"{name}: the reference exited {result.returncode}: {result.stderr[-300:]}"
            )
        parsed = parse_output(result.stdout)
        meta = json.loads((trace / "meta.json").read_text())
    record = {
        "name": name,
        "simulator": f"DNN+NeuroSim V2.1 (Training_pytorch/NeuroSIM at {commit})",
        "param_changes": point["param"],
        "preset": point["preset"],
        "hardware": point["hardware"],
        "network": network_of(point).name,
        "trace": {
            "generator": "shared/calibration/make_traces.py",
            "seed": point.get("seed", 1),
            "sample_used": 0,
            "sha256": meta["sha256"],
        },
        "runtime_s": round(seconds, 1),
        **parsed,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"{name}.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reference",
        type=Path,
        required=True,
        help="the reference's Training_pytorch/NeuroSIM directory",
    )
    parser.add_argument(
        "--point",
        action="append",
        choices=sorted(POINTS),
        help="design points to run (default: all)",
    )
    parser.add_argument("--commit", default="unknown", help="the reference's commit, recorded")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    names = args.point or sorted(POINTS)
    with ThreadPoolExecutor(args.jobs) as pool:
        for out in pool.map(lambda n: run_point(n, args.reference, args.commit), names):
            print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
