"""kill -9 at many points of a workflow run, each followed by the README's rerun commands.

Runs the workflow once uninterrupted (the tiny test configuration unless --config names
another), recording when each job starts and ends. Then, in a second copy of the workflow, it
restarts the run with the README's commands (`snakemake --unlock`, then
`snakemake --rerun-incomplete --cores 2`) again and again, each time SIGKILLing the whole
process group at the next kill point:

- once inside every job of the DAG, a varied fraction of that job's duration after Snakemake
  prints its start ("rule NAME:" ... "jobid: N"), and
- at --times N evenly spaced wall-clock times of the uninterrupted run, as the job then running
  and the time since it started.

Kill points are taken in the order the uninterrupted run reaches them, so one copy advances
through the DAG: each kill's recovery is the next documented rerun. Right after every kill, each
complete-looking file under results/ (all but the hidden temporaries writers rename into place)
must equal the uninterrupted run's; after the last kill the documented rerun runs to the end and
every file under results/ must equal the uninterrupted run's byte for byte.

    python benchmarks/kill_sweep.py [--times 10] [--config FILE] [--keep DIR]

Prints one row per kill and a count line; exits non-zero when a file differs or a rerun fails.
Not run in CI: a full sweep of the tiny configuration takes about 8 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import copy_workflow  # noqa: E402
from test_workflow import TINY  # noqa: E402

CONFIG = "config/under_test.yaml"
RESULTS = "results"
# Fractions of a job's duration at which successive jobs are killed.
JOB_FRACTIONS = (0.1, 0.5, 0.9, 0.3, 0.7)
RUN_TIMEOUT_S = 1800

JOB_HEADER = re.compile(r"^(?:local)?rule (\w+):$")
JOB_FINISHED = re.compile(r"^Finished jobid: (\d+)")


def documented_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args, "--configfile", CONFIG]


RERUN = ("--rerun-incomplete", "--cores", "2")


@dataclass(frozen=True)
class Job:
    """One job of a run: its rule and outputs identify it across restarts (job ids do not)."""

    rule: str
    outputs: tuple[str, ...]
    wildcards: str = ""

    @property
    def label(self) -> str:
        shown = [w for w in self.wildcards.split(", ") if w and not w.startswith("run=")]
        return f"{self.rule}[{', '.join(shown)}]" if shown else self.rule


@dataclass
class Timeline:
    """Jobs of a run with their start and end, in seconds since the run's command began."""

    starts: dict[Job, float] = field(default_factory=dict)
    ends: dict[Job, float] = field(default_factory=dict)
    duration: float = 0.0

    def running_at(self, t: float) -> list[Job]:
        return [job for job, start in self.starts.items()
                if start <= t < self.ends.get(job, float("inf"))]


@dataclass(frozen=True)
class KillPoint:
    """Kill `delay` seconds after `job` starts (after the command starts, for job None).

    With `whole_rule`, any job of the job's rule will do.
    """

    name: str
    job: Job | None
    delay: float
    at: float  # where the uninterrupted run reaches this point, to order the kills
    whole_rule: bool = False

    def matches(self, job: Job) -> bool:
        if self.job is None:
            return False
        return job.rule == self.job.rule if self.whole_rule else job == self.job

    @property
    def label(self) -> str:
        if self.job is None:
            return "(before the first job)"
        return self.job.rule + " (any job)" if self.whole_rule else self.job.label


@dataclass
class Kill:
    """One restart: the point it was killed at, and what the kill left."""

    point: KillPoint | None
    reached: bool
    running: list[Job]
    compared: int = 0
    differing: list[str] = field(default_factory=list)
    failed: str = ""


class JobLog:
    """Parses Snakemake's output line by line: which jobs started, which finished."""

    def __init__(self) -> None:
        self.started: dict[str, Job] = {}  # job id -> job
        self.finished: list[str] = []
        self._rule = ""
        self._fields: dict[str, str] = {}

    def feed(self, line: str) -> Job | None:
        """Take one line; return the job whose start record it completes, if any."""
        header = JOB_HEADER.match(line)
        finished = JOB_FINISHED.match(line)
        if header:
            self._rule, self._fields = header.group(1), {}
        elif finished:
            self.finished.append(finished.group(1))
        elif self._rule and line.startswith("    ") and ":" in line:
            key, value = line.strip().split(":", 1)
            self._fields[key] = value.strip()
            # A job's record ends with its resources.
            if key == "resources" and "jobid" in self._fields:
                return self._job_started()
        return None

    def _job_started(self) -> Job:
        outputs = tuple(sorted(o for o in self._fields.get("output", "").split(", ") if o))
        job = Job(self._rule, outputs, self._fields.get("wildcards", ""))
        self.started[self._fields["jobid"]] = job
        self._rule = ""
        return job

    def running(self) -> list[Job]:
        return [job for jobid, job in self.started.items() if jobid not in self.finished]


