"""Building the estimator is safe to kill at any point and to run twice at once.

Uses a one-file CMake project in place of NeuroSIM so that each build takes a second or two; the
build logic (cimtrain.estimator.build) is the same for both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cimtrain import estimator

CMAKE = """cmake_minimum_required(VERSION 3.16)
project(Tiny LANGUAGES CXX)
add_executable(neurosim main.cpp)
"""
MAIN = '#include <cstdio>\nint main() { std::puts("%s"); return 0; }\n'


def tiny_sources(root: Path, greeting: str = "hello") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "CMakeLists.txt").write_text(CMAKE)
    (root / "main.cpp").write_text(MAIN % greeting)
    return root


def build_command(source: Path, build_dir: Path | None) -> list[str]:
    target = "None" if build_dir is None else f"r'{build_dir}'"
    code = (
        "from pathlib import Path; from cimtrain import estimator; "
        f"b = estimator.build({target} and Path({target}), Path(r'{source}'), log=lambda _: None); "
        "print(b)"
    )
    return [sys.executable, "-c", code]


def output_of(binary: Path) -> str:
    return subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMTRAIN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_build_dir_left_by_a_killed_configure_is_rebuilt(tmp_path: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    # What a configure killed early leaves: a cache naming another source tree.
    (build_dir / "CMakeCache.txt").write_text("CMAKE_HOME_DIRECTORY:INTERNAL=/elsewhere\n")
    binary = estimator.build(build_dir, source, log=lambda _: None)
    assert output_of(binary) == "hello\n"


def test_build_killed_at_any_point_then_rerun_succeeds(tmp_path: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    for delay_s in (0.2, 0.6, 1.2):
        build_dir = tmp_path / f"build_{delay_s}"
        process = subprocess.Popen(build_command(source, build_dir), start_new_session=True)
        time.sleep(delay_s)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        binary = estimator.build(build_dir, source, log=lambda _: None)
        assert output_of(binary) == "hello\n"


def test_incremental_build_follows_the_sources(tmp_path: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    build_dir = tmp_path / "build"
    estimator.build(build_dir, source, log=lambda _: None)
    tiny_sources(source, "changed")
    assert output_of(estimator.build(build_dir, source, log=lambda _: None)) == "changed\n"


def test_cached_build_is_keyed_by_the_sources(tmp_path: Path, cache: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    first = estimator.build(None, source, log=lambda _: None)
    assert first.parent.parent == cache and output_of(first) == "hello\n"
    assert estimator.build(None, source, log=lambda _: None) == first
    tiny_sources(source, "changed")
    second = estimator.build(None, source, log=lambda _: None)
    assert second != first and output_of(second) == "changed\n"


def test_two_cached_builds_at_once_agree(tmp_path: Path, cache: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    env = {**os.environ, "CIMTRAIN_CACHE_DIR": str(cache)}
    processes = [
        subprocess.Popen(build_command(source, None), stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    binaries = {process.communicate()[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(binaries) == 1 and output_of(Path(binaries.pop())) == "hello\n"
    assert not list(cache.glob(".neurosim-*")), "a temporary build directory was left behind"


def test_killed_cached_build_leaves_nothing_that_looks_built(tmp_path: Path, cache: Path) -> None:
    source = tiny_sources(tmp_path / "src")
    env = {**os.environ, "CIMTRAIN_CACHE_DIR": str(cache)}
    process = subprocess.Popen(build_command(source, None), env=env, start_new_session=True)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # The kill may come before or after the build finished (a loaded machine is slow): a build
    # directory under its final name is always a complete, working one.
    for finished in (p for p in cache.glob("neurosim-*") if p.is_dir()):
        assert output_of(finished / "neurosim") == "hello\n"
    assert output_of(estimator.build(None, source, log=lambda _: None)) == "hello\n"
    assert not list(cache.glob(".neurosim-*"))
