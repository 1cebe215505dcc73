"""Building and running the NeuroSIM estimator on a trace.

The C++ sources live in NeuroSIM/ of the source tree; the binary is built with CMake into a build
directory and rebuilt only when a source changes (CMake's own dependency tracking).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from cimtrain import hardware
from cimtrain import trace as traces

Log = Callable[[str], None]
SOURCE_DIR = Path(__file__).resolve().parents[2] / "NeuroSIM"
DEFAULT_BUILD_DIR = Path(__file__).resolve().parents[2] / "build" / "neurosim"
BINARY_NAME = "neurosim"
OUTPUT_FILES = ("neurosim.csv", "layers.csv", "floorplan.json")
# Names in the estimator's output columns (a contract, see NeuroSIM/README.md).
PHASES = ("fw", "ag", "wg", "wu")
AREA_PARTS = ("cim_array", "adc", "accumulation", "routing", "other", "weight_gradient")
BREAKDOWN_PARTS = ("adc", "accumulation", "array", "buffer", "interconnect", "weight_gradient",
                   "weight_update", "dram")


class EstimatorError(RuntimeError):
    """The estimator could not be built or rejected its inputs."""


def build(build_dir: Path = DEFAULT_BUILD_DIR, source_dir: Path = SOURCE_DIR,
          log: Log = print, with_tests: bool = False) -> Path:
    """Configure (once) and build the estimator (and its unit tests); return the binary's path."""
    if shutil.which("cmake") is None:
        raise EstimatorError("cmake not found: install CMake (>= 3.20) and a C++17 compiler")
    build_dir = Path(build_dir)
    if not (build_dir / "CMakeCache.txt").is_file():
        _run(["cmake", "-S", str(source_dir), "-B", str(build_dir),
              "-DCMAKE_BUILD_TYPE=Release"], "configuring NeuroSIM", log)
    targets = ["all"] if with_tests else [BINARY_NAME]
    _run(["cmake", "--build", str(build_dir), "--target", *targets, "-j2"],
         "building NeuroSIM", log)
    binary = build_dir / BINARY_NAME
    if not binary.is_file():
        raise EstimatorError(f"{binary}: the build produced no binary")
    return binary


def _run(command: list[str], what: str, log: Log) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        log(line)
    if result.returncode != 0:
        raise EstimatorError(f"{what} failed (exit {result.returncode}): "
                             f"{result.stderr.strip()[-2000:]}")


def run(binary: Path, trace_dir: Path, hardware_file: Path, out_dir: Path,
        log: Log = print) -> None:
    """Run the estimator on one trace; its outputs land in out_dir."""
    result = subprocess.run(
        [str(binary), "--trace", str(trace_dir), "--hardware", str(hardware_file),
         "--out", str(out_dir)],
        capture_output=True, text=True,
    )
    for line in result.stdout.splitlines():
        log(line)
    if result.returncode != 0:
        raise EstimatorError(result.stderr.strip() or f"{binary} exited {result.returncode}")


def estimate(trace_dir: Path, config: dict, out_dir: Path, build_dir: Path = DEFAULT_BUILD_DIR,
             log: Log = print) -> None:
    """Validate the trace, write the hardware file of `config` and run the estimator."""
    traces.validate_trace(Path(trace_dir))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hardware_file = hardware.write_hardware_file(hardware.hardware_from_config(config),
                                                 out_dir / "hardware.txt")
    binary = build(build_dir, log=log)
    run(binary, Path(trace_dir), hardware_file, out_dir, log)


def estimate_epoch(binary: Path, trace_dir: Path, hardware_file: Path, out_files: list[Path],
                   log: Log = print) -> None:
    """Workflow stage: estimate one epoch into a scratch directory, then move the outputs."""
    out_files = [Path(p) for p in out_files]
    scratch = out_files[0].parent / ".neurosim.part"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        run(Path(binary), Path(trace_dir), Path(hardware_file), scratch, log)
        for path in out_files:
            os.replace(scratch / path.name, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
