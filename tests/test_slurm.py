"""The workflow on a real SLURM cluster, through workflow/profiles/slurm.

tests/slurm/start_slurm.sh installs SLURM, munge and MariaDB from Debian where they are missing
and starts a single-node cluster with accounting on loopback; its node has a stand-in GPU, so the
profile runs unchanged, GPU request included. The training part of a tiny configuration runs
once through SLURM and once locally; every job must show up in SLURM's accounting and the
checkpoints and arrays must be identical. Skips where the cluster cannot be started (not root,
no Debian packages reachable, ...).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow

pytestmark = pytest.mark.slow

SCRIPTS = Path(__file__).parent / "slurm"
# The training part of the workflow: each SLURM job costs ~15 s of start-up on 2 cores, so the
# estimator and plots are left to test_workflow.
TARGETS = ["results/summary/training.csv"]
TINY = {
    "seed": 11,
    "epochs": 2,
    "dataset": {"name": "digits"},
    "model": {"layers": [
        {"type": "conv", "out": 8, "kernel": 3},
        {"type": "pool", "size": 2},
        {"type": "conv", "out": 16, "kernel": 3},
        {"type": "pool", "size": 4},
        {"type": "fc", "out": 16},
        {"type": "fc", "out": 10},
    ]},
    "device": {"sigma_d2d": 0.05},
    # One torch thread in both runs: float sums, and so checkpoints, depend on the thread count.
    "train": {"batch_size": 128, "device": "cpu", "threads": 1},
    "results_dir": "results",
    "trace": {"every": 2},
    # A design this small network can be mapped onto (checked before any job is planned).
    "hardware": {"memory_cell": "sram", "subarray_rows": 32, "subarray_cols": 32},
}
# What the profile asks of SLURM, as sacct reports it.
TRAIN_TRES = {"gres/gpu": "1", "mem": "8000M"}


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def slurm_env() -> Iterator[dict[str, str]]:
    """Environment with SLURM_CONF of a running cluster; the cluster stops after the module."""
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install -e '.[slurm]'")
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("starting SLURM needs root on Linux")
    if not shutil.which("apt-get") and not shutil.which("slurmctld"):
        pytest.skip("SLURM is not installed and apt-get is not available")
    try:
        started = subprocess.run(["bash", str(SCRIPTS / "start_slurm.sh")],
                                 capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        started = None
    if started is None or started.returncode != 0:
        subprocess.run(["bash", str(SCRIPTS / "stop_slurm.sh")], capture_output=True, timeout=120)
        reason = "timed out" if started is None else tail(started.stderr, 5)
        pytest.skip(f"SLURM could not be installed or started: {reason}")
    env = dict(os.environ, SLURM_CONF=started.stdout.strip().splitlines()[-1])
    yield env
    subprocess.run(["bash", str(SCRIPTS / "stop_slurm.sh")], capture_output=True, timeout=120)


def copy_tiny_workflow(root: Path) -> Path:
    copy_workflow(root)
    (root / "config" / "under_test.yaml").write_text(yaml.safe_dump(TINY))
    return root


def snakemake(workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/under_test.yaml",
               *args, *TARGETS]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                            timeout=1200)
    assert result.returncode == 0, tail(result.stdout + result.stderr, 60)


def accounted_jobs(env: dict[str, str], prefix: str) -> list[dict[str, str]]:
    """The run's jobs in SLURM's accounting database (job names start with the prefix)."""
    fields = ["JobID", "JobName", "State", "ExitCode", "Comment", "AllocTRES", "Timelimit"]
    for _ in range(30):  # slurmdbd records a job's end a moment after slurmctld
        result = subprocess.run(
            ["sacct", "--allocations", "--parsable2", "--noheader", "--starttime", "now-1days",
             "--format", ",".join(fields)],
            env=env, capture_output=True, text=True, timeout=60, check=True,
        )
        jobs = [dict(zip(fields, line.split("|"), strict=True))
                for line in result.stdout.splitlines()]
        jobs = [job for job in jobs if job["JobName"].startswith(prefix)]
        if jobs and all(job["State"] not in {"PENDING", "RUNNING"} for job in jobs):
            return jobs
        time.sleep(1)
    return jobs


def planned_rules(workdir: Path) -> set[str]:
    """Rules of the jobs a dry run of the targets plans, in a fresh copy."""
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/under_test.yaml",
               "-n", "-c1", *TARGETS]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rules, in_table = set(), False
    for line in result.stdout.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
        elif in_table and not line.strip():
            break
        elif in_table and not line.startswith("-"):
            rules.add(line.split()[0])
    return rules - {"total"}


def arrays_and_checkpoints(workdir: Path) -> dict[str, bytes]:
    files = [p for pattern in ("*.pt", "*.npy", "*.npz")
             for d in ("results", "resources") for p in (workdir / d).rglob(pattern)]
    return {str(p.relative_to(workdir)): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def runs(slurm_env, tmp_path_factory) -> dict[str, object]:
    """The tiny workflow run through SLURM and locally; the job rules a dry run plans."""
    root = tmp_path_factory.mktemp("slurm")
    on_slurm = copy_tiny_workflow(root / "slurm")
    local = copy_tiny_workflow(root / "local")
    rules = planned_rules(local)
    prefix = f"cimtrain-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    snakemake(on_slurm, "--workflow-profile", "workflow/profiles/slurm",
              # Poll job states every second instead of after 40 s: a test's jobs are short.
              "--slurm-init-seconds-before-status-checks", "1",
              "--slurm-jobname-prefix", prefix, "--retries", "0",
              env=slurm_env)
    slurm_seconds = time.monotonic() - started
    snakemake(local, "--cores", "2")
    print(f"SLURM run: {slurm_seconds:.0f} s")
    return {"slurm": on_slurm, "local": local, "rules": rules,
            "jobs": accounted_jobs(slurm_env, prefix)}


def test_every_job_ran_as_a_slurm_job(runs):
    jobs = runs["jobs"]
    assert jobs, "no job of the run in sacct"
    assert all(job["State"] == "COMPLETED" and job["ExitCode"] == "0:0" for job in jobs), jobs
    # The plugin comments each job with its rule: rule_<name>[_wildcards_...].
    ran = {job["Comment"].removeprefix("rule_").split("_wildcards_")[0] for job in jobs}
    assert ran == runs["rules"] - {"all"}
    epochs = [job for job in jobs if job["Comment"].startswith("rule_train_epoch")]
    assert len(epochs) == TINY["epochs"]


def test_profile_resources_reach_slurm(runs):
    for job in runs["jobs"]:
        tres = dict(item.split("=", 1) for item in job["AllocTRES"].split(","))
        if job["Comment"].startswith("rule_train_epoch"):
            assert {k: tres.get(k) for k in TRAIN_TRES} == TRAIN_TRES, job
            assert tres["cpu"] == "4" and job["Timelimit"] == "01:00:00", job
        else:
            assert "gres/gpu" not in tres, job  # only training asks for a GPU


def test_outputs_equal_a_local_run(runs):
    on_slurm = arrays_and_checkpoints(runs["slurm"])
    local = arrays_and_checkpoints(runs["local"])
    checkpoints = [name for name in local if name.endswith("checkpoint.pt")]
    assert len(checkpoints) == TINY["epochs"] + 1
    assert sorted(on_slurm) == sorted(local)
    assert [n for n in local if on_slurm[n] != local[n]] == []
