"""The README's commands, run as written, and the reruns of the demo for a change of every key.

One copy of the workflow runs the demo with the README's command; every other README command
then runs in it, in the README's order, and a dry run per config key checks that a change of the
key reruns exactly the stages `cimtrain.stage_keys` (the source of the README's table) names.

Commands in the README are the lines of its indented code blocks. Each is classified below:
- "run": run exactly as written;
- "dry-run": too slow for CI (hours of training, a download, a cluster), so run as written with
  Snakemake's `-n` appended: the command parses, its config validates and its jobs are planned;
- "skip": not runnable inside the test suite (it installs packages, or is the test suite itself).
A README command missing here fails `test_every_readme_command_is_classified`.
"""

from __future__ import annotations

import copy
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED, copy_workflow

from cimtrain import config as run_config
from cimtrain import stage_keys

pytestmark = pytest.mark.slow

DEMO = "snakemake --cores 2 --configfile config/demo.yaml"
COMMANDS: dict[str, str] = {
    'python -m pip install "torch==2.13.0" -e ".[test]"': "skip",  # installs packages
    DEMO: "run",
    "python -m pytest -q": "skip",  # the test suite itself
    "snakemake --cores 4": "dry-run",  # 256 epochs of CIFAR-10, downloaded
    "snakemake results/demo/epoch_002/neurosim.csv --configfile config/demo.yaml --cores 2": "run",
    "snakemake --report results/demo/report.html --configfile config/demo.yaml": "run",
    "snakemake -n --configfile config/demo.yaml config/demo_levels_64.yaml": "run",
    "snakemake -n --configfile config/demo.yaml --config epochs=6": "run",
    "cimtrain hardware-file --config config/hardware/cal_rram_32.yaml --out hw.txt": "run",
    "cimtrain estimate --trace results/demo/epoch_004/trace --config config/demo.yaml "
    "--out results/demo/estimate_epoch_004": "run",
    "python ../shared/calibration/make_traces.py --network ../shared/calibration/networks/vgg8.csv "
    "--seed 1 --out calibration_trace": "run",
    "cimtrain validate-config --config config/demo.yaml --set device.preset=ag_si": "run",
    "snakemake --cores 2 --configfile config/sweeps/device_nl.yaml": "dry-run",  # 3 trainings
    "snakemake --workflow-profile workflow/profiles/default": "dry-run",  # the full run
    'python -m pip install -e ".[slurm]"': "skip",  # installs packages
    "snakemake --workflow-profile workflow/profiles/slurm --configfile config/demo.yaml":
        "dry-run",  # needs a SLURM cluster (tests/test_slurm.py runs one)
    "snakemake --workflow-profile workflow/profiles/slurm": "dry-run",
    # The accuracy study: 30 epochs of full-width VGG-8 each (about 40 minutes on 2 cores).
    "snakemake --cores 2 --configfile config/accuracy_vgg8_digits.yaml": "dry-run",
    "snakemake --cores 2 --configfile config/accuracy_vgg8_digits.yaml "
    "config/accuracy_vgg8_digits_all.yaml": "dry-run",
    # The accuracy study over seeds: six such trainings.
    "snakemake --cores 2 --configfile config/sweeps/accuracy_vgg8_digits.yaml": "dry-run",
    # After a kill: in the demo's finished directory both succeed and change nothing.
    "snakemake --unlock --configfile config/demo.yaml": "run",
    "snakemake --rerun-incomplete --cores 2 --configfile config/demo.yaml": "run",
}


def readme_commands(text: str) -> list[str]:
    """The lines of the README's indented code blocks (fenced blocks hold files, not commands)."""
    commands: list[str] = []
    in_fence = in_block = False
    previous_blank = True
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence, in_block = not in_fence, False
        elif not in_fence:
            indented = line.startswith("    ") and line.strip()
            in_block = bool(indented and (in_block or previous_blank))
            if in_block:
                commands.append(line.strip())
        previous_blank = not line.strip()
    return commands


