"""The estimator's outputs, frozen: the cases of tests/test_neurosim_snapshot.py and their maker.

A case is a hardware file and a trace; its snapshot is the three files the estimator writes
(neurosim.csv, layers.csv, floorplan.json), stored as text under tests/data/neurosim_snapshot/CASE/
next to the hardware file that produced them. The cases are

- the four calibration presets (config/hardware/cal_*.yaml) on the calibration trace (VGG-8, made by
  shared/calibration/make_traces.py with seed 1) and on the small stored trace;
- hardware files drawn at random (fixed seed) over every key of the hardware schema, each key set
  with probability 1/2, kept when the estimator accepts them on the small trace, until
  RANDOM_CASES are accepted.

The small trace (a five-layer network, small_network.csv) is stored as small_trace.tar.xz so that
the test runs without shared/. Regenerate after a deliberate change of numbers, and say why in the
commit:

    PYTHONPATH=src python tests/snapshot_neurosim.py --regenerate
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from conftest import make_calibration_trace

from cimtrain import estimator, hardware

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MAKE_TRACES = SHARED / "calibration" / "make_traces.py"
SNAPSHOT_DIR = REPO / "tests" / "data" / "neurosim_snapshot"
SMALL_NETWORK = SNAPSHOT_DIR / "small_network.csv"
SMALL_TRACE_ARCHIVE = SNAPSHOT_DIR / "small_trace.tar.xz"
MANIFEST = SNAPSHOT_DIR / "manifest.json"
PRESETS = sorted((REPO / "config" / "hardware").glob("cal_*.yaml"))
HARDWARE_FILE = "hardware.txt"
OUTPUT_FILES = estimator.OUTPUT_FILES
RANDOM_SEED = 20261205
RANDOM_CASES = 32
KEY_PROBABILITY = 0.5
# Keys the estimator wants as powers of two: drawing others would only be rejected.
POWER_OF_TWO_KEYS = set(hardware.power_of_two_keys())
TRACES = ("calibration", "small")
# Keys not drawn: the reference's quirks have their own tests and table (benchmarks/quirks.py).
NOT_DRAWN_KEYS = {"reference_quirks"}


@dataclass(frozen=True)
class Case:
    name: str
    trace: str  # one of TRACES
    hardware_text: str


def preset_hardware_text(preset: Path) -> str:
    """The hardware file the workflow writes for a preset."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = hardware.hardware_from_config(yaml.safe_load(preset.read_text()))
        return hardware.write_hardware_file(settings, Path(tmp) / HARDWARE_FILE).read_text()


def draw_value(rng: random.Random, name: str, spec: dict) -> object:
    """A value of one key, uniform over its choices or its range (log-uniform over wide ranges)."""
    if "enum" in spec:
        return rng.choice(spec["enum"])
    if spec["type"] == "boolean":
        return rng.choice([False, True])
    low, high = spec.get("minimum", spec.get("exclusiveMinimum")), spec["maximum"]
    if spec["type"] == "integer":
        if name in POWER_OF_TWO_KEYS:
            exponents = range(math.ceil(math.log2(max(low, 1))), math.floor(math.log2(high)) + 1)
            return 2 ** rng.choice(list(exponents))
        if high / max(low, 1) > 100:
            return int(round(math.exp(rng.uniform(math.log(max(low, 1)), math.log(high)))))
        return rng.randint(low, high)
    if low > 0 and high / low > 100:
        return math.exp(rng.uniform(math.log(low), math.log(high)))
    value = rng.uniform(low, high)
    return value if value > low or "exclusiveMinimum" not in spec else high


def draw_hardware(rng: random.Random, schema: dict) -> dict:
    settings = {}
    for name, spec in schema["properties"].items():
        if name in NOT_DRAWN_KEYS:
            continue
        if rng.random() < KEY_PROBABILITY:
            settings[name] = draw_value(rng, name, spec)
    return settings


def hardware_text(settings: dict) -> str:
    lines = [f"{name} = {hardware.format_value(value)}\n" for name, value in settings.items()]
    return "# drawn at random over every hardware key\n" + "".join(lines)


