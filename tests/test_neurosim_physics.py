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


# ---------------------------------------------------------------- one test per design option


def test_sram_cells_take_more_array_area_than_fefet(estimate):
    assert estimate(memory_cell="sram").area_cim_array_m2 > estimate().area_cim_array_m2


def test_crossbar_rram_is_denser_than_1t1r(estimate):
    one_t_one_r = estimate(memory_cell="rram")
    crossbar = estimate(memory_cell="rram", access_type="crossbar")
    assert crossbar.area_cim_array_m2 < one_t_one_r.area_cim_array_m2


def test_sequential_read_out_is_slower_than_parallel(estimate):
    parallel, sequential = estimate(), estimate(read_mode="sequential")
    assert sequential.peak_latency_fw_s > parallel.peak_latency_fw_s


def test_voltage_and_current_sense_amplifiers_differ(estimate):
    current, voltage = estimate(), estimate(sense_current_mode=False)
    assert (voltage.area_adc_m2 != current.area_adc_m2
            or voltage.energy_total_j != current.energy_total_j)


def test_fewer_bits_per_cell_need_more_array_area(estimate):
    assert estimate(cell_bits=1).area_cim_array_m2 > estimate(cell_bits=5).area_cim_array_m2


def test_conventional_and_novel_mappings_differ(estimate):
    novel, conventional = estimate(), estimate(mapping="conventional")
    assert conventional.area_total_m2 != novel.area_total_m2


def test_pipelining_shortens_the_forward_pass(estimate):
    assert estimate(pipeline=True).latency_fw_s < estimate().latency_fw_s


def test_sram_buffers_are_denser_than_register_files(estimate):
    rf = estimate()
    sram = estimate(global_buffer_type="sram", tile_buffer_type="sram")
    assert sram.area_total_m2 < rf.area_total_m2


def test_bus_delay_tolerance_trades_repeater_area_for_delay(estimate):
    tight = estimate(global_bus_delay_tolerance=0.0)
    loose = estimate(global_bus_delay_tolerance=1.0)
    assert loose.area_routing_m2 < tight.area_routing_m2


def test_h_tree_folding_changes_routing_area(estimate):
    unfolded, folded = estimate(tree_folded_ratio=1), estimate(tree_folded_ratio=8)
    assert unfolded.area_routing_m2 != folded.area_routing_m2


def test_faster_clock_shortens_latency(estimate):
    assert estimate(clock_frequency_hz=2e9).latency_total_s < estimate().latency_total_s


def test_higher_read_voltage_costs_array_energy(estimate):
    low, high = estimate(read_voltage_v=0.3), estimate(read_voltage_v=0.8)
    assert high.breakdown_energy_array_j > low.breakdown_energy_array_j


def test_read_pulse_shorter_than_the_shift_add_exposes_its_delay(estimate):
    # Shift-and-add overlaps the next read pulse; a pulse shorter than it leaves the rest exposed.
    short = estimate(read_pulse_width_s=1e-10)
    assert short.breakdown_latency_accumulation_s > estimate().breakdown_latency_accumulation_s


def test_write_voltage_and_pulse_width_set_update_energy_and_time(estimate):
    fefet, rram = estimate(), estimate(memory_cell="rram")
    assert estimate(write_voltage_v=5.0).peak_energy_wu_j > fefet.peak_energy_wu_j
    assert estimate(write_pulse_width_s=1e-7).peak_latency_wu_s > fefet.peak_latency_wu_s
    # A resistive cell draws current for the whole pulse (V^2 t / R); a FeFET switches its charge.
    wider_rram = estimate(memory_cell="rram", write_pulse_width_s=1e-7)
    assert wider_rram.peak_energy_wu_j > rram.peak_energy_wu_j


def test_higher_on_resistance_draws_less_read_and_write_energy(estimate):
    low = estimate(memory_cell="rram", resistance_on_ohm=1e5, resistance_off_ohm=1e7)
    high = estimate(memory_cell="rram", resistance_on_ohm=1e6, resistance_off_ohm=1e8)
    assert high.breakdown_energy_array_j < low.breakdown_energy_array_j
    assert high.peak_energy_wu_j < low.peak_energy_wu_j


def test_access_resistance_slows_the_sensing(estimate):
    small = estimate(memory_cell="rram", access_resistance_ohm=1e3)
    large = estimate(memory_cell="rram", access_resistance_ohm=1e5)
    assert large.breakdown_latency_adc_s > small.breakdown_latency_adc_s


def test_more_device_levels_need_more_update_pulses(estimate):
    few = estimate(max_levels_ltp=32, max_levels_ltd=32)
    many = estimate(max_levels_ltp=128, max_levels_ltd=128)
    assert many.peak_latency_wu_s > few.peak_latency_wu_s
    assert many.peak_energy_wu_j > few.peak_energy_wu_j


def test_fefet_gate_capacitance_and_polarization_cost_write_energy(estimate):
    base = estimate()
    assert estimate(fefet_gate_capacitance_f=1e-17).peak_energy_wu_j > base.peak_energy_wu_j
    assert estimate(fefet_polarization_uc_per_cm2=40).peak_energy_wu_j > base.peak_energy_wu_j


