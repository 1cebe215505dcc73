"""Building and running the NeuroSIM estimator on a trace.

The C++ sources ship with the package (see cimtrain.resources). `build` compiles them with CMake,
either into a per-user cache keyed by a hash of the sources (the default: built once, in a
temporary directory renamed into place) or into a given build directory (incremental). Both are
safe to kill at any point and to run twice at once: a file lock serialises builders, and a build
directory whose configure or compile did not finish is rebuilt from scratch.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cimtrain import hardware, resources

Log = Callable[[str], None]
# None: the per-user cache (cimtrain.resources.cache_dir).
DEFAULT_BUILD_DIR: Path | None = None
BINARY_NAME = "neurosim"
OUTPUT_FILES = ("neurosim.csv", "layers.csv", "floorplan.json")
# Names in the estimator's output columns (a contract, see NeuroSIM/README.md).
PHASES = ("fw", "ag", "wg", "wu")
AREA_PARTS = ("cim_array", "adc", "accumulation", "routing", "other", "weight_gradient")
BREAKDOWN_PARTS = ("adc", "accumulation", "array", "buffer", "interconnect", "weight_gradient",
                   "weight_update", "dram")
# Stamps in a build directory: configure finished (holding the source directory), compile finished.
CONFIGURED_STAMP = ".cimtrain-configured"
BUILT_STAMP = ".cimtrain-built"
# Directories in a source tree that are not sources (an in-tree build, caches).
IGNORED_DIRS = {"build", "__pycache__", ".git"}


class EstimatorError(RuntimeError):
    """The estimator could not be built or rejected its inputs."""


def build(build_dir: Path | None = DEFAULT_BUILD_DIR, source_dir: Path | None = None,
          log: Log = print, with_tests: bool = False) -> Path:
    """Build the estimator (and its unit tests) if needed; return the binary's path.

    build_dir None builds into the per-user cache; the unit tests need a build_dir.
    """
    if shutil.which("cmake") is None:
        raise EstimatorError("cmake not found: install CMake (>= 3.16) and a C++17 compiler")
    source_dir = Path(source_dir or resources.neurosim_source_dir()).resolve()
    if build_dir is None:
        if with_tests:
            raise EstimatorError("the unit tests are built into a given build directory only")
        return _cached_build(source_dir, log)
    return _build_in_place(Path(build_dir), source_dir, log, with_tests)


def source_files(source_dir: Path) -> list[Path]:
    """Every file of the estimator's source tree, in a stable order."""
    return sorted(
        p for p in source_dir.rglob("*")
        if p.is_file() and not IGNORED_DIRS & set(p.relative_to(source_dir).parts[:-1])
    )


def source_key(source_dir: Path) -> str:
    """A hash of the sources and of where they are (the binary reads its data/ from there)."""
    digest = hashlib.sha256(str(source_dir).encode())
    for path in source_files(source_dir):
        digest.update(str(path.relative_to(source_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on lock_file; the system releases it if this process dies."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cached_build(source_dir: Path, log: Log) -> Path:
    cache = resources.cache_dir()
    key = source_key(source_dir)
    final = cache / f"neurosim-{key}"
    binary = final / BINARY_NAME
    if binary.is_file():
        return binary
    with _locked(cache / f"neurosim-{key}.lock"):
        if binary.is_file():  # built by another process while this one waited
            return binary
        # Left by killed builds of these sources; no other builder runs while we hold the lock.
        for stale in cache.glob(f".neurosim-{key}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".neurosim-{key}-", dir=cache))
        try:
            _configure(source_dir, scratch, log)
            _compile(scratch, [BINARY_NAME], log)
            os.rename(scratch, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if not binary.is_file():
        raise EstimatorError(f"{binary}: the build produced no binary")
    return binary


def _build_in_place(build_dir: Path, source_dir: Path, log: Log, with_tests: bool) -> Path:
    with _locked(build_dir.parent / f".{build_dir.name}.lock"):
        configured = build_dir / CONFIGURED_STAMP
        built = build_dir / BUILT_STAMP
        same_sources = configured.is_file() and configured.read_text() == str(source_dir)
        # A killed configure leaves a cache that fails every rerun, and a compile killed half-way
        # may leave truncated objects that look up to date: start again from nothing.
        if not same_sources or not built.is_file():
            shutil.rmtree(build_dir, ignore_errors=True)
            _configure(source_dir, build_dir, log)
            configured.write_text(str(source_dir))
        built.unlink(missing_ok=True)
        _compile(build_dir, ["all"] if with_tests else [BINARY_NAME], log)
        built.touch()
    binary = build_dir / BINARY_NAME
    if not binary.is_file():
        raise EstimatorError(f"{binary}: the build produced no binary")
    return binary


def _configure(source_dir: Path, build_dir: Path, log: Log) -> None:
    _run(["cmake", "-S", str(source_dir), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release"],
         "configuring NeuroSIM", log)


def _compile(build_dir: Path, targets: list[str], log: Log) -> None:
    _run(["cmake", "--build", str(build_dir), "--target", *targets, "-j2"], "building NeuroSIM",
         log)


def _run(command: list[str], what: str, log: Log) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        log(line)
    if result.returncode != 0:
        raise EstimatorError(f"{what} failed (exit {result.returncode}): "
                             f"{result.stderr.strip()[-2000:]}")


def run(binary: Path, trace_dir: Path, hardware_file: Path, out_dir: Path,
        log: Log = print, threads: int | None = None) -> None:
    """Run the estimator on one trace; its outputs land in out_dir.

    threads: how many threads it may use for its per-layer work (default: every core).
    """
    env = None if threads is None else {**os.environ, "NEUROSIM_THREADS": str(threads)}
    result = subprocess.run(
        [str(binary), "--trace", str(trace_dir), "--hardware", str(hardware_file),
         "--out", str(out_dir)],
        capture_output=True, text=True, env=env,
    )
    for line in result.stdout.splitlines():
        log(line)
    if result.returncode != 0:
        raise EstimatorError(result.stderr.strip() or f"{binary} exited {result.returncode}")


def estimate(trace_dir: Path, config: dict, out_dir: Path,
             build_dir: Path | None = DEFAULT_BUILD_DIR, log: Log = print) -> None:
    """Validate the trace, write the hardware file of `config` and run the estimator."""
    from cimtrain import trace as traces  # torch: only estimating needs it, not the summaries

    traces.validate_trace(Path(trace_dir))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hardware_file = hardware.write_hardware_file(hardware.hardware_from_config(config),
                                                 out_dir / "hardware.txt")
    binary = build(build_dir, log=log)
    run(binary, Path(trace_dir), hardware_file, out_dir, log)


def estimate_epoch(binary: Path, trace_dir: Path, hardware_file: Path, out_files: list[Path],
                   log: Log = print, threads: int | None = None) -> None:
    """Workflow stage: estimate one epoch into a scratch directory, then move the outputs."""
    out_files = [Path(p) for p in out_files]
    out_files[0].parent.mkdir(parents=True, exist_ok=True)
    # A fresh, exclusively created directory: never one planted there or shared with another run.
    scratch = Path(tempfile.mkdtemp(prefix=".neurosim.", dir=out_files[0].parent))
    try:
        run(Path(binary), Path(trace_dir), Path(hardware_file), scratch, log, threads)
        for path in out_files:
            os.replace(scratch / path.name, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
