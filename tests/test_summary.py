import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from cimtrain import estimator, plots, summary

PHASES = estimator.PHASES
PARTS = estimator.BREAKDOWN_PARTS


@pytest.mark.parametrize(("column", "expected"), [
    ("energy_fw_j", ("energy", "fw", "", "j")),
    ("peak_latency_total_s", ("peak_latency", "total", "", "s")),
    ("breakdown_latency_weight_gradient_s", ("latency", "all", "weight_gradient", "s")),
    ("area_cim_array_m2", ("area", "", "cim_array", "m2")),
    ("leakage_power_w", ("leakage_power", "", "", "w")),
    ("tiles", ("tiles", "", "", "")),
])
def test_split_column(column, expected):
    parts = summary.split_column(column)
    assert (parts["quantity"], parts["phase"], parts["component"], parts["unit"]) == expected


def estimator_outputs(tmp_path, epochs=(2, 4)):
    """neurosim.csv and layers.csv files with the estimator's column contract."""
    rng = np.random.Generator(np.random.PCG64(0))
    chip_columns = [f"area_{p}_m2" for p in ["total", *estimator.AREA_PARTS]]
    chip_columns += [f"{peak}{q}_{p}_{u}" for q, u in (("latency", "s"), ("energy", "j"))
                     for p in [*PHASES, "total"] for peak in ("", "peak_")]
    chip_columns += [f"breakdown_{q}_{p}_{u}" for q, u in (("latency", "s"), ("energy", "j"))
                     for p in PARTS]
    layer_columns = [f"{q}_{p}_{u}" for q, u in (("latency", "s"), ("energy", "j"))
                     for p in PHASES]
    layer_columns += [f"breakdown_{q}_{p}_{u}" for q, u in (("latency", "s"), ("energy", "j"))
                      for p in PARTS]
    chip_files, layer_files = [], []
    for epoch in epochs:
        folder = tmp_path / f"epoch_{epoch:03d}"
        folder.mkdir()
        pd.DataFrame([rng.random(len(chip_columns))], columns=chip_columns).to_csv(
            folder / "neurosim.csv", index=False)
        layers = pd.DataFrame(rng.random((3, len(layer_columns))), columns=layer_columns)
        layers.insert(0, "layer", [1, 2, 3])
        layers.to_csv(folder / "layers.csv", index=False)
        chip_files.append(folder / "neurosim.csv")
        layer_files.append(folder / "layers.csv")
    return chip_files, layer_files


def test_hardware_and_layer_tables(tmp_path):
    chip_files, layer_files = estimator_outputs(tmp_path)
    chip = summary.hardware_table(list(reversed(chip_files)))
    assert chip["epoch"].tolist() == [2, 4]
    original = pd.read_csv(chip_files[1])
    assert chip.iloc[1]["energy_wu_j"] == original["energy_wu_j"].iloc[0]
    long = summary.layers_long(layer_files)
    assert len(long) == 2 * 3 * (8 + 16)
    row = long[(long.epoch == 4) & (long.layer == 2) & (long.quantity == "energy")
               & (long.component == "adc")]
    wide = pd.read_csv(layer_files[1])
    assert row["value"].item() == wide.loc[1, "breakdown_energy_adc_j"]
    assert set(long.phase) == {"fw", "ag", "wg", "wu", "all"}


def assert_image(path, width_in, height_in, dpi=100):
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (round(height_in * dpi), round(width_in * dpi))
    assert image[..., :3].std() > 0.05
    assert path.with_suffix(".svg").read_text().lstrip().startswith("<?xml")


def test_hardware_figures(tmp_path):
    chip_files, layer_files = estimator_outputs(tmp_path)
    chip = summary.hardware_table(chip_files)
    plots.energy_and_latency_per_epoch(chip, tmp_path / "phases.png", dpi=100)
    wide = summary.last_epoch_layers(summary.layers_long(layer_files))
    original = pd.read_csv(layer_files[-1])
    assert np.allclose(wide["breakdown_energy_dram_j"], original["breakdown_energy_dram_j"])
    plots.layer_breakdown(wide, tmp_path / "layers.png", dpi=100)
    plots.area_breakdown(chip.iloc[-1], tmp_path / "area.png", dpi=100)
    assert_image(tmp_path / "phases.png", 8, 3.4)
    assert_image(tmp_path / "layers.png", 9, 3.6)
    assert_image(tmp_path / "area.png", 5, 3.4)


def test_training_tables_join_activity(tmp_path):
    for epoch in (1, 2):
        layer = {"layer": "conv1", "weight_mean": 0.1 * epoch, "weight_std": 0.2,
                 "update_mean": 0.0, "update_std": 0.01, "updated_fraction": 0.5,
                 "weight_histogram": [epoch] * 32, "update_histogram": [1] * 32}
        metrics = {"epoch": epoch, "grad_scale": 1.0, "train_loss": 1.0, "train_accuracy": 0.5,
                   "test_loss": 1.0, "test_accuracy": 0.4, "layers": [layer]}
        (tmp_path / f"m{epoch}.json").write_text(json.dumps(metrics))
    (tmp_path / "a2.json").write_text(json.dumps(
        {"epoch": 2, "layers": [{"layer": "conv1", "input_activity": 0.25}]}))
    files = [tmp_path / "m2.json", tmp_path / "m1.json"]
    table = summary.training_table(files, [tmp_path / "a2.json"])
    assert table["epoch"].tolist() == [1, 2]
    assert table["conv1_weight_mean"].tolist() == pytest.approx([0.1, 0.2])
    assert np.isnan(table["conv1_input_activity"].iloc[0])
    assert table["conv1_input_activity"].iloc[1] == 0.25
    activity = summary.per_layer_long(table, "input_activity")
    assert activity.to_dict("records") == [{"epoch": 2, "layer": "conv1",
                                            "input_activity": 0.25}]
    histograms = summary.histogram_table(files)
    weights = histograms[(histograms.quantity == "weight") & (histograms.epoch == 2)]
    assert weights["count"].sum() == 64 and weights["bin_low"].min() == -1.0