class Output:
    """A process's output lines as they come, read by a thread so that waits can time out."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.began = time.monotonic()
        self.ended = False
        self.tail: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def next_line(self, until: float) -> str | None:
        """The next line, or None once `until` seconds have passed or the output has ended."""
        try:
            line = self._lines.get(timeout=max(0.0, until - self.elapsed()))
        except queue.Empty:
            return None
        if line is None:
            self.ended = True
        else:
            self.tail = [*self.tail[-39:], line]
        return line


def unlock(workdir: Path) -> None:
    result = subprocess.run(documented_command("--unlock"), cwd=workdir, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"snakemake --unlock failed in {workdir}:\n{result.stderr[-4000:]}")


def start_rerun(workdir: Path) -> subprocess.Popen:
    """The README's recovery: unlock, then rerun incomplete jobs (in its own process group)."""
    unlock(workdir)
    return subprocess.Popen(documented_command(*RERUN), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def record_timeline(workdir: Path) -> Timeline:
    """Run the documented rerun command to the end, noting each job's start and end."""
    process = start_rerun(workdir)
    output, log, timeline = Output(process), JobLog(), Timeline()
    while not output.ended and output.elapsed() < RUN_TIMEOUT_S:
        line = output.next_line(until=RUN_TIMEOUT_S)
        job = log.feed(line) if line is not None else None
        if job:
            timeline.starts[job] = output.elapsed()
        if log.finished:
            timeline.ends.setdefault(log.started[log.finished[-1]], output.elapsed())
    process.wait()
    timeline.duration = output.elapsed()
    if process.returncode != 0:
        raise RuntimeError("uninterrupted run failed:\n" + "\n".join(output.tail))
    return timeline


def job_kill_points(timeline: Timeline, jobs: list[Job], whole_rule: bool = False
                    ) -> list[KillPoint]:
    """One kill inside each of `jobs`, at a fraction of its duration that varies job to job."""
    points = []
    for i, job in enumerate(jobs):
        start = timeline.starts[job]
        delay = JOB_FRACTIONS[i % len(JOB_FRACTIONS)] * (timeline.ends[job] - start)
        points.append(KillPoint(f"job {i + 1}", job, delay, start + delay, whole_rule))
    return points


def time_kill_points(timeline: Timeline, count: int) -> list[KillPoint]:
    """Kills at `count` evenly spaced times of the run, as (job then running, time into it).

    A time when no job runs becomes the start of the next job; one before the first job, a time
    after the command's start.
    """
    points = []
    ordered = sorted(timeline.starts, key=timeline.starts.get)
    for k in range(1, count + 1):
        t = k * timeline.duration / (count + 1)
        running = timeline.running_at(t)
        later = [job for job in ordered if timeline.starts[job] >= t]
        if running:
            job = max(running, key=timeline.starts.get)
            delay = t - timeline.starts[job]
        elif later and later[0] is not ordered[0]:
            job, delay = later[0], 0.0
        elif later:
            job, delay = None, t
        else:
            job, delay = ordered[-1], 0.0
        points.append(KillPoint(f"t={t:.1f}s", job, delay, t))
    return points


def every_job(timeline: Timeline) -> list[Job]:
    return sorted(timeline.starts, key=timeline.starts.get)


def first_job_of_each_rule(timeline: Timeline) -> list[Job]:
    firsts: dict[str, Job] = {}
    for job in every_job(timeline):
        firsts.setdefault(job.rule, job)
    return list(firsts.values())


def kill_at_first_point(workdir: Path, pending: list[KillPoint]) -> Kill:
    """Start the documented rerun and SIGKILL its process group at the first pending point it
    reaches.

    Restarts schedule jobs in their own order, and jobs run side by side: every pending job
    that starts gets a kill time, and the earliest one is used, so no pending job runs past its
    point while another's is awaited.
    """
    process = start_rerun(workdir)
    output, log = Output(process), JobLog()
    kill_times = {pending[0]: pending[0].delay} if pending[0].job is None else {}
    while not output.ended:
        until = min([*kill_times.values(), RUN_TIMEOUT_S])
        if output.elapsed() >= until:
            break
        line = output.next_line(until)
        job = log.feed(line) if line is not None else None
        point = next((p for p in pending if job and p.matches(job) and p not in kill_times),
                     None)
        if point:
            kill_times[point] = output.elapsed() + point.delay
    chosen = min(kill_times, key=kill_times.get) if kill_times else None
    running = process.poll() is None
    if running:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kill = Kill(chosen, running and chosen is not None, log.running())
    if not kill.reached and (process.returncode != 0 or chosen is None and running):
        kill.failed = "\n".join(output.tail) or f"exit status {process.returncode}"
    return kill


def is_temporary(path: Path) -> bool:
    """A writer's hidden temporary (files.replaced_atomically and its directory twin)."""
    return any(part.startswith(".") and part.endswith((".part", ".partial"))
               for part in path.parts)


def result_files(workdir: Path) -> set[Path]:
    root = workdir / RESULTS
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def differing_files(reference: Path, workdir: Path, files: set[Path]) -> list[str]:
    """Files of `files` whose bytes differ between the two copies (or that one lacks)."""
    differing = []
    for path in sorted(files):
        ours, theirs = workdir / RESULTS / path, reference / RESULTS / path
        if not theirs.is_file() or not ours.is_file() or not filecmp.cmp(ours, theirs,
                                                                          shallow=False):
            differing.append(str(path))
    return differing


def check_after_kill(reference: Path, workdir: Path, kill: Kill) -> None:
    """Every complete-looking result file right after a kill must equal the reference's.

    Files the finished reference lacks (temporary outputs such as traces, and the writers'
    hidden temporaries) are left to the final comparison, which they must not reach.
    """
    files = {p for p in result_files(workdir) & result_files(reference) if not is_temporary(p)}
    kill.compared = len(files)
    kill.differing = differing_files(reference, workdir, files)


def run_to_end(workdir: Path) -> str:
    """The documented recovery, to the end; returns its output's tail when it fails."""
    unlock(workdir)
    result = subprocess.run(documented_command(*RERUN), cwd=workdir, capture_output=True,
                            text=True, timeout=RUN_TIMEOUT_S)
    return "" if result.returncode == 0 else result.stdout[-2000:] + result.stderr[-4000:]


def kill_sweep(reference: Path, workdir: Path, points: list[KillPoint]
               ) -> tuple[list[Kill], list[KillPoint]]:
    """Restart and kill in `workdir` until every point is used or a rerun runs to its end.

    Returns the kills and the points no rerun reached.
    """
    pending, kills = sorted(points, key=lambda p: p.at), []
    while pending:
        kill = kill_at_first_point(workdir, pending)
        kills.append(kill)
        if kill.point is not None:
            pending.remove(kill.point)
        if not kill.reached:
            break
        check_after_kill(reference, workdir, kill)
    return kills, pending


def prepare(root: Path, config: dict) -> Path:
    workdir = copy_workflow(root)
    (workdir / CONFIG).write_text(yaml.safe_dump(config))
    return workdir


def killed_jobs(kill: Kill) -> str:
    others = [job.label for job in kill.running if kill.point is None or job != kill.point.job]
    target = kill.point.label if kill.point else "(no pending job started)"
    if kill.point and kill.point.job and not any(map(kill.point.matches, kill.running)):
        target += " [had just finished]"
    return target + (f" (+ {', '.join(others)})" if others else "")


def print_table(kills: list[Kill], unreached: list[KillPoint]) -> None:
    print(f"{'kill point':<10} {'job killed (others running then)':<62} {'compared':>8} "
          f"{'differing':>9}")
    for kill in kills:
        name = kill.point.name if kill.point else "-"
        if kill.reached:
            print(f"{name:<10} {killed_jobs(kill):<62} {kill.compared:>8} "
                  f"{len(kill.differing):>9}")
            for path in kill.differing:
                print(f"{'':<10}   differs: {path}")
        else:
            ending = "rerun FAILED" if kill.failed else "rerun ended before the kill"
            print(f"{name:<10} {ending:<62} {'-':>8} {'-':>9}")
    for point in unreached:
        print(f"{point.name:<10} {point.label + ': not reached (job already done)':<62} "
              f"{'-':>8} {'-':>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=10,
                        help="evenly spaced wall-clock kill points (default 10)")
    parser.add_argument("--config", type=Path, help="config file (default: the tiny test run)")
    parser.add_argument("--keep", type=Path, help="run in this directory and keep it")
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text()) if args.config else TINY
    root = Path(args.keep or tempfile.mkdtemp(prefix="kill_sweep."))
    try:
        return sweep(root, config, args.times)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def sweep(root: Path, config: dict, times: int) -> int:
    began = time.monotonic()
    reference = prepare(root / "uninterrupted", config)
    timeline = record_timeline(reference)
    print(f"uninterrupted run: {len(timeline.starts)} jobs in {timeline.duration:.1f} s",
          flush=True)
    points = job_kill_points(timeline, every_job(timeline)) + time_kill_points(timeline, times)
    workdir = prepare(root / "killed", config)
    kills, unreached = kill_sweep(reference, workdir, points)
    failure = run_to_end(workdir)
    expected, got = result_files(reference), result_files(workdir)
    final_differing = differing_files(reference, workdir, expected | got)
    print_table(kills, unreached)
    print(f"after the final rerun: {len(expected | got)} files compared, "
          f"{len(final_differing)} differing" + (" (rerun FAILED)" if failure else ""))
    for path in final_differing:
        print(f"  differs: {path}")
    for kill in kills:
        if kill.failed:
            print(f"failed rerun after {kill.point.name if kill.point else '-'}:\n{kill.failed}")
    reached = [k for k in kills if k.reached]
    failed = [k for k in kills if k.failed] + ([failure] if failure else [])
    differing = [k for k in reached if k.differing or final_differing]
    print(f"kills: {len(reached)}, recovered identical: {len(reached) - len(differing)}, "
          f"differing: {len(differing)}, failed reruns: {len(failed)}, "
          f"points not reached: {len(unreached)}, seconds: {time.monotonic() - began:.0f}")
    return 1 if differing or failed else 0


if __name__ == "__main__":
    sys.exit(main())