def test_gddr5_costs_more_dram_time_and_energy_than_hbm2(estimate):
    hbm2, gddr5 = estimate(), estimate(dram="gddr5")
    assert gddr5.breakdown_energy_dram_j > hbm2.breakdown_energy_dram_j
    assert gddr5.breakdown_latency_dram_s > hbm2.breakdown_latency_dram_s


def test_weight_gradient_rows_per_adc_trade_area_for_time(estimate):
    few, many = estimate(wg_rows_per_adc=4), estimate(wg_rows_per_adc=16)
    assert many.area_weight_gradient_m2 < few.area_weight_gradient_m2
    assert many.breakdown_latency_weight_gradient_s > few.breakdown_latency_weight_gradient_s


def test_fewer_weight_gradient_adc_levels_need_less_area(estimate):
    assert estimate(wg_adc_levels=8).area_weight_gradient_m2 < estimate().area_weight_gradient_m2


def test_smaller_weight_gradient_arrays_change_the_unit(estimate):
    assert estimate(wg_subarray_rows=64, wg_subarray_cols=64).area_weight_gradient_m2 != \
        estimate().area_weight_gradient_m2


def test_sar_and_sense_amplifier_adcs_differ(estimate):
    sense_amp, sar = estimate(), estimate(adc_type="sar")
    # At 64 levels a SAR converter is smaller but takes log2(levels) + 1 steps per conversion.
    assert sar.area_adc_m2 < sense_amp.area_adc_m2
    assert sar.breakdown_latency_adc_s > sense_amp.breakdown_latency_adc_s
    # The gradient unit converts with the same kind: slower, and its SRAM columns conduct for the
    # SAR's seven steps instead of the sense amplifier's one nanosecond.
    assert sar.breakdown_latency_weight_gradient_s > sense_amp.breakdown_latency_weight_gradient_s
    assert sar.breakdown_energy_weight_gradient_j > sense_amp.breakdown_energy_weight_gradient_j


def test_heat_raises_leakage_but_not_area(estimate):
    cool, hot = estimate(), estimate(temperature_k=380)
    assert hot.leakage_power_w > 2 * cool.leakage_power_w
    assert hot.area_total_m2 == cool.area_total_m2


def test_smaller_sub_arrays_need_more_periphery_and_time(estimate):
    default, small = estimate(), estimate(subarray_rows=64, subarray_cols=64)
    assert small.area_adc_m2 > default.area_adc_m2
    assert small.peak_latency_fw_s > default.peak_latency_fw_s


def test_pipelined_speed_up_buys_time_with_area(estimate):
    # Conventional mapping leaves the early layers undercopied, so the speed-up replicates them.
    plain = estimate(pipeline=True, mapping="conventional")
    faster = estimate(pipeline=True, mapping="conventional", speedup_degree=8)
    assert faster.area_total_m2 > plain.area_total_m2
    assert faster.latency_fw_s < plain.latency_fw_s


def test_a_narrower_chip_bus_saves_routing_area_and_costs_time(estimate):
    default, narrow = estimate(), estimate(max_global_bus_width_bits=1024)
    assert narrow.area_routing_m2 < default.area_routing_m2
    assert narrow.breakdown_latency_interconnect_s > default.breakdown_latency_interconnect_s


def test_buffer_core_size_changes_buffer_time(estimate):
    assert estimate(tile_buffer_core_rows=64, tile_buffer_core_cols=64).breakdown_latency_buffer_s \
        != estimate().breakdown_latency_buffer_s


def test_tile_bus_delay_tolerance_trades_repeater_area_for_delay(estimate):
    tight = estimate(local_bus_delay_tolerance=0.0)
    loose = estimate(local_bus_delay_tolerance=1.0)
    assert loose.area_routing_m2 < tight.area_routing_m2
    assert loose.breakdown_latency_interconnect_s > tight.breakdown_latency_interconnect_s


def test_more_rows_per_transposed_adc_trade_area_for_time(estimate):
    few, many = estimate(ag_rows_per_adc=4), estimate(ag_rows_per_adc=16)
    assert many.area_adc_m2 < few.area_adc_m2
    assert many.peak_latency_ag_s > few.peak_latency_ag_s


def test_activation_in_the_tiles_costs_area_and_saves_relu_time(estimate):
    """chip_activation = false moves the ReLU units into every tile: more units (area), each
    layer's outputs cleared in fewer passes (time), the same register bits clocked (energy)."""
    chip, tiles = estimate(), estimate(chip_activation=False)
    assert tiles.area_other_m2 > chip.area_other_m2
    # The ReLU counts with the array's forward share; its shifts run in parallel in the tiles.
    assert tiles.breakdown_latency_array_s < 0.97 * chip.breakdown_latency_array_s
    assert tiles.breakdown_energy_array_j == pytest.approx(chip.breakdown_energy_array_j, rel=1e-3)
    assert tiles.peak_latency_fw_s < chip.peak_latency_fw_s
