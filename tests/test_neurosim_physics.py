"""NeuroSIM's figures move the way circuits do when one hardware option changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from cimtrain import hardware

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def estimate(neurosim_binary: Path, calibration_trace: Path, tmp_path_factory):
    """Chip figures of the reference design point with some keys changed."""
    work = tmp_path_factory.mktemp("physics")

    def run(**changes: object) -> pd.Series:
        name = "_".join(f"{k}-{v}" for k, v in changes.items()) or "default"
        hw_file = hardware.write_hardware_file(changes, work / f"{name}.txt")
        out = work / name
        result = subprocess.run([str(neurosim_binary), "--trace", str(calibration_trace),
                                 "--hardware", str(hw_file), "--out", str(out)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return pd.read_csv(out / "neurosim.csv").iloc[0]

    return run


def test_sharing_an_adc_among_more_columns_trades_area_for_time(estimate):
    few, default, many = (estimate(columns_per_adc=n) for n in (4, 8, 16))
    assert few.area_adc_m2 > default.area_adc_m2 > many.area_adc_m2
    assert few.latency_total_s < default.latency_total_s < many.latency_total_s


def test_smaller_node_shrinks_area_time_and_energy(estimate):
    n65, n32, n22 = (estimate(technology_node_nm=n) for n in (65, 32, 22))
    for column in ("area_total_m2", "latency_total_s", "energy_total_j"):
        assert n65[column] > n32[column] > n22[column], column


def test_high_performance_transistors_are_faster_and_leak_more(estimate):
    lstp, hp = estimate(device_roadmap="lstp"), estimate(device_roadmap="hp")
    assert hp.latency_total_s < lstp.latency_total_s
    assert hp.leakage_power_w > 10 * lstp.leakage_power_w


def test_fewer_adc_levels_need_less_adc_area(estimate):
    assert estimate(adc_levels=32).area_adc_m2 < estimate(adc_levels=64).area_adc_m2


def test_phases_add_up_and_peak_is_part_of_total(estimate):
    chip = estimate()
    for quantity, unit in (("latency", "s"), ("energy", "j")):
        phases = sum(chip[f"{quantity}_{p}_{unit}"] for p in ("fw", "ag", "wg", "wu"))
        assert phases == pytest.approx(chip[f"{quantity}_total_{unit}"], rel=1e-6)
        assert chip[f"peak_{quantity}_total_{unit}"] < chip[f"{quantity}_total_{unit}"]


@pytest.mark.parametrize("preset", sorted((REPO / "config" / "hardware").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_preset_estimates_the_calibration_trace(preset, calibration_trace,
                                                      neurosim_build_dir, tmp_path):
    import yaml

    from cimtrain import estimator

    config = yaml.safe_load(preset.read_text())
    estimator.estimate(calibration_trace, config, tmp_path, neurosim_build_dir,
                       log=lambda _: None)
    chip = pd.read_csv(tmp_path / "neurosim.csv").iloc[0]
    assert chip.area_total_m2 > 0 and chip.energy_total_j > 0 and chip.latency_total_s > 0


def test_22_nm_presets_are_smaller_than_32_nm(calibration_trace, neurosim_build_dir, tmp_path):
    import yaml

    from cimtrain import estimator

    areas = {}
    for name in ("cal_sram_32", "sram_22", "cal_rram_32", "rram_22"):
        config = yaml.safe_load((REPO / "config" / "hardware" / f"{name}.yaml").read_text())
        estimator.estimate(calibration_trace, config, tmp_path / name, neurosim_build_dir,
                           log=lambda _: None)
        areas[name] = pd.read_csv(tmp_path / name / "neurosim.csv").area_total_m2.item()
    assert areas["sram_22"] < areas["cal_sram_32"] and areas["rram_22"] < areas["cal_rram_32"]
