"""Files the package ships, found with importlib.resources whatever the install.

- schemas/: the config and hardware schemas (`schema_path`);
- neurosim/: the estimator's C++ sources, copied into wheels at build time (setup.py). An editable
  install or a checkout has none there and uses the checkout's NeuroSIM/ instead.

Built estimators go to a per-user cache (`cache_dir`): $CIMTRAIN_CACHE_DIR, else
$XDG_CACHE_HOME/cimtrain, else ~/.cache/cimtrain.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE = "cimtrain"
ESTIMATOR_SOURCES = "neurosim"
CHECKOUT_ESTIMATOR_SOURCES = Path(__file__).resolve().parents[2] / "NeuroSIM"


def package_path(*parts: str) -> Path:
    """A file or directory shipped inside the package, as a file-system path."""
    found = resources.files(PACKAGE).joinpath(*parts)
    if not isinstance(found, Path):
        raise RuntimeError(f"{PACKAGE} is installed as an archive; install it into a directory")
    return found


def schema_path(name: str) -> Path:
    return package_path("schemas", name)


def neurosim_source_dir() -> Path:
    """The estimator's sources: the packaged copy, else the checkout's NeuroSIM/."""
    for candidate in (package_path(ESTIMATOR_SOURCES), CHECKOUT_ESTIMATOR_SOURCES):
        if (candidate / "CMakeLists.txt").is_file():
            return candidate
    raise FileNotFoundError(
        f"the estimator's sources are missing: neither {package_path(ESTIMATOR_SOURCES)} nor "
        f"{CHECKOUT_ESTIMATOR_SOURCES} holds CMakeLists.txt; reinstall cimtrain"
    )


def cache_dir() -> Path:
    """Where per-user builds of the estimator live."""
    if os.environ.get("CIMTRAIN_CACHE_DIR"):
        return Path(os.environ["CIMTRAIN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cimtrain"
