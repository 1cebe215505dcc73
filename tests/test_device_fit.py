import json

import numpy as np
import pandas as pd
import pytest
import torch

from cimtrain import device, device_fit, stages
from cimtrain.config import load_schema
from cimtrain.device_fit import MeasurementError


def synthetic(**overrides) -> pd.DataFrame:
    settings = dict(
        devices=10,
        cycles=10,
        levels_ltp=100,
        levels_ltd=100,
        nonlinearity_ltp=2.0,
        nonlinearity_ltd=-3.0,
        sigma_c2c=0.0,
        sigma_d2d=0.0,
        g_min_s=1e-6,
        g_max_s=4e-6,
        seed=5,
    )
    settings.update(overrides)
    return device_fit.synthetic_measurement(**settings)


def fit_table(table: pd.DataFrame) -> dict:
    measurement = device_fit.measurement_from_table(table.astype(str), "pulses.csv")
    return device_fit.fit_measurement(measurement, "pulses.csv")[0]


def write(tmp_path, table: pd.DataFrame):
    path = tmp_path / "pulses.csv"
    table.to_csv(path, index=False)
    return path


def test_label_kappa_map_is_the_table():
    labels, a_norm = device.nonlinearity_table()
    assert device_fit.kappa_of_label(labels) == pytest.approx(1 / a_norm, rel=1e-12)
    assert device_fit.label_of_kappa(-1 / a_norm) == pytest.approx(-labels, abs=1e-12)
    assert device_fit.kappa_of_label(0.0) == 0.0


@pytest.mark.parametrize("label", [2.4, -4.88, 0.04, -0.01])
def test_normalized_curve_is_the_training_curve(label):
    """w = 2y - 1 of the fit's curve equals device.weight_at_pulse for the same label."""
    levels = 40
    pulses = np.arange(levels + 1, dtype=float)
    a, b = device.curve_parameters(torch.tensor(label, dtype=torch.float64), levels)
    weight = device.weight_at_pulse(torch.as_tensor(pulses), a, b).numpy()
    y = device_fit.normalized_curve(pulses / levels, device_fit.kappa_of_label(label))
    assert 2 * y - 1 == pytest.approx(weight, abs=1e-12)


def test_next_read_follows_the_curve():
    kappa = device_fit.kappa_of_label(np.array([2.0, -3.0]))[:, None]
    x = np.linspace(0, 1, 11)
    y = device_fit.normalized_curve(x, kappa)
    assert device_fit.next_read(y[:, :-1], kappa, 0.1) == pytest.approx(y[:, 1:], abs=1e-12)
    assert device_fit.next_read(y[:, 1:], kappa, -0.1) == pytest.approx(y[:, :-1], abs=1e-12)


def test_noise_free_model_data_fits_back_exactly():
    fit = fit_table(synthetic(levels_ltp=64, levels_ltd=50))
    assert fit["nonlinearity_ltp"] == 2.0 and fit["nonlinearity_ltd"] == -3.0
    assert (fit["levels_ltp"], fit["levels_ltd"]) == (64, 50)
    assert fit["on_off_ratio"] == pytest.approx(4.0, rel=1e-6)
    assert fit["resistance_on_ohm"] == pytest.approx(250e3, rel=1e-6)
    assert fit["sigma_c2c"] < 1e-6 and fit["sigma_d2d"] < 1e-3
    assert fit["fit"]["level_rms_ltp"] < 1e-6
    # A as the device stage computes it for the fitted label.
    a, _ = device.curve_parameters(torch.tensor(2.0, dtype=torch.float64), 64)
    assert fit["fit"]["a_ltp_pulses"] == pytest.approx(float(a), rel=1e-9)


@pytest.mark.parametrize("labels", [(2.0, -3.0), (0.5, -0.5), (4.0, 1.0), (0.04, -6.76)])
def test_noisy_pulses_recover_the_labels(labels):
    """10 devices x 10 cycles x 2 x 100 pulses, 0.5% of the range of noise at every pulse."""
    fit = fit_table(
        synthetic(
            nonlinearity_ltp=labels[0],
            nonlinearity_ltd=labels[1],
            sigma_c2c=0.005,
            g_min_s=2e-6,
            g_max_s=5e-6,
        )
    )
    assert fit["nonlinearity_ltp"] == pytest.approx(labels[0], abs=0.1)
    assert fit["nonlinearity_ltd"] == pytest.approx(labels[1], abs=0.1)
    assert fit["sigma_c2c"] == pytest.approx(0.005, rel=0.2)
    assert fit["on_off_ratio"] == pytest.approx(2.5, rel=0.05)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noisy_pulses_recover_both_sigmas(seed):
    """d2d is told apart from c2c: 100 devices, each with its own label deviation."""
    fit = fit_table(synthetic(devices=100, cycles=5, sigma_c2c=0.005, sigma_d2d=0.2, seed=seed))
    assert fit["sigma_c2c"] == pytest.approx(0.005, rel=0.2)
    assert fit["sigma_d2d"] == pytest.approx(0.2, rel=0.2)
    assert fit["nonlinearity_ltp"] == pytest.approx(2.0, abs=0.1)
    assert fit["nonlinearity_ltd"] == pytest.approx(-3.0, abs=0.1)