def run_estimator(binary: Path, trace_dir: Path, hardware_text: str, out_dir: Path) -> str | None:
    """Run one case into out_dir; None when it succeeded, else the estimator's message."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hardware_file = out_dir / HARDWARE_FILE
    hardware_file.write_text(hardware_text)
    result = subprocess.run(
        [
            str(binary),
            "--trace",
            str(trace_dir),
            "--hardware",
            str(hardware_file),
            "--out",
            str(out_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return None if result.returncode == 0 else result.stderr.strip()


def run_cases(binary: Path, cases: list[Case], traces: dict[str, Path], out_root: Path) -> None:
    """Run every case into out_root/NAME, two at a time; raise on the first failure."""

    def one(case: Case) -> None:
        error = run_estimator(binary, traces[case.trace], case.hardware_text, out_root / case.name)
        if error is not None:
            raise RuntimeError(f"{case.name}: {error}")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, cases))


def unpack_small_trace(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(SMALL_TRACE_ARCHIVE) as archive:
        archive.extractall(out, filter="data")
    return out


@contextmanager
def traces_in(directory: Path, with_calibration: bool) -> Iterator[dict[str, Path]]:
    traces = {"small": unpack_small_trace(directory / "small")}
    if with_calibration:
        traces["calibration"] = make_calibration_trace(directory / "calibration")
    yield traces


def load_cases() -> list[Case]:
    """The stored cases, in manifest order."""
    manifest = json.loads(MANIFEST.read_text())
    return [
        Case(
            entry["name"],
            entry["trace"],
            (SNAPSHOT_DIR / entry["name"] / HARDWARE_FILE).read_text(),
        )
        for entry in manifest["cases"]
    ]


def preset_cases() -> list[Case]:
    cases = []
    for preset in PRESETS:
        text = preset_hardware_text(preset)
        cases += [Case(f"{preset.stem}__{trace}", trace, text) for trace in TRACES]
    return cases


def random_cases(binary: Path, small_trace: Path, scratch: Path) -> tuple[list[Case], int]:
    """RANDOM_CASES hardware files the estimator accepts, and how many draws that took."""
    rng = random.Random(RANDOM_SEED)
    schema = hardware.load_schema()
    accepted: list[Case] = []
    draws = 0
    while len(accepted) < RANDOM_CASES:
        draws += 1
        settings = draw_hardware(rng, schema)
        try:
            hardware.validate_hardware(settings)
        except hardware.HardwareError:
            continue
        text = hardware_text(settings)
        if run_estimator(binary, small_trace, text, scratch / f"draw_{draws:04d}") is None:
            accepted.append(Case(f"random_{len(accepted):02d}", "small", text))
    drawn_keys = {
        line.split(" = ")[0] for case in accepted for line in case.hardware_text.splitlines()[1:]
    }
    missing = sorted(set(schema["properties"]) - drawn_keys - NOT_DRAWN_KEYS)
    if missing:
        raise RuntimeError(f"keys never drawn in an accepted case: {missing}")
    return accepted, draws


def without_owner_or_time(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Archive entries that depend only on the content, so the archive regenerates byte-equal."""
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def regenerate(build_dir: Path) -> None:
    binary = estimator.build(build_dir, log=lambda _: None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        small = root / "traces" / "small"
        subprocess.run(
            [
                sys.executable,
                str(MAKE_TRACES),
                "--network",
                str(SMALL_NETWORK),
                "--seed",
                "3",
                "--out",
                str(small),
            ],
            check=True,
            capture_output=True,
        )
        with tarfile.open(root / "small_trace.tar.xz", "w:xz") as archive:
            for path in sorted(small.rglob("*")):
                archive.add(
                    path,
                    arcname=str(path.relative_to(small)),
                    recursive=False,
                    filter=without_owner_or_time,
                )
        traces = {"small": small, "calibration": make_calibration_trace(root / "traces" / "cal")}
        randoms, draws = random_cases(binary, small, root / "draws")
        cases = preset_cases() + randoms
        run_cases(binary, cases, traces, root / "out")
        for old in SNAPSHOT_DIR.iterdir():
            if old.is_dir():
                shutil.rmtree(old)
        shutil.copy(root / "small_trace.tar.xz", SMALL_TRACE_ARCHIVE)
        for case in cases:
            target = SNAPSHOT_DIR / case.name
            target.mkdir()
            for name in (HARDWARE_FILE, *OUTPUT_FILES):
                shutil.copy(root / "out" / case.name / name, target / name)
    manifest = {
        "random_seed": RANDOM_SEED,
        "random_draws": draws,
        "cases": [{"name": c.name, "trace": c.trace} for c in cases],
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n")
    print(
        f"{len(cases)} cases ({len(randoms)} random, accepted from {draws} draws) in {SNAPSHOT_DIR}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="rerun every case with the current estimator and store the outputs",
    )
    parser.add_argument("--build-dir", type=Path, default=estimator.DEFAULT_BUILD_DIR)
    args = parser.parse_args()
    if not args.regenerate:
        parser.error("nothing to do: pass --regenerate")
    regenerate(args.build_dir)


if __name__ == "__main__":
    main()
