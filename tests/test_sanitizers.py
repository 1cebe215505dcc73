"""The estimator under AddressSanitizer and UndefinedBehaviorSanitizer (float-cast-overflow
included, every report fatal): every hardware preset, a spread of options and the whole bad-input
corpus run without a single report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from cimtrain import config as run_config
from cimtrain import hardware

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpora"))
import corpus  # noqa: E402

pytestmark = pytest.mark.slow

SANITIZE = "-fsanitize=address,undefined -fsanitize=float-cast-overflow -fno-sanitize-recover=all"
REPORT_MARKERS = ("runtime error:", "AddressSanitizer", "UndefinedBehaviorSanitizer",
                  "LeakSanitizer")
ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",
       "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
# Options on the small trace's design, each moving a different part of the models.
OPTIONS = [
    "", "read_mode = sequential\n", "adc_type = sar\n", "mapping = conventional\n",
    "pipeline = true\nspeedup_degree = 4\n", "parallel_backprop = false\n",
    "training_estimation = false\n", "memory_cell = rram\n",
    "memory_cell = sram\n", "global_buffer_type = sram\ntile_buffer_type = sram\n",
    "relax_cell_height = true\nrelax_cell_width = true\n", "temperature_k = 355\n",
    "device_roadmap = hp\ntechnology_node_nm = 7\nfeature_size_nm = 14\nwire_width_nm = 14\n",
    "sense_current_mode = false\ndram = gddr5\n", "chip_activation = false\n",
    "access_resistance_ohm = 0\n", "reference_quirks = all\n",
    "reference_quirks = all\nread_mode = sequential\nmemory_cell = sram\ntemperature_k = 380\n",
]


def _compiler_has_sanitizers(tmp_path: Path) -> str | None:
    """None when the C++ compiler links a sanitized program, else why not."""
    compiler = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++")
    if compiler is None or shutil.which("cmake") is None:
        return "no C++ compiler or CMake"
    source = tmp_path / "probe.cpp"
    source.write_text("int main() { return 0; }\n")
    result = subprocess.run([compiler, *SANITIZE.split(), str(source), "-o",
                             str(tmp_path / "probe")], capture_output=True, text=True)
    if result.returncode != 0:
        return f"{compiler} lacks the ASan/UBSan runtime: {result.stderr.strip()[:200]}"
    if subprocess.run([str(tmp_path / "probe")], env=ENV, capture_output=True).returncode != 0:
        return "sanitized programs do not run here"
    return None


@pytest.fixture(scope="module")
def sanitized_binary(tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("sanitized")
    missing = _compiler_has_sanitizers(build)
    if missing:
        pytest.skip(missing)
    for command in (
        ["cmake", "-S", str(REPO / "NeuroSIM"), "-B", str(build), "-DCMAKE_BUILD_TYPE=Debug",
         f"-DCMAKE_CXX_FLAGS=-O1 -g -fno-omit-frame-pointer {SANITIZE}"],
        ["cmake", "--build", str(build), "--target", "neurosim", "-j2"],
    ):
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return build / "neurosim"


def run_sanitized(binary: Path, trace_dir: Path, hardware_file: Path, out: Path,
                  ) -> subprocess.CompletedProcess:
    result = subprocess.run([str(binary), "--trace", str(trace_dir), "--hardware",
                             str(hardware_file), "--out", str(out)], env=ENV,
                            capture_output=True, text=True, timeout=300)
    reports = [m for m in REPORT_MARKERS if m in result.stderr]
    assert not reports, result.stderr[-3000:]
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return result


def test_every_preset_on_the_calibration_trace(sanitized_binary, calibration_trace, tmp_path):
    presets = sorted((REPO / "config" / "hardware").glob("*.yaml"))
    designs = [(p.stem, p, []) for p in presets]
    designs.append(("rram_crossbar", REPO / "config" / "hardware" / "cal_rram_32.yaml",
                    ["hardware.access_type=crossbar"]))
    for name, preset, overrides in designs:
        settings = hardware.hardware_from_config(run_config.load(preset, overrides))
        hardware_file = hardware.write_hardware_file(settings, tmp_path / f"{name}.txt")
        result = run_sanitized(sanitized_binary, calibration_trace, hardware_file,
                               tmp_path / name)
        assert result.returncode == 0, f"{name}: {result.stderr}"


def test_options_and_bad_inputs(sanitized_binary, tmp_path):
    good = corpus.small_trace(tmp_path / "good")
    hardware_file = tmp_path / "hw.txt"
    for options in OPTIONS:
        hardware_file.write_text(corpus.SMALL_HARDWARE + options)
        result = run_sanitized(sanitized_binary, good, hardware_file, tmp_path / "out")
        assert result.returncode == 0, f"{options!r}: {result.stderr}"
    hardware_file.write_text(corpus.SMALL_HARDWARE)
    for name, (mutate, _, message) in corpus.TRACE_CASES.items():
        damaged = tmp_path / name
        shutil.copytree(good, damaged)
        mutate(damaged)
        result = run_sanitized(sanitized_binary, damaged, hardware_file, tmp_path / "out")
        assert result.returncode == 1 and message in result.stderr, name
    bad_hardware = tmp_path / "bad.txt"
    for case in corpus.HARDWARE_CASES:
        bad_hardware.write_text(case["text"])
        result = run_sanitized(sanitized_binary, good, bad_hardware, tmp_path / "out")
        assert result.returncode == 1 and case["expect"] in result.stderr
