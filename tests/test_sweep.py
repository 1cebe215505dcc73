import copy

import pytest
from conftest import REPO

from cimtrain import config as run_config
from cimtrain.sweep import SweepError, load_sweep


def base_config() -> dict:
    return run_config.load(REPO / "config" / "demo.yaml")


def test_grid_points_are_named_and_configured():
    sweep = load_sweep({
        "name": "nl",
        "training": {"grid": {"device.nonlinearity_ltp": [0.5, 2.0],
                              "device.levels_ltp": [40, 64]}},
        "hardware": {"points": [{"name": "rram", "set": {"hardware.memory_cell": "rram"}}]},
    }, base_config())
    runs = sorted(sweep.runs)
    assert runs[0] == "results/sweeps/nl/nonlinearity_ltp=0.5+levels_ltp=40"
    assert len(runs) == 4
    config = sweep.runs["results/sweeps/nl/nonlinearity_ltp=2.0+levels_ltp=64"]
    assert config["device"]["nonlinearity_ltp"] == 2.0 and config["device"]["levels_ltp"] == 64
    assert config["dataset"]["name"] == "digits"  # the rest stays the base's
    variants = sweep.hardware_variants[runs[0]]
    assert variants["rram"]["memory_cell"] == "rram"
    assert variants["rram"]["subarray_rows"] == 32  # the demo's own hardware section


def test_base_file_is_merged_under_the_points(tmp_path):
    config = run_config.load(REPO / "config.yaml")
    sweep = load_sweep({"name": "s", "base": str(REPO / "config" / "demo.yaml"),
                        "training": {"points": [{"name": "fast", "set": {"epochs": 1}}]}},
                       copy.deepcopy(config))
    (run,) = sweep.runs.values()
    assert run["epochs"] == 1 and run["dataset"]["name"] == "digits"
    assert sweep.hardware_variants == {}


@pytest.mark.parametrize(("spec", "message"), [
    ({"name": "s", "training": {"grid": {"hardware.cell_bits": [1, 2]}}}, "does not belong"),
    ({"name": "s", "hardware": {"grid": {"device.levels_ltp": [8]}}}, "does not belong"),
    ({"name": "s", "training": {"grid": {"device.levels_ltp": 8}}}, "non-empty list"),
    ({"name": "s", "training": {"points": [{"name": "a/b", "set": {}}]}}, "letters, digits"),
    ({"name": "s", "training": {"points": [{"name": "a", "set": {}},
                                           {"name": "a", "set": {}}]}}, "repeat"),
    ({"name": "s", "training": {"grid": {"device.levels_ltp": [1]}}}, "device.levels_ltp"),
    ({"name": "s", "hardware": {"points": [{"name": "x", "set": {"hardware.adc": 3}}]}},
     "unknown hardware key"),
    ({"name": "s", "base": "no/such.yaml"}, "sweep.base"),
    ({"name": "s", "training": {"list": []}}, "grid or points"),
])
def test_bad_sweeps_name_the_problem(spec, message):
    with pytest.raises((SweepError, ValueError), match=message):
        load_sweep(spec, base_config())
