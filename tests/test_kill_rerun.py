"""kill -9 inside every rule, then the README's rerun commands: results as if never killed.

An uninterrupted run records when each job starts and ends. A second copy is then restarted
with the README's commands (`--unlock`, then `--rerun-incomplete`) once per rule of the DAG,
and each restart's whole process group is SIGKILLed inside a job of a rule not yet killed
(whichever starts first), a varied fraction of that rule's job duration after Snakemake prints
the job's start. Right after every kill, each complete-looking file under results/ must equal
the uninterrupted run's; after the last kill the documented rerun runs to the end, and then
every file under results/ must equal the uninterrupted run's byte for byte.

Some jobs are too short to catch while they compute: hardware_file and neurosim take under a
second and `all` does nothing, so their kills come a few milliseconds after the start line,
possibly before the job's process writes anything. benchmarks/kill_sweep.py kills inside every
job and at evenly spaced times.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import REPO
from test_workflow import TINY

pytestmark = pytest.mark.slow


def load_kill_sweep():
    spec = importlib.util.spec_from_file_location("kill_sweep", REPO / "benchmarks" /
                                                  "kill_sweep.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_sweep"] = module
    spec.loader.exec_module(module)
    return module


kill_sweep = load_kill_sweep()


def test_kill_9_inside_every_rule_then_documented_rerun_gives_identical_results(tmp_path: Path):
    reference = kill_sweep.prepare(tmp_path / "a", TINY)
    timeline = kill_sweep.record_timeline(reference)
    jobs = kill_sweep.first_job_of_each_rule(timeline)
    points = kill_sweep.job_kill_points(timeline, jobs, whole_rule=True)

    interrupted = kill_sweep.prepare(tmp_path / "b", TINY)
    kills, unreached = kill_sweep.kill_sweep(reference, interrupted, points)
    assert [k.failed for k in kills if k.failed] == []
    assert [p.label for p in unreached] == [], "reruns ended before these rules were killed"
    assert {k.point.job.rule for k in kills} == {job.rule for job in timeline.starts}
    partial = {k.point.name: k.differing for k in kills if k.differing}
    assert partial == {}, f"complete-looking files that differ right after a kill: {partial}"

    assert kill_sweep.run_to_end(interrupted) == ""
    expected = kill_sweep.result_files(reference)
    got = kill_sweep.result_files(interrupted)
    assert got == expected, f"missing {sorted(expected - got)}, extra {sorted(got - expected)}"
    differing = kill_sweep.differing_files(reference, interrupted, expected)
    assert differing == [], f"differ after kill -9 and rerun: {differing}"
