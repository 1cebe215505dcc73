"""Shared fixtures: paths of the repository and of shared/, and tiny configurations."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cimtrain import config as run_config

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

TINY_LAYERS = [
    {"type": "conv", "out": 4, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 8, "kernel": 3},
    {"type": "pool", "size": 4},
    {"type": "fc", "out": 16},
    {"type": "fc", "out": 10},
]


WORKFLOW_FILES = ["Snakefile", "config.yaml", "config", "workflow", "NeuroSIM", "data"]


def copy_workflow(root: Path) -> Path:
    """A copy of the workflow's files (no results, no build) to run Snakemake in."""
    root.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("build"))
        else:
            shutil.copy(source, root / name)
    return root


def tiny_config(**sections: dict) -> dict:
    """A validated config of a tiny network on digits, with sections overridden."""
    config = {
        "seed": 5,
        "epochs": 2,
        "dataset": {"name": "digits"},
        "model": {"layers": copy.deepcopy(TINY_LAYERS)},
        "device": {"sigma_d2d": 0.1},
        "train": {"batch_size": 64, "augment": True, "device": "cpu"},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    return run_config.validate(config)


@pytest.fixture
def tiny() -> dict:
    return tiny_config()


def make_trace(out: Path, network: Path, seed: int) -> Path:
    """The synthetic trace shared/calibration/make_traces.py cuts for `network` with `seed`."""
    subprocess.run([sys.executable, str(SHARED / "calibration" / "make_traces.py"),
                    "--network", str(network), "--seed", str(seed), "--out", str(out)],
                   check=True, capture_output=True)
    return out


def make_calibration_trace(out: Path) -> Path:
    """The VGG-8 trace the reference runs of shared/calibration saw (make_traces.py, seed 1)."""
    return make_trace(out, SHARED / "calibration" / "networks" / "vgg8.csv", 1)


@pytest.fixture(scope="session")
def calibration_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_calibration_trace(tmp_path_factory.mktemp("calibration") / "trace")


@pytest.fixture(scope="session")
def neurosim_build_dir(request: pytest.FixtureRequest) -> Path:
    """NeuroSIM and its unit tests, built once into pytest's cache."""
    from cimtrain import estimator

    directory = Path(request.config.cache.mkdir("neurosim-build"))
    estimator.build(directory, log=lambda _: None, with_tests=True)
    return directory


@pytest.fixture(scope="session")
def neurosim_binary(neurosim_build_dir: Path) -> Path:
    return neurosim_build_dir / "neurosim"
