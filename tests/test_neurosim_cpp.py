"""Runs the estimator's C++ unit tests (scaling laws, parsing, floorplan) through CTest."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(__file__).resolve().parents[1] / "NeuroSIM"


@pytest.fixture(scope="session")
def build_dir(neurosim_build_dir: Path) -> Path:
    return neurosim_build_dir


def test_ctest_passes(build_dir: Path) -> None:
    result = subprocess.run(
        ["ctest", "--output-on-failure"], cwd=build_dir, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_is_warning_free(build_dir: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "build"
    subprocess.run(
        ["cmake", "-S", str(SOURCE_DIR), "-B", str(fresh), "-DCMAKE_BUILD_TYPE=Release"],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(["cmake", "--build", str(fresh), "-j2"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()
