"""The package works without a checkout: a plain (non-editable) install estimates from anywhere.

Installs a copy of the sources into a fresh virtual environment that reuses the system's
site-packages (no download: torch and the other dependencies are already there), then runs
`cimtrain estimate` from an unrelated directory on the small snapshot trace. Its outputs must be
those of the snapshot: the packaged estimator sources, schemas and data are the checkout's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import pytest
import snapshot_neurosim as snapshot

REPO = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "NeuroSIM"]
TORCH_FREE_MODULES = ["plots", "summary", "sweep_summary", "accuracy_curves", "workflow_io",
                      "estimator"]

pytestmark = pytest.mark.slow


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment without this checkout on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return {**env, **extra}


@pytest.mark.parametrize("module", TORCH_FREE_MODULES)
def test_plotting_and_summaries_do_not_import_torch(module: str) -> None:
    code = f"import sys, cimtrain.{module}; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with cimtrain installed from a copy of the sources, not editable."""
    root = tmp_path_factory.mktemp("package")
    copy = root / "source"
    copy.mkdir()
    for name in PACKAGE_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name,
                            ignore=shutil.ignore_patterns("build", "__pycache__", "*.egg-info"))
        else:
            shutil.copy(source, copy / name)
    environment = root / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(environment)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         str(copy)],
        check=True, capture_output=True, env=clean_environment(), cwd=root,
    )
    shutil.rmtree(copy)  # the install must not need its sources
    return environment


def test_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "import cimtrain.resources as r; print(r.neurosim_source_dir()); "
         "print(r.schema_path('hardware.schema.yaml'))"],
        capture_output=True, text=True, check=True, env=clean_environment(), cwd=tmp_path,
    )
    for line in result.stdout.splitlines():
        assert Path(line).is_relative_to(installed), line
        assert Path(line).exists(), line


def test_installed_cimtrain_estimates_from_any_directory(installed: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    with tarfile.open(snapshot.SMALL_TRACE_ARCHIVE) as archive:
        archive.extractall(trace, filter="data")
    config = shutil.copy(REPO / "config" / "hardware" / "cal_rram_32.yaml", tmp_path / "hw.yaml")
    cimtrain = str(installed / "bin" / "cimtrain")
    env = clean_environment(CIMTRAIN_CACHE_DIR=str(tmp_path / "cache"))
    helped = subprocess.run([cimtrain, "estimate", "--help"], capture_output=True, text=True,
                            env=env, cwd=tmp_path)
    assert helped.returncode == 0 and "--trace" in helped.stdout
    result = subprocess.run(
        [cimtrain, "estimate", "--trace", str(trace), "--config", str(config), "--out", "out"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = snapshot.SNAPSHOT_DIR / "cal_rram_32__small"
    for name in snapshot.OUTPUT_FILES:
        assert (tmp_path / "out" / name).read_text() == (expected / name).read_text(), name
