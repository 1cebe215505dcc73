"""DAG size and dry-run time of a large sweep.

10 training variants x 10 hardware variants x 256 epochs, estimating every 16th epoch: about
7,000 jobs. Prints the job count and the seconds `snakemake -n` takes to build the DAG.

    python benchmarks/sweep_dag.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SWEEP = {
    "sweep": {
        "name": "benchmark",
        "training": {"grid": {"device.nonlinearity_ltp": [0.25 * (i + 1) for i in range(10)]}},
        "hardware": {"grid": {"hardware.columns_per_adc": [1, 2, 4, 8, 16],
                              "hardware.memory_cell": ["fefet", "rram"]}},
    },
    "epochs": 256,
    "trace": {"every": 16},
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "sweep.yaml"
        config.write_text(yaml.safe_dump(SWEEP))
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores", "2",
             "--configfile", str(config)],
            cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(result.stderr[-3000:])
    total = re.search(r"^total\s+(\d+)", result.stdout, re.MULTILINE)
    print(result.stdout.strip())
    print(f"sweep dry run: {total.group(1) if total else '?'} jobs, DAG built in {seconds:.1f} s")


if __name__ == "__main__":
    main()
