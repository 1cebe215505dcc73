"""Seconds and peak memory of one NeuroSIM run on the VGG-8 calibration trace (one epoch).

Regenerates the calibration trace with shared/calibration/make_traces.py (or takes --trace),
builds the estimator with CMake if needed (-j2), and times the binary on the default hardware
(FeFET, 32 nm). Peak memory is the child's maximum resident set size (resource.getrusage).

    python benchmarks/neurosim.py [--repeats N] [--trace DIR] [--build DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cimtrain import estimator

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO.parent / "shared" / "calibration"
# The budget for one VGG-8 epoch on 2 cores.
BUDGET_S = 0.5
BUDGET_MB = 250.0


def make_trace(out: Path) -> Path:
    """The VGG-8 calibration trace (make_traces.py, seed 1)."""
    subprocess.run([sys.executable, str(CALIBRATION / "make_traces.py"),
                    "--network", str(CALIBRATION / "networks" / "vgg8.csv"),
                    "--seed", "1", "--out", str(out)], check=True, capture_output=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--trace", type=Path, help="cim-trace/1 directory (default: regenerate VGG-8)"
    )
    parser.add_argument("--build", type=Path, default=estimator.DEFAULT_BUILD_DIR)
    args = parser.parse_args()

    binary = estimator.build(args.build, log=lambda _: None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        trace = args.trace or make_trace(work / "trace")
        hardware = work / "hw.txt"
        hardware.write_text("# defaults: FeFET, 32 nm LSTP\n")
        seconds, peak_mb = [], 0.0
        for i in range(args.repeats):
            start = time.perf_counter()
            child = subprocess.Popen(
                [
                    str(binary),
                    "--trace",
                    str(trace),
                    "--hardware",
                    str(hardware),
                    "--out",
                    str(work / f"out{i}"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # wait4 gives this child's own resource usage, not the build's or the trace generator's.
            _, status, usage = os.wait4(child.pid, 0)
            seconds.append(time.perf_counter() - start)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"neurosim failed with status {status}")
            peak_mb = max(peak_mb, usage.ru_maxrss / 1024)  # kilobytes on Linux
    median = statistics.median(seconds)
    print(
        f"neurosim VGG-8 epoch: {median:.3f} s (median of {args.repeats}, "
        f"min {min(seconds):.3f} s), peak memory {peak_mb:.0f} MB"
    )
    verdict = "ok" if median <= BUDGET_S and peak_mb <= BUDGET_MB else "OVER"
    print(f"budget: {BUDGET_S:g} s, {BUDGET_MB:g} MB -> {verdict}")


if __name__ == "__main__":
    main()
