"""Bad input is rejected before any job, with a message naming what is wrong; outputs are never
corrupted by planted names or concurrent writers; configs cannot run code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow

from cimtrain import config as run_config
from cimtrain import files, hardware
from cimtrain import trace as traces

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpora"))
import corpus  # noqa: E402

DEMO = REPO / "config" / "demo.yaml"


def cimtrain(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "cimtrain.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


# ----------------------------------------------------------------------------- configs

@pytest.mark.parametrize("case", corpus.CONFIG_CASES, ids=lambda c: " ".join(c["set"])[:60])
def test_bad_config_is_rejected_naming_the_problem(case):
    if case.get("needs_no_gpu"):
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(run_config.ConfigError) as error:
        run_config.load(DEMO, case["set"])
    assert case["expect"] in str(error.value)
    assert str(DEMO) in str(error.value) or "--set" in str(error.value)


def test_validate_config_checks_what_the_workflow_checks():
    """The CLI runs the same validation: a hardware, geometry and sweep.base error each exit 1."""
    for override, message in [("hardware.subarray_rows=24", "not a power of two"),
                              ("model.layers=[{type: fc, out: 3}]", "10 classes"),
                              ("sweep.base=/no/such.yaml", "does not exist")]:
        extra = ["--set", "sweep.name=s"] if override.startswith("sweep") else []
        result = cimtrain("validate-config", "--config", str(DEMO), "--set", override, *extra)
        assert result.returncode == 1 and message in result.stderr
        assert "Traceback" not in result.stderr


def test_every_shipped_config_passes_the_whole_validation():
    for path in [REPO / "config.yaml", *sorted((REPO / "config").rglob("*.yaml"))]:
        run_config.load(path)


@pytest.mark.parametrize(("text", "message"), [
    ("__use_yte__: true\nepochs: 2\n", "__use_yte__: configs are data"),
    ("epochs: !!python/object/apply:os.system ['true']\n", "tags that build objects"),
    ("seed: !!python/name:os.system\n", "tags that build objects"),
    ("epochs: [1\n", "not valid YAML"),
    ("- 1\n- 2\n", "expected a mapping"),
])
def test_code_bearing_or_broken_yaml_is_refused(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(run_config.ConfigError, match=message):
        run_config.load(path)
    # A sweep base is read the same way.
    with pytest.raises(run_config.ConfigError, match=message):
        run_config.load(DEMO, ["sweep.name=s", f"sweep.base={path}"])


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("seed: 1\nepochs: [2\ntrain: {}\n")
    result = cimtrain("validate-config", "--config", str(path))
    assert result.returncode == 1 and "line 3" in result.stderr


@pytest.mark.slow
def test_snakefile_refuses_yte_and_nan_before_any_job(tmp_path):
    """The Snakefile's guard and validation stop `snakemake -n` with the config's message."""
    root = copy_workflow(tmp_path / "wf")
    (root / "config.yaml").write_text("__use_yte__: true\nepochs: 2\n")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(["snakemake", "-n", "--cores", "1"], cwd=root, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "__use_yte__: configs are data" in result.stdout + result.stderr
    (root / "config.yaml").write_text(yaml.safe_dump({"device": {"sigma_c2c": float("nan")}}))
    result = subprocess.run(["snakemake", "-n", "--cores", "1"], cwd=root, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "device.sigma_c2c = .nan" in result.stderr and "not a finite number" in result.stderr
    assert not (root / "results").exists()


# ----------------------------------------------------------------------------- atomic outputs

def test_planted_partial_symlink_is_never_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / ".hw.txt.part").symlink_to(victim)
    result = cimtrain("hardware-file", "--config", str(DEMO), "--out", str(tmp_path / "hw.txt"))
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "keep"
    assert "subarray_rows = 32" in (tmp_path / "hw.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hw.txt.part", "hw.txt",
                                                          "victim.txt"]


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "out.json").symlink_to(victim)
    files.write_json({"a": 1}, tmp_path / "out.json")
    assert victim.read_text() == "keep" and not (tmp_path / "out.json").is_symlink()


def test_failed_write_leaves_neither_output_nor_temporary(tmp_path):
    with pytest.raises(RuntimeError), files.replaced_atomically(tmp_path / "x.csv") as partial:
        partial.write_text("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_concurrent_writers_of_one_file_each_write_whole_content(tmp_path):
    target = tmp_path / "shared.txt"
    payloads = [bytes([65 + i]) * 200_000 for i in range(8)]
    threads = [threading.Thread(target=files.write_bytes, args=(target, p)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["shared.txt"]


def test_temporaries_left_by_killed_writers_are_removed_and_nothing_else(tmp_path):
    # What kill -9 leaves mid-write: a file's temporary and a directory's.
    (tmp_path / ".plot.png.k3j9.part").write_bytes(b"half")
    (tmp_path / ".trace.x81q.partial").mkdir()
    (tmp_path / ".trace.x81q.partial" / "layer_1.csv").write_text("half")
    kept = ["plot.png", ".lock", ".other.png.k3j9.part", "trace.csv"]
    for name in kept:
        (tmp_path / name).write_text("keep")
    removed = files.remove_leftover_temporaries([tmp_path / "plot.png", tmp_path / "trace",
                                                 tmp_path / "missing" / "x.csv"])
    assert sorted(p.name for p in removed) == [".plot.png.k3j9.part", ".trace.x81q.partial"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_hardware_file_to_a_directory_is_refused(tmp_path):
    result = cimtrain("hardware-file", "--config", str(DEMO), "--out", str(tmp_path))
    assert result.returncode == 1 and "is a directory" in result.stderr


# ----------------------------------------------------------------------------- traces

@pytest.fixture(scope="module")
def small_trace(tmp_path_factory):
    return corpus.small_trace(tmp_path_factory.mktemp("small") / "trace")


@pytest.mark.parametrize("name", sorted(corpus.TRACE_CASES))
def test_trace_validate_rejects_each_trace_mutation(small_trace, tmp_path, name, capsys):
    mutate, message, _ = corpus.TRACE_CASES[name]
    damaged = tmp_path / name
    shutil.copytree(small_trace, damaged)
    mutate(damaged)
    with pytest.raises(traces.TraceError) as error:
        traces.validate_trace(damaged)
    assert message in str(error.value)
    from cimtrain import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["trace-validate", str(damaged)])
    assert exited.value.code == 1
    assert message in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(corpus.TRACE_CASES))
def test_estimator_rejects_each_trace_mutation_naming_the_file(neurosim_binary, small_trace,
                                                               tmp_path, name):
    mutate, _, message = corpus.TRACE_CASES[name]
    damaged = tmp_path / name
    shutil.copytree(small_trace, damaged)
    mutate(damaged)
    hardware_file = tmp_path / "hw.txt"
    hardware_file.write_text(corpus.SMALL_HARDWARE)
    result = subprocess.run([str(neurosim_binary), "--trace", str(damaged), "--hardware",
                             str(hardware_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and str(damaged) in result.stderr
    assert not (tmp_path / "out" / "neurosim.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", corpus.HARDWARE_CASES, ids=lambda c: c["text"][:30])
def test_estimator_rejects_each_bad_hardware_file(neurosim_binary, small_trace, tmp_path, case):
    hardware_file = tmp_path / "hw.txt"
    hardware_file.write_text(case["text"])
    result = subprocess.run([str(neurosim_binary), "--trace", str(small_trace), "--hardware",
                             str(hardware_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and case["expect"] in result.stderr
    assert str(hardware_file) in result.stderr


@pytest.mark.slow
def test_estimator_refuses_a_directory_as_hardware_file(neurosim_binary, small_trace, tmp_path):
    result = subprocess.run([str(neurosim_binary), "--trace", str(small_trace), "--hardware",
                             str(tmp_path), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "not a regular file" in result.stderr


@pytest.mark.slow
def test_small_trace_estimates_and_checksums_are_verified_by_the_estimator(
        neurosim_binary, small_trace, tmp_path):
    hardware_file = tmp_path / "hw.txt"
    hardware_file.write_text(corpus.SMALL_HARDWARE)
    result = subprocess.run([str(neurosim_binary), "--trace", str(small_trace), "--hardware",
                             str(hardware_file), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "neurosim.csv").is_file()


@pytest.mark.slow
def test_two_estimates_into_one_out_directory_each_print_their_own(neurosim_build_dir,
                                                                   small_trace, tmp_path):
    """Two `cimtrain estimate --out SAME` at once: each prints the figures of its own design."""
    designs = {"fefet": [], "rram": ["--set", "hardware.memory_cell=rram"]}
    base = ["estimate", "--trace", str(small_trace), "--config", str(DEMO), "--set",
            "hardware.subarray_rows=8", "--set", "hardware.subarray_cols=8", "--set",
            "hardware.columns_per_adc=8", "--build-dir", str(neurosim_build_dir)]
    alone = {name: cimtrain(*base, *extra, "--out", str(tmp_path / name))
             for name, extra in designs.items()}
    assert all(r.returncode == 0 for r in alone.values()), [r.stderr for r in alone.values()]
    assert alone["fefet"].stdout != alone["rram"].stdout
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    shared = tmp_path / "shared"
    running = {name: subprocess.Popen([sys.executable, "-m", "cimtrain.cli", *base, *extra,
                                       "--out", str(shared)], cwd=REPO, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name, extra in designs.items()}
    for name, process in running.items():
        stdout, stderr = process.communicate()
        assert process.returncode == 0, stderr
        assert stdout == alone[name].stdout
    assert (shared / "neurosim.csv").read_text() in (alone["fefet"].stdout, alone["rram"].stdout)
    assert sorted(p.name for p in shared.iterdir()) == [
        ".lock", "floorplan.json", "hardware.txt", "layers.csv", "neurosim.csv"]


def test_hardware_rules_match_the_estimator_defaults():
    """The defaults of the hardware schema pass every design rule (a rule is no stricter than
    the estimator)."""
    settings = hardware.check_design({}, "defaults", weight_bits=5)
    assert settings["subarray_rows"] == 128


@pytest.mark.slow
@pytest.mark.parametrize("rows", [8, 16])
def test_small_crossbar_sub_arrays_give_finite_figures(neurosim_binary, small_trace, tmp_path,
                                                       rows):
    # Sub-arrays shorter than one logic gate: their drivers overhang the array (were NaN).
    hardware_file = tmp_path / "hw.txt"
    hardware_file.write_text(f"subarray_rows = {rows}\nsubarray_cols = {rows}\n"
                             "columns_per_adc = 8\nmemory_cell = rram\naccess_type = crossbar\n")
    out = tmp_path / "out"
    result = subprocess.run([str(neurosim_binary), "--trace", str(small_trace), "--hardware",
                             str(hardware_file), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in ("neurosim.csv", "layers.csv"):
        table = pd.read_csv(out / name).select_dtypes("number")
        assert np.isfinite(table.to_numpy()).all(), name
        assert (table.filter(like="area").to_numpy() > 0).all(), name