def run_command(workdir: Path, command: str) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    if argv[0] == "snakemake":
        argv = [sys.executable, "-m", "snakemake", *argv[1:]]
    elif argv[0] == "cimtrain":
        argv = [sys.executable, "-m", "cimtrain.cli", *argv[1:]]
    elif argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    if COMMANDS[command] == "dry-run":
        argv.append("-n")
    return subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """Every README command run in one copy of the workflow, in the README's order."""
    root = copy_workflow(tmp_path_factory.mktemp("readme") / "cimtrain")
    if SHARED.is_dir():  # the README's ../shared/ beside the checkout
        (root.parent / "shared").symlink_to(SHARED)
    (root / "config" / "demo_levels_64.yaml").write_text(
        (REPO / "config" / "demo_levels_64.yaml").read_text())
    results = {}
    for command in readme_commands((REPO / "README.md").read_text()):
        if COMMANDS[command] == "skip":
            continue
        if "../shared/" in command and not SHARED.is_dir():
            continue
        results[command] = run_command(root, command)
        assert results[command].returncode == 0, (
            command + "\n" + results[command].stdout[-2000:] + results[command].stderr[-3000:])
    results["workdir"] = root  # type: ignore[assignment]
    return results


def test_readme_commands_succeed(demo):
    ran = [c for c in COMMANDS if c in demo]
    assert DEMO in ran and len(ran) >= 10


def test_demo_writes_results_demo_and_says_what_it_found(demo):
    root = demo["workdir"]
    assert (root / "results/demo/summary/training.csv").is_file()
    assert (root / "results/demo/plots/chip_area.png").is_file()
    assert not (root / "results/epoch_001").exists()
    output = demo[DEMO].stdout + demo[DEMO].stderr
    summary = output[output.index("cimtrain: results in results/demo/"):].splitlines()
    assert re.match(r"  test accuracy: final \d+\.\d\d% \(epoch 4\), best \d+\.\d\d% \(epoch \d\)",
                    summary[1])
    assert re.match(r"  chip, epoch 4: energy .+J, latency .+s, area .+ mm², .+ TOPS/W", summary[2])
    assert summary[3] == ("  report: snakemake --report results/demo/report.html "
                          "--configfile config/demo.yaml")
    assert (root / "results/demo/report.html").stat().st_size > 100_000
    for rule in ("train", "trace", "neurosim"):
        benchmark = root / f"logs/results/demo/benchmark/{rule}/epoch_004.tsv"
        assert benchmark.read_text().startswith("s\th:m:s")


def test_override_file_changes_a_nested_key(demo):
    output = demo["snakemake -n --configfile config/demo.yaml config/demo_levels_64.yaml"].stdout
    jobs = job_counts(output)
    assert jobs["device"] == 1 and jobs["hardware_file"] == 1 and jobs["train_epoch"] == 4
    assert "init_model" not in jobs and "dataset" not in jobs


def test_config_option_changes_a_top_level_key(demo):
    jobs = job_counts(demo["snakemake -n --configfile config/demo.yaml --config epochs=6"].stdout)
    assert jobs["train_epoch"] == 2 and "device" not in jobs


def job_counts(output: str) -> dict[str, int]:
    """Rule -> job count of a dry run's job table."""
    counts: dict[str, int] = {}
    in_table = False
    for line in output.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
        elif in_table and line.strip() == "":
            break
        elif in_table and not line.startswith("-"):
            name, count = line.split()
            if name != "total":
                counts[name] = int(count)
    return counts


# ---- a change of every key reruns exactly the stages that read it ----

# Keys with a value to change to where +1, x1.5 or the next allowed value does not fit the demo.
NEW_VALUES: dict[str, object] = {
    "results_dir": "results/demo_moved",
    "dataset.name": "cifar10",
    "dataset.archive": "cifar-10-python.tar.gz",
    "model.layers": [{"type": "conv", "out": 24, "kernel": 3}, {"type": "pool", "size": 2},
                     {"type": "conv", "out": 64, "kernel": 3}, {"type": "pool", "size": 4},
                     {"type": "fc", "out": 10}],
    "device.preset": "fefet",
    "device.measured": "data/measurements/example_pulses.csv",
    "train.reference_quirks": "all",
    "train.device": "auto",
    "train.grad_scale_decay_epochs": [2],
    "hardware.clock_frequency_hz": 5e8,
    "hardware.adc_type": "sar",
    "hardware.memory_cell": "rram",
}
# Keys not changed here, and why.
NOT_CHANGED = {
    "model.preset": "the demo sets model.layers, which win over any preset",
    "sweep": "a sweep adds runs of its own; tests/test_workflow.py checks its reruns",
}


