"""End to end: the Snakemake workflow on a tiny offline configuration.

Runs once per session in a copy of the workflow; later tests dry-run changes against it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workflow

pytestmark = pytest.mark.slow

EPOCHS = 3
TINY = {
    "results_dir": "results/tiny",
    "seed": 3,
    "epochs": EPOCHS,
    "dataset": {"name": "digits"},
    # Wide enough for 32x32 sub-arrays under the novel mapping.
    "model": {"layers": [
        {"type": "conv", "out": 16, "kernel": 3},
        {"type": "pool", "size": 2},
        {"type": "conv", "out": 64, "kernel": 3},
        {"type": "pool", "size": 4},
        {"type": "fc", "out": 32},
        {"type": "fc", "out": 10},
    ]},
    "device": {"sigma_d2d": 0.05},
    "train": {"batch_size": 128, "device": "cpu"},
    "trace": {"every": 2},
    "hardware": {"subarray_rows": 32, "subarray_cols": 32},
}


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    path = workdir / "config" / "under_test.yaml"
    path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/under_test.yaml", "-c2",
               *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)


def planned_jobs(workdir: Path, config: dict) -> dict[str, int]:
    """Rule -> job count of a dry run."""
    result = snakemake(workdir, config, "-n")
    assert result.returncode == 0, result.stderr
    counts: dict[str, int] = {}
    in_table = False
    for line in result.stdout.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
        elif in_table and line.strip() == "":
            break
        elif in_table and not line.startswith("-"):
            name, count = line.split()
            if name != "total":
                counts[name] = int(count)
    return counts


def with_section(section: str, **values: object) -> dict:
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config.setdefault(section, {}).update(values)
    return config


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_workflow(tmp_path_factory.mktemp("workflow"))
    result = snakemake(root, TINY)
    assert result.returncode == 0, result.stderr[-4000:]
    return root


def test_run_writes_every_epoch(workdir):
    for epoch in range(EPOCHS + 1):
        assert (workdir / f"results/tiny/epoch_{epoch:03d}/checkpoint.pt").is_file()
    summary = (workdir / "results/tiny/summary/training.csv").read_text().splitlines()
    assert len(summary) == EPOCHS + 1
    assert (workdir / "logs/results/tiny/train/epoch_002.log").read_text().count("batch") >= 2


def test_traced_epochs_are_estimated_and_traces_removed(workdir):
    estimated = sorted(p.parent.name for p in workdir.glob("results/tiny/epoch_*/neurosim.csv"))
    assert estimated == ["epoch_002", "epoch_003"]  # every 2nd epoch and the last
    for name in estimated:
        assert (workdir / "results/tiny" / name / "floorplan.json").is_file()
        assert not (workdir / "results/tiny" / name / "trace").exists()  # temporary by default
    header = (workdir / "results/tiny/epoch_003/neurosim.csv").read_text().splitlines()[0]
    assert header.startswith("area_total_m2")


def test_unchanged_config_reruns_nothing(workdir):
    assert planned_jobs(workdir, TINY) == {}


def test_training_option_reruns_training_onward(workdir):
    jobs = planned_jobs(workdir, with_section("train", batch_size=100))
    assert jobs.get("train_epoch") == EPOCHS
    assert not {"dataset", "device", "init_model"} & set(jobs)


def test_reference_quirks_rerun_training_only(workdir):
    jobs = planned_jobs(workdir, with_section("train", reference_quirks="all"))
    assert jobs.get("train_epoch") == EPOCHS
    assert not {"dataset", "device", "init_model"} & set(jobs)


def test_epoch_numbering_estimates_the_references_epochs(workdir):
    """Epochs 1, 2, 3 traced every 2nd: the reference estimates after its indices 0 and 2."""
    config = with_section("train", reference_quirks=["epoch_numbering"])
    result = snakemake(workdir, config, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    estimated = set(re.findall(r"results/tiny/(epoch_\d{3})/neurosim\.csv", result.stdout))
    assert estimated == {"epoch_001", "epoch_003"}


def test_device_option_reruns_device_onward(workdir):
    jobs = planned_jobs(workdir, with_section("device", sigma_c2c=0.01))
    assert jobs.get("device") == 1 and jobs.get("train_epoch") == EPOCHS
    assert not {"dataset", "init_model"} & set(jobs)


def test_hardware_option_reruns_only_estimates(workdir):
    jobs = planned_jobs(workdir, with_section("hardware", clock_frequency_hz=5e8))
    assert jobs.get("neurosim") == 2 and jobs.get("hardware_file") == 1
    # The traces are temporary, so they are cut again from the unchanged checkpoints.
    assert not {"dataset", "device", "init_model", "train_epoch", "build_neurosim"} & set(jobs)


def test_bad_hardware_key_stops_before_any_job(workdir):
    result = snakemake(workdir, with_section("hardware", subarray_rowz=64), "-n")
    assert result.returncode != 0
    assert "subarray_rowz" in result.stderr + result.stdout


def test_sub_arrays_too_large_for_the_network_stop_before_training(workdir):
    config = with_section("hardware", subarray_rows=256, subarray_cols=256)
    result = snakemake(workdir, config, "-n")
    assert result.returncode != 0
    # The network fills too few rows (novel mapping) and columns for 256-row sub-arrays.
    output = result.stderr + result.stdout
    assert output.count("\n") <= 10 and "config error" in output
    assert "subarray_rows = 256" in output


def test_deleted_middle_epoch_is_regenerated_identically(workdir):
    paths = [workdir / f"results/tiny/epoch_{e:03d}/checkpoint.pt" for e in range(2, EPOCHS + 1)]
    before = [p.read_bytes() for p in paths]
    shutil.rmtree(paths[0].parent)
    result = snakemake(workdir, TINY)
    assert result.returncode == 0, result.stderr[-4000:]
    assert [p.read_bytes() for p in paths] == before


def test_rerun_removes_the_temporary_a_killed_job_left(workdir):
    # kill -9 while a figure is written leaves its temporary beside the missing figure.
    plots = workdir / "results/tiny/plots"
    leftover = plots / ".device_curves.png.k3j9.part"
    (plots / "device_curves.png").rename(leftover)
    result = snakemake(workdir, TINY)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (plots / "device_curves.png").is_file() and not leftover.exists()


def test_bad_key_stops_before_any_job_in_one_paragraph(workdir):
    result = snakemake(workdir, with_section("train", batch_sise=100), "-n")
    assert result.returncode != 0
    lines = [line for line in (result.stderr + result.stdout).splitlines()
             if line.strip() and "is extended by" not in line]
    assert len(lines) <= 10, lines
    assert lines[0] == "config error in config/under_test.yaml: train.batch_sise = 100"
    assert "did you mean batch_size?" in lines[1]
    assert "allowed keys here:" in lines[2] and "momentum" in lines[2]


def test_bad_value_names_the_value_and_what_is_allowed(workdir):
    result = snakemake(workdir, with_section("device", preset="fefett"), "-n")
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "device.preset = fefett" in output
    assert "allowed: one of: null, ideal, fefet, ag_si" in output


def test_lint_is_clean(workdir):
    result = snakemake(workdir, TINY, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


PLOTS = {  # name: (width, height) in inches at the configured dpi
    "accuracy_loss": (8, 3.2),
    "device_curves": (8, 3.2),
    "input_activity": (5, 3.2),
    "chip_area": (5, 3.4),
    "energy_latency_phases": (8, 3.4),
    "layer_breakdown": (9, 3.6),
}


@pytest.mark.parametrize("name", sorted(PLOTS) + ["weight_distributions"])
def test_plots_are_real_images(workdir, name):
    import xml.etree.ElementTree as ElementTree

    import matplotlib.image

    image = matplotlib.image.imread(workdir / f"results/tiny/plots/{name}.png")
    if name in PLOTS:
        width, height = PLOTS[name]
        assert image.shape[:2] == (round(height * 150), round(width * 150))
    assert image[..., :3].std() > 0.05  # not blank
    root = ElementTree.parse(workdir / f"results/tiny/plots/{name}.svg").getroot()
    assert root.tag.endswith("svg")


def test_plot_option_reruns_only_plots(workdir):
    jobs = planned_jobs(workdir, with_section("plots", dpi=80))
    assert set(jobs) == {"plot_training", "plot_device", "plot_hardware", "all"}


def test_report_builds(workdir):
    result = snakemake(workdir, TINY, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-4000:]
    html = (workdir / "results/report.html").read_text(errors="replace")
    assert "accuracy_loss" in html and "device_curves" in html and "digits" in html


SWEEP = {
    "name": "tiny",
    "base": "config/under_test_base.yaml",
    "training": {"grid": {"device.nonlinearity_ltp": [1.0, 3.0]}},
    "hardware": {"points": [{"name": "base", "set": {}},
                            {"name": "adc4", "set": {"hardware.columns_per_adc": 4}}]},
}


def sweep_config(**sweep: object) -> dict:
    return {"sweep": {**SWEEP, **sweep}}


@pytest.fixture(scope="module")
def sweep_workdir(workdir: Path) -> Path:
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    base = demo | {"epochs": 2, "trace": {"every": 2}}
    (workdir / "config" / "under_test_base.yaml").write_text(yaml.safe_dump(base))
    result = snakemake(workdir, sweep_config())
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_sweep_trains_each_point_once_and_estimates_per_hardware_point(sweep_workdir):
    root = sweep_workdir / "results/sweeps/tiny"
    points = sorted(p.name for p in root.iterdir() if p.name not in {"summary", "plots"})
    assert points == ["nonlinearity_ltp=1.0", "nonlinearity_ltp=3.0"]
    for point in points:
        for variant in ("base", "adc4"):
            assert (root / point / "hardware" / variant / "epoch_002/neurosim.csv").is_file()
        assert not (root / point / "epoch_002/neurosim.csv").exists()
    log = sweep_workdir / "logs/results/sweeps/tiny/nonlinearity_ltp=1.0/trace/epoch_002.log"
    assert log.read_text().count("trace of epoch 2") == 1
    hardware = (root / "summary/hardware.csv").read_text().splitlines()
    assert hardware[0].startswith("point,device.nonlinearity_ltp,variant")
    assert len(hardware) == 1 + 2 * 2 * 1  # points x hardware points x estimated epochs
    for name in ("accuracy", "hardware", "accuracy_energy"):
        assert (root / f"plots/{name}.png").stat().st_size > 10_000


def test_sweep_adding_a_point_runs_only_that_point(sweep_workdir):
    grid = {"device.nonlinearity_ltp": [1.0, 3.0, 5.0]}
    jobs = planned_jobs(sweep_workdir, sweep_config(training={"grid": grid}))
    assert jobs["train_epoch"] == 2 and jobs["init_model"] == 1 and jobs["device"] == 1
    assert jobs["neurosim_of_variant"] == 2  # its one estimated epoch, two hardware points


def test_sweep_hardware_change_reruns_only_estimates(sweep_workdir):
    hardware = {"points": [{"name": "base", "set": {}},
                           {"name": "adc4", "set": {"hardware.columns_per_adc": 16}}]}
    jobs = planned_jobs(sweep_workdir, sweep_config(hardware=hardware))
    assert jobs["hardware_file_of_variant"] == 2  # adc4 of both training points
    assert not {"train_epoch", "init_model", "device", "build_neurosim"} & set(jobs)


def test_unswept_run_keeps_its_paths(sweep_workdir):
    assert planned_jobs(sweep_workdir, TINY) == {}
