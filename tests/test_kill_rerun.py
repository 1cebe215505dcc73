"""kill -9 at any moment, then the README's rerun commands: results equal an uninterrupted run's.

The workflow is killed (the whole process group, SIGKILL) at several points: once the first
checkpoint exists, while an epoch is traced or estimated, and while figures are drawn. Each
restart uses the README's commands (`--unlock`, then `--rerun-incomplete`); the files under the
results directory must then equal, byte for byte, those of a run that was never interrupted.
"""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow
from test_workflow import TINY

pytestmark = pytest.mark.slow

CONFIG = "config/under_test.yaml"
RESULTS = "results/tiny"
# Globs (under the results directory) whose first match marks the moment of a kill.
KILL_POINTS = ("epoch_001/checkpoint.pt", "epoch_*/trace", "plots/*")


def documented_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args, "--configfile", CONFIG]


def run_to_end(workdir: Path) -> None:
    unlock = subprocess.run(documented_command("--unlock"), cwd=workdir, capture_output=True,
                            text=True, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-4000:]
    rerun = subprocess.run(documented_command("--rerun-incomplete", "--cores", "2"), cwd=workdir,
                           capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-4000:]


def kill_when(workdir: Path, pattern: str, timeout_s: float = 600) -> bool:
    """Start the rerun and SIGKILL its process group once `pattern` matches a results path.

    Returns whether the kill came before the run ended on its own.
    """
    subprocess.run(documented_command("--unlock"), cwd=workdir, capture_output=True, timeout=120)
    process = subprocess.Popen(documented_command("--rerun-incomplete", "--cores", "2"),
                               cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if any((workdir / RESULTS).glob(pattern)):
                break
            time.sleep(0.05)
    finally:
        killed = process.poll() is None
        if killed:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return killed


def result_files(workdir: Path) -> set[Path]:
    root = workdir / RESULTS
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def test_kill_9_then_documented_rerun_gives_identical_results(tmp_path: Path):
    uninterrupted = copy_workflow(tmp_path / "a")
    interrupted = copy_workflow(tmp_path / "b")
    for workdir in (uninterrupted, interrupted):
        (workdir / CONFIG).write_text(yaml.safe_dump(TINY))

    run_to_end(uninterrupted)
    kills = [kill_when(interrupted, pattern) for pattern in KILL_POINTS]
    assert kills[0], "the run ended before its first checkpoint could be killed"
    run_to_end(interrupted)

    expected, got = result_files(uninterrupted), result_files(interrupted)
    assert got == expected, f"missing {sorted(expected - got)}, extra {sorted(got - expected)}"
    differing = [str(p) for p in sorted(expected)
                 if not filecmp.cmp(uninterrupted / RESULTS / p, interrupted / RESULTS / p,
                                    shallow=False)]
    assert differing == [], f"differ after kill -9 and rerun: {differing}"