def test_pulses_after_the_conductance_stopped_are_not_levels():
    """70 / 60 pulses along the curve, then 30 pulses that change nothing (reads scatter)."""
    table = synthetic(
        levels_ltp=70, levels_ltd=60, plateau_pulses=30, sigma_c2c=0.005, g_min_s=2e-6, g_max_s=5e-6
    )
    fit = fit_table(table)
    assert fit["fit"]["pulses_ltp"] == 100 and fit["fit"]["pulses_ltd"] == 90
    assert fit["levels_ltp"] == pytest.approx(70, abs=1)
    assert fit["levels_ltd"] == pytest.approx(60, abs=1)
    assert fit["nonlinearity_ltp"] == pytest.approx(2.0, abs=0.1)
    assert fit["nonlinearity_ltd"] == pytest.approx(-3.0, abs=0.1)
    noise_free = fit_table(synthetic(levels_ltp=70, levels_ltd=60, plateau_pulses=30))
    assert (noise_free["levels_ltp"], noise_free["levels_ltd"]) == (70, 60)


def test_c2c_noise_alone_gives_no_d2d():
    fit = fit_table(synthetic(devices=20, cycles=10, sigma_c2c=0.01, seed=9))
    assert fit["sigma_d2d"] < 0.1


def test_pulse_zero_is_optional():
    table = synthetic(sigma_c2c=0.005)
    with_zero = fit_table(table)
    without = fit_table(table[table["pulse"] > 0])
    assert without["levels_ltp"] == 100
    assert without["nonlinearity_ltp"] == pytest.approx(with_zero["nonlinearity_ltp"], abs=0.05)


def test_fit_of_sequences_reports_every_sequence():
    measurement = device_fit.measurement_from_table(
        synthetic(devices=3, cycles=2).astype(str), "pulses.csv"
    )
    _, sequences = device_fit.fit_measurement(measurement)
    assert len(sequences) == 3 * 2 * 2
    assert sequences["nonlinearity"].to_numpy() == pytest.approx([2.0] * 6 + [-3.0] * 6, abs=1e-6)


def test_reads_the_csv_file(tmp_path):
    measurement = device_fit.read_measurement(write(tmp_path, synthetic(devices=2, cycles=3)))
    assert measurement.devices == ("d00", "d01")
    assert measurement.ltp.conductance_s.shape == (6, 101)


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (7, "direction", "set", r"line 9 .*direction must be ltp or ltd"),
        (3, "pulse", "1.5", r"line 5 .*pulse must be a whole number"),
        (4, "conductance_s", "abc", r"line 6 .*conductance_s must be a positive number"),
        (4, "conductance_s", "-2e-6", r"line 6 .*conductance_s must be a positive number"),
        (2, "device", "", r"line 4 .*empty device"),
        (5, "pulse", "4", r"line 7 .*a second read of the same"),
    ],
)
def test_malformed_row_is_named(tmp_path, row, column, value, message):
    table = synthetic(devices=2, cycles=2).astype(str)
    table.loc[row, column] = value
    with pytest.raises(MeasurementError, match=message):
        device_fit.read_measurement(write(tmp_path, table))


def test_wrong_columns_and_missing_file(tmp_path):
    table = synthetic(devices=1, cycles=1).rename(columns={"conductance_s": "G"})
    with pytest.raises(MeasurementError, match="expected device, cycle, direction, pulse"):
        device_fit.read_measurement(write(tmp_path, table))
    with pytest.raises(MeasurementError, match="no such measurement file"):
        device_fit.read_measurement(tmp_path / "absent.csv")


def test_incomplete_sequence_is_named(tmp_path):
    table = synthetic(devices=2, cycles=2)
    table = table.drop(
        index=table.index[
            (table["device"] == "d01")
            & (table["cycle"] == 2)
            & (table["direction"] == "ltp")
            & (table["pulse"] == 7)
        ]
    )
    with pytest.raises(MeasurementError, match="device 'd01' cycle '2' ltp has 100 reads"):
        device_fit.read_measurement(write(tmp_path, table))


def test_too_few_pulses():
    with pytest.raises(MeasurementError, match="ltp sequences have 5 pulses; .* at least 8"):
        fit_table(synthetic(levels_ltp=5))


