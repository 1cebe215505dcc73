"""Seconds `cimtrain --help` and `cimtrain --version` take to answer (median of 5 runs)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def seconds(argv: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    for option in ("--help", "--version"):
        argv = [sys.executable, "-m", "cimtrain.cli", option]
        print(f"cimtrain {option}: {seconds(argv):.3f} s")
    print(f"python -c pass (interpreter start): {seconds([sys.executable, '-c', 'pass']):.3f} s")


if __name__ == "__main__":
    main()
