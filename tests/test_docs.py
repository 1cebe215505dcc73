"""Documentation that must match the code: the README's commands and rerun table, config/README.md,
the licence, and the command line's start."""

from __future__ import annotations

import subprocess
import sys

import yaml
from conftest import REPO
from test_readme_demo import COMMANDS, readme_commands, schema_keys

import cimtrain
from cimtrain import config as run_config
from cimtrain import stage_keys


def test_every_readme_command_is_classified():
    commands = readme_commands((REPO / "README.md").read_text())
    assert set(commands) == set(COMMANDS), set(commands) ^ set(COMMANDS)


def test_readme_table_is_generated_from_the_stage_keys():
    assert stage_keys.readme_table() in (REPO / "README.md").read_text()


def test_every_stage_has_a_rule_and_every_rule_a_stage():
    rules = set()
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        rules |= {line.split()[1].rstrip(":") for line in path.read_text().splitlines()
                  if line.startswith("rule ")}
    sweep_only = {"sweep_summary", "sweep_plots", "sweep_accuracy_curves"}
    assert set(stage_keys.STAGE_PARAMS) == rules - sweep_only


def test_hardware_only_device_figures_reach_no_training_stage():
    config = run_config.validate({"dataset": {"name": "digits"}})
    for key in ("write_pulse_width_s", "on_off_ratio", "resistance_on_ohm", "write_voltage_v"):
        stages = stage_keys.rerun_stages(f"device.{key}", config | {"trace": {"keep": True}})
        assert stages == {"hardware_file", "neurosim", "hardware_summary", "plot_hardware"}


def test_config_readme_describes_every_key():
    text = (REPO / "config" / "README.md").read_text()
    schema = run_config.load_schema()
    for key in schema_keys(schema):
        assert f"`{key}`" in text, key
    for file in (REPO / "config").glob("*.yaml"):
        assert f"`{file.name}`" in text, file.name


def test_demo_and_full_run_write_different_results():
    full = yaml.safe_load((REPO / "config.yaml").read_text())["results_dir"]
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["results_dir"]
    assert (full, demo) == ("results/vgg8_cifar10", "results/demo")


def test_licence_is_mit_and_names_the_reference_licence():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License") and "CC BY-NC" in text


def test_version_and_help_need_no_torch():
    code = ("import sys; from cimtrain import cli; cli.build_parser().format_help(); "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
    version = subprocess.run([sys.executable, "-m", "cimtrain.cli", "--version"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == f"cimtrain {cimtrain.__version__}"