def test_one_direction_missing():
    table = synthetic(devices=1, cycles=1)
    with pytest.raises(MeasurementError, match="no ltd reads"):
        fit_table(table[table["direction"] == "ltp"])


def test_flat_response_is_rejected():
    table = synthetic(devices=2, cycles=2, sigma_c2c=0.01)
    rng = np.random.default_rng(0)
    flat = (table["device"] == "d01") & (table["direction"] == "ltd")
    table.loc[flat, "conductance_s"] = 2e-6 + rng.normal(0, 1e-8, flat.sum())
    with pytest.raises(
        MeasurementError, match="device 'd01' cycle '1' ltd: the conductance does not fall"
    ):
        fit_table(table)


def test_reversed_response_is_rejected():
    table = synthetic(devices=1, cycles=1)
    ltp = table["direction"] == "ltp"
    table.loc[ltp, "conductance_s"] = table.loc[ltp, "conductance_s"].to_numpy()[::-1]
    with pytest.raises(MeasurementError, match="ltp: the conductance does not rise"):
        fit_table(table)


def test_non_monotonic_response_is_rejected():
    table = synthetic(devices=2, cycles=2)
    ltp = table["direction"] == "ltp"
    pulse = table.loc[ltp, "pulse"].to_numpy()
    # Rises to the top in 70 pulses, then falls back by half of the range.
    shape = np.where(pulse <= 70, pulse / 70, 1 - 0.5 * (pulse - 70) / 30)
    table.loc[ltp, "conductance_s"] = 1e-6 + 3e-6 * shape
    with pytest.raises(MeasurementError, match="ltp: the mean conductance is not monotonic"):
        fit_table(table)


def test_deterministic():
    table = synthetic(sigma_c2c=0.01, sigma_d2d=0.1)
    assert fit_table(table) == fit_table(table)


# --- the device stage reads the fit -------------------------------------------------------


def device_section(**values) -> dict:
    schema = load_schema()["properties"]["device"]["properties"]
    section = {key: spec["default"] for key, spec in schema.items()}
    section.update(values)
    return section


def test_device_stage_takes_the_fit_and_set_keys_win(tmp_path):
    path = write(tmp_path, synthetic(devices=3, cycles=2, levels_ltp=40, levels_ltd=30))
    fit_json = tmp_path / "device_fit.json"
    logged: list[str] = []
    stages.fit_device(path, fit_json, tmp_path / "sequences.csv", logged.append)
    model = {"layers": [{"type": "fc", "out": 10}]}
    section = device_section(measured=str(path), sigma_c2c=0.01)
    stages.make_device(
        section,
        model,
        tmp_path / "device.json",
        tmp_path / "d2d.npz",
        logged.append,
        fit_json,
    )
    info = json.loads((tmp_path / "device.json").read_text())
    assert (info["levels_ltp"], info["levels_ltd"]) == (40, 30)
    assert (info["nonlinearity_ltp"], info["nonlinearity_ltd"]) == (2.0, -3.0)
    assert info["sigma_c2c"] == 0.01  # set in the config: wins over the fitted 0
    assert any(
        "device.sigma_c2c: the configured 0.01 wins over the fitted" in line for line in logged
    )
    a, b = device.curve_parameters(torch.tensor(-3.0, dtype=torch.float64), 30)
    assert (info["a_ltd"], info["b_ltd"]) == pytest.approx((float(a), float(b)))
    # The hardware file takes the fitted levels and resistances.
    hardware = stages.fitted_hardware(section, fit_json, logged.append)
    assert hardware["max_levels_ltp"] == 40
    assert hardware["resistance_off_ohm"] == pytest.approx(4 * hardware["resistance_on_ohm"])
    assert hardware["resistance_on_ohm"] == pytest.approx(250e3, rel=1e-6)


def test_measured_and_preset_exclude_each_other():
    with pytest.raises(ValueError, match="either preset or measured"):
        device.apply_fit({"preset": "ag_si", "measured": "x.csv"}, {}, {})


def test_bad_file_fails_the_stage_without_output(tmp_path):
    table = synthetic(devices=1, cycles=1).astype(str)
    table.loc[3, "direction"] = "up"
    fit_json = tmp_path / "device_fit.json"
    with pytest.raises(MeasurementError, match="line 5"):
        stages.fit_device(write(tmp_path, table), fit_json, tmp_path / "sequences.csv")
    assert not fit_json.exists()


def test_one_sequence_per_direction_fits_without_standard_error():
    fit = fit_table(synthetic(devices=1, cycles=1))
    assert fit["nonlinearity_ltp"] == 2.0 and fit["fit"]["nonlinearity_ltp_stderr"] is None
    assert fit["sigma_d2d"] == 0.0
