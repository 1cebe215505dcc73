"""Ships the estimator's C++ sources inside the package (cimtrain/neurosim/ of a wheel).

Everything else is declared in pyproject.toml. The sources stay in NeuroSIM/ of the checkout;
building a wheel copies them, and cimtrain compiles them with CMake on first use
(cimtrain.estimator.build). Editable installs read the checkout's NeuroSIM/ directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ESTIMATOR_SOURCES = Path(__file__).resolve().parent / "NeuroSIM"
NOT_SOURCES = shutil.ignore_patterns("build", "build-*", "__pycache__", ".*")


class BuildPyWithEstimator(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "cimtrain" / "neurosim"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ESTIMATOR_SOURCES, target, ignore=NOT_SOURCES)


setup(cmdclass={"build_py": BuildPyWithEstimator})
