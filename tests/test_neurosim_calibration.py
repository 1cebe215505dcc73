"""NeuroSIM against the calibration set: floorplan identical to the reference, areas within 10 %.

Builds the estimator with CMake into pytest's cache, regenerates the calibration trace with
shared/calibration/make_traces.py and runs one estimate per reference configuration.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CALIBRATION = SHARED / "calibration"
SOURCE_DIR = REPO / "NeuroSIM"

# Hardware-file keys reproducing each reference run's Param.cpp changes.
CONFIGS: dict[str, dict[str, object]] = {
    "cal_fefet_32": {},
    "cal_rram_32": {"memory_cell": "rram"},
    "cal_sram_32": {"memory_cell": "sram"},
    "cal_fefet_22": {"technology_node_nm": 22, "feature_size_nm": 32, "wire_width_nm": 32},
}
AREA_KEYS = ["total", "cim_array", "routing", "adc", "accumulation", "other", "weight_gradient"]
AREA_TOLERANCE = 0.10
# The reference prints 6 significant digits.
PRINT_TOLERANCE = 1e-5

pytestmark = pytest.mark.skipif(
    not CALIBRATION.is_dir(), reason="shared/calibration is not available"
)


def build_neurosim(build_dir: Path) -> Path:
    """Configure (once) and build the estimator; returns the binary."""
    if not (build_dir / "CMakeCache.txt").exists():
        subprocess.run(
            ["cmake", "-S", str(SOURCE_DIR), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release"],
            check=True,
            capture_output=True,
        )
    subprocess.run(["cmake", "--build", str(build_dir), "-j2"], check=True, capture_output=True)
    return build_dir / "neurosim"


@pytest.fixture(scope="session")
def neurosim_binary(request: pytest.FixtureRequest) -> Path:
    return build_neurosim(Path(request.config.cache.mkdir("neurosim-build")))


@pytest.fixture(scope="session")
def calibration_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calibration") / "trace"
    subprocess.run(
        [
            sys.executable,
            str(CALIBRATION / "make_traces.py"),
            "--network",
            str(CALIBRATION / "networks" / "vgg8.csv"),
            "--seed",
            "1",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def write_hardware(path: Path, settings: dict[str, object]) -> Path:
    path.write_text("".join(f"{key} = {value}\n" for key, value in settings.items()) + "# end\n")
    return path


def run(binary: Path, trace: Path, hardware: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), "--trace", str(trace), "--hardware", str(hardware), "--out", str(out)],
        capture_output=True,
        text=True,
    )


def reference(name: str) -> dict:
    return json.loads((CALIBRATION / "reference" / f"{name}.json").read_text())


def test_trace_is_the_one_the_reference_saw(calibration_trace: Path) -> None:
    expected = reference("cal_fefet_32")["trace"]["sha256"]
    for rel, digest in expected.items():
        assert hashlib.sha256((calibration_trace / rel).read_bytes()).hexdigest() == digest, rel


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_floorplan_and_area_match_reference(
    name: str, neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run(
        neurosim_binary, calibration_trace, write_hardware(tmp_path / "hw.txt", CONFIGS[name]), out
    )
    assert result.returncode == 0, result.stderr
    ref = reference(name)

    plan = json.loads((out / "floorplan.json").read_text())
    assert plan["tiles_per_layer"] == ref["floorplan"]["tiles_per_layer"]
    assert plan["speedup_per_layer"] == ref["floorplan"]["speedup_per_layer"]
    assert plan["utilization_per_layer"] == pytest.approx(
        ref["floorplan"]["utilization_per_layer"], rel=PRINT_TOLERANCE
    )
    for sizes in ("conventional_tile_storage", "conventional_pe_storage", "novel_tile_storage"):
        assert plan[sizes] == ref["floorplan"][sizes], sizes
    assert plan["chip_utilization"] == pytest.approx(
        ref["floorplan"]["chip_utilization"], rel=PRINT_TOLERANCE
    )

    with (out / "neurosim.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    for key in AREA_KEYS:
        measured = float(rows[0][f"area_{key}_m2"])
        assert measured == pytest.approx(ref["area"][key], rel=AREA_TOLERANCE), key

    with (out / "layers.csv").open() as f:
        layers = list(csv.DictReader(f))
    assert [int(r["layer"]) for r in layers] == list(range(1, len(ref["layers"]) + 1))


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("bogus_key = 3", "bogus_key"),
        ("subarray_rows = 100", "subarray_rows"),
        ("adc_levels = many", "adc_levels"),
    ],
)
def test_bad_hardware_key_fails_naming_it(
    line: str, key: str, neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    hardware = tmp_path / "hw.txt"
    hardware.write_text(line + "\n")
    out = tmp_path / "out"
    result = run(neurosim_binary, calibration_trace, hardware, out)
    assert result.returncode != 0
    assert key in result.stderr
    assert not (out / "neurosim.csv").exists()


def test_incomplete_trace_fails_naming_the_file(
    neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "trace"
    broken.mkdir()
    for name in ("network.csv", "meta.json"):
        shutil.copy(calibration_trace / name, broken / name)
    hardware = write_hardware(tmp_path / "hw.txt", {})
    result = run(neurosim_binary, broken, hardware, tmp_path / "out")
    assert result.returncode != 0
    assert "layer_01" in result.stderr and "weight.npy" in result.stderr


def copy_trace(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_code_out_of_range_fails_naming_the_file(
    neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    trace = copy_trace(calibration_trace, tmp_path / "trace")
    weights = np.load(trace / "layer_03" / "weight.npy")
    weights[0, 0] = 16  # 5-bit weight codes stay within +-15
    np.save(trace / "layer_03" / "weight.npy", weights)
    result = run(neurosim_binary, trace, write_hardware(tmp_path / "hw.txt", {}), tmp_path / "out")
    assert result.returncode != 0
    assert "layer_03" in result.stderr and "16" in result.stderr


def test_network_row_disagreeing_with_arrays_fails(
    neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    trace = copy_trace(calibration_trace, tmp_path / "trace")
    lines = (trace / "network.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",128,1,1", ",64,1,1")  # layer 2 with 64 output channels
    (trace / "network.csv").write_text("\n".join(lines) + "\n")
    result = run(neurosim_binary, trace, write_hardware(tmp_path / "hw.txt", {}), tmp_path / "out")
    assert result.returncode != 0
    assert "layer_02" in result.stderr and "shape" in result.stderr
