"""Shared fixtures: paths of the repository and of shared/, and tiny configurations."""

from __future__ import annotations

import copy
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