def schema_keys(schema: dict, prefix: str = "") -> list[str]:
    """Dotted keys of the schema's leaves (a section without listed keys counts as one)."""
    keys = []
    for name, entry in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        if entry.get("type") == "object" and "properties" in entry:
            keys += schema_keys(entry, key + ".")
        else:
            keys.append(key)
    return keys


def changed_value(key: str, config: dict, schema: dict) -> object:
    if key in NEW_VALUES:
        return NEW_VALUES[key]
    value = stage_keys.lookup(config, key)
    entry = schema
    for part in key.split("."):
        entry = entry["properties"][part]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    bigger = value * 1.5
    return bigger if bigger <= entry.get("maximum", float("inf")) else value / 2


def nested(key: str, value: object) -> dict:
    for part in reversed(key.split(".")):
        value = {part: value}
    return value  # type: ignore[return-value]


def deep_update(target: dict, source: dict) -> dict:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value
    return target


def demo_config() -> dict:
    """The demo's config as the workflow sees it: config.yaml, then config/demo.yaml."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    deep_update(config, yaml.safe_load((REPO / "config" / "demo.yaml").read_text()))
    return run_config.validate(config)


def changes() -> list[str]:
    schema = run_config.load_schema()
    keys = [k for k in schema_keys(schema)
            if not any(stage_keys.covers(excused, k) for excused in NOT_CHANGED)]
    # The hardware section reaches only the hardware file, whole: three of its keys stand for it.
    hardware = [k for k in NEW_VALUES if k.startswith("hardware.")]
    return [k for k in keys if k != "hardware"] + hardware


def test_every_schema_key_is_changed_or_excused():
    schema = run_config.load_schema()
    for key in schema_keys(schema):
        assert key in changes() or key == "hardware" or any(
            stage_keys.covers(excused, key) for excused in NOT_CHANGED), key


def planned_stages(workdir: Path, key: str, value: object) -> set[str]:
    override = workdir / "config" / f"change_{key}.yaml"
    override.write_text(yaml.safe_dump(nested(key, value)))
    command = [sys.executable, "-m", "snakemake", "-n", "--rerun-triggers", "params", "input",
               "code", "--configfile", "config/demo.yaml", str(override.relative_to(workdir))]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, key + "\n" + result.stdout[-1000:] + result.stderr[-2000:]
    return set(job_counts(result.stdout)) - {"all"}


def test_a_change_of_every_key_reruns_exactly_its_stages(demo):
    config, schema = demo_config(), run_config.load_schema()
    keys = changes()
    values = [changed_value(key, config, schema) for key in keys]
    with ThreadPoolExecutor(max_workers=2) as pool:
        planned = list(pool.map(lambda kv: planned_stages(demo["workdir"], *kv),
                                zip(keys, values, strict=True)))
    wrong = {}
    for key, value, stages in zip(keys, values, planned, strict=True):
        changed = deep_update(copy.deepcopy(config), nested(key, value))
        expected = stage_keys.rerun_stages(key, config) | stage_keys.rerun_stages(key, changed)
        if stages != expected:
            wrong[key] = {"planned": sorted(stages), "expected": sorted(expected)}
    assert not wrong, wrong


def test_a_hardware_only_device_figure_reruns_no_training(demo):
    stages = planned_stages(demo["workdir"], "device.write_pulse_width_s", 1e-7)
    assert stages == {"hardware_file", "neurosim", "hardware_summary", "plot_hardware"}


# The single-run configs of .test/config; the sweep among them (accuracy_tiny.yaml) has its own
# end-to-end test, tests/test_accuracy_curves.py.
DOT_TEST_CONFIGS = sorted(
    p.name for p in (REPO / ".test" / "config").glob("*.yaml")
    if "sweep" not in yaml.safe_load(p.read_text())
)


@pytest.mark.parametrize("config", DOT_TEST_CONFIGS)
def test_dot_test_configs_run(demo, config):
    root = demo["workdir"]
    (root / ".test").mkdir(exist_ok=True)
    (root / ".test" / "config").mkdir(exist_ok=True)
    (root / ".test" / "config" / config).write_text((REPO / ".test/config" / config).read_text())
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile",
               f".test/config/{config}"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    run = root / yaml.safe_load((REPO / ".test/config" / config).read_text())["results_dir"]
    assert (run / "summary" / "hardware.csv").is_file()
    assert "cimtrain: results in" in result.stdout
