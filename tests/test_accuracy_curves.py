"""The accuracy study's spread over seeds: the table and figure, and the workflow rule that makes
them from a sweep over train.reference_quirks x seed (.test/config/accuracy_tiny.yaml)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, copy_workflow

from cimtrain import accuracy_curves as ac
from cimtrain import sweep_summary

SWEEP = "results/sweeps/accuracy_tiny"
MODES = ("reference_quirks=none", "reference_quirks=all")
SEEDS = (3, 4)
EPOCHS = 2


def test_spread_of_three_seeds_in_closed_form():
    table = ac.spread_table({"a": [[0.5, 0.7], [0.25, 0.9], [0.75, 0.8]], "b": [[0.1]]})
    assert table.columns.tolist() == ac.COLUMNS
    rows = table.set_index(["mode", "epoch"])
    assert rows.loc[("a", 1)].tolist() == [3, 0.5, 0.25, 0.75]
    assert rows.loc[("a", 2)].tolist() == pytest.approx([3, 0.8, 0.7, 0.9])
    assert rows.loc[("b", 1)].tolist() == [1, 0.1, 0.1, 0.1]


def test_a_run_that_stopped_early_leaves_its_later_epochs():
    rows = ac.spread_table({"a": [[0.5, 0.6], [0.7]]}).set_index("epoch")
    assert rows.loc[1, "seeds"] == 2 and rows.loc[2, "seeds"] == 1
    assert rows.loc[2, "test_accuracy_mean"] == 0.6


def test_points_differing_only_in_seed_form_one_mode():
    points = {
        "r/none1": {"point": "p1", "train.reference_quirks": "none", "seed": 1},
        "r/all1": {"point": "p2", "train.reference_quirks": "all", "seed": 1},
        "r/none2": {"point": "p3", "train.reference_quirks": "none", "seed": 2},
        "r/plain": {"point": "p4", "seed": 7},
    }
    assert ac.runs_by_mode(points) == {"reference_quirks=none": ["r/none1", "r/none2"],
                                       "reference_quirks=all": ["r/all1"], "base": ["r/plain"]}


def write_metrics(run: Path, accuracies: list[float]) -> list[Path]:
    paths = []
    for epoch, accuracy in enumerate(accuracies, start=1):
        path = run / f"epoch_{epoch:03d}" / "metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"epoch": epoch, "test_accuracy": accuracy}))
        paths.append(path)
    return paths


def test_metrics_with_a_gap_are_refused(tmp_path):
    files = write_metrics(tmp_path / "run", [0.5, 0.6, 0.7])
    with pytest.raises(ValueError, match=r"epochs \[1, 3\]"):
        ac.accuracy_by_run([files[0], files[2]])


def test_benchmark_reads_results_directories(tmp_path):
    """benchmarks/accuracy_curves.py: several --run of one name are the seeds of one mode."""
    write_metrics(tmp_path / "none_1", [0.5, 0.75])
    write_metrics(tmp_path / "none_2", [0.25, 0.25])
    write_metrics(tmp_path / "all_1", [0.5])
    out = tmp_path / "curves.png"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "accuracy_curves.py"),
         "--run", f"none={tmp_path / 'none_1'}", "--run", f"none={tmp_path / 'none_2'}",
         "--run", f"all={tmp_path / 'all_1'}", "--out", str(out)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "| 1 | 37.5% (25.0%–50.0%) | 50.0% |" in result.stdout
    assert "| 2 | 50.0% (25.0%–75.0%) |  |" in result.stdout
    assert out.stat().st_size > 0 and out.with_suffix(".svg").is_file()


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The tiny study run through Snakemake up to its accuracy curves (training only)."""
    root = copy_workflow(tmp_path_factory.mktemp("accuracy") / "cimtrain")
    shutil.copytree(REPO / ".test", root / ".test")
    command = [sys.executable, "-m", "snakemake", "--cores", "2",
               f"{SWEEP}/summary/accuracy_curves.csv", f"{SWEEP}/plots/accuracy_curves.png",
               "--configfile", ".test/config/accuracy_tiny.yaml"]
    planned = subprocess.run([*command, "-n"], cwd=root, capture_output=True, text=True,
                             timeout=300)
    assert planned.returncode == 0, planned.stderr[-3000:]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return root, planned.stdout


@pytest.mark.slow  # the study through Snakemake: about a minute on 2 idle cores
def test_the_study_trains_only_what_its_curves_need(study):
    _, planned = study
    rules = {line.split()[1].rstrip(":") for line in planned.splitlines()
             if line.startswith("rule ")}
    assert rules == {"dataset", "device", "init_model", "train_epoch", "sweep_accuracy_curves"}


@pytest.mark.slow  # the study through Snakemake: about a minute on 2 idle cores
def test_the_curves_are_the_spread_of_the_runs_metrics(study):
    root, _ = study
    table = pd.read_csv(root / SWEEP / "summary" / "accuracy_curves.csv")
    assert table.columns.tolist() == ac.COLUMNS
    assert sorted(zip(table["mode"], table["epoch"], strict=True)) == sorted(
        (mode, epoch) for mode in MODES for epoch in range(1, EPOCHS + 1))
    for row in table.itertuples():
        quirks = row.mode.split("=", 1)[1]
        accuracies = [
            json.loads((root / SWEEP / f"reference_quirks={quirks}+seed={seed}"
                        / f"epoch_{row.epoch:03d}" / "metrics.json").read_text())["test_accuracy"]
            for seed in SEEDS
        ]
        assert row.seeds == len(SEEDS)
        assert row.test_accuracy_min <= row.test_accuracy_mean <= row.test_accuracy_max
        assert (row.test_accuracy_min, row.test_accuracy_max) == (min(accuracies),
                                                                  max(accuracies))
        assert row.test_accuracy_mean == pytest.approx(sum(accuracies) / len(accuracies),
                                                       rel=1e-12)


@pytest.mark.slow  # the study through Snakemake: about a minute on 2 idle cores
def test_the_figure_and_the_log_exist(study):
    root, _ = study
    for suffix in ("png", "svg"):
        assert (root / SWEEP / "plots" / f"accuracy_curves.{suffix}").stat().st_size > 1000
    log = (root / "logs" / "sweeps" / "accuracy_tiny" / "accuracy_curves.log").read_text()
    assert "accuracy curves of 2 modes" in log


def test_sweep_hardware_figure_takes_each_runs_last_estimate():
    """With epoch_numbering a run estimates epochs 1, 6, ..., 26 of 30, beside 5, ..., 30."""
    hardware = pd.DataFrame({"point": ["none"] * 2 + ["all"] * 2, "variant": [""] * 4,
                             "epoch": [25, 30, 21, 26], "energy_total_j": [1.0, 2.0, 3.0, 4.0]})
    last = sweep_summary.last_estimates(hardware)
    assert last[["point", "epoch"]].values.tolist() == [["none", 30], ["all", 26]]
