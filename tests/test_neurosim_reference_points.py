"""The estimate with `reference_quirks: all` at design points it was not built against.

tests/data/reference_points/NAME.json holds a DNN+NeuroSim V2.1 run at a design point outside the
shared calibration set (other nodes, cell, ADC, sub-array size, network), made and parsed by
benchmarks/reference_runs.py; each file names the preset and hardware keys that reproduce its
Param.cpp changes. Here the floorplan must equal the reference's, every chip-level figure must lie
within +-10 % of it except those in OUT_OF_BAND (listed honestly with their ratios when written;
they must still lie outside, so the list is updated when a figure comes inside), and the number of
per-layer figures outside +-25 % must equal LAYERS_OUTSIDE. Ratios are computed exactly as for the
calibration presets (benchmarks/quirks.py).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import make_trace

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO.parent / "shared" / "calibration"
POINTS_DIR = REPO / "tests" / "data" / "reference_points"
POINTS = sorted(p.stem for p in POINTS_DIR.glob("*.json"))
BAND = 0.10
LAYER_BAND = 0.25

pytestmark = pytest.mark.skipif(
    not CALIBRATION.is_dir(), reason="shared/calibration is not available"
)


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


quirks_table = load_module("quirks_table", REPO / "benchmarks" / "quirks.py")

# Chip-level figures outside +-10 % with `all` (ratio to the reference when this was written).
OUT_OF_BAND: dict[str, dict[str, float]] = {
    # FinFET at 14 nm, with the reference's fin count (quirk finfet_fins_per_two_f): its energies
    # come inside the band; its gates then drive faster than the reference's in our timing models.
    "fefet_14": {
        "latency_fw_s": 0.856,
        "latency_ag_s": 0.835,
        "latency_wg_s": 0.77,
        "latency_total_s": 0.816,
        "peak_latency_fw_s": 0.744,
        "peak_latency_ag_s": 0.735,
        "peak_latency_wg_s": 0.703,
        "peak_latency_total_s": 0.722,
        "peak_energy_fw_j": 0.792,
        "peak_energy_ag_j": 0.807,
        "leakage_energy_j": 0.836,
        "tops": 1.226,
        "fps": 1.226,
        "peak_tops": 1.385,
        "peak_fps": 1.385,
        "breakdown_latency_accumulation_s": 0.646,
        "breakdown_latency_interconnect_s": 0.758,
        "breakdown_latency_weight_gradient_s": 0.703,
        "breakdown_energy_accumulation_j": 0.657,
        "breakdown_energy_array_j": 0.68,
        "breakdown_energy_buffer_j": 0.637,
        "breakdown_energy_interconnect_j": 1.167,
    },
    "fefet_32_net6": {
        "leakage_power_w": 1.106,
        "leakage_energy_j": 1.108,
    },
    "fefet_32_sub64": {
        "peak_energy_wu_j": 1.159,
        "leakage_energy_j": 1.106,
        "breakdown_energy_weight_update_j": 1.159,
    },
    "fefet_45": {
        "leakage_power_w": 1.114,
        "leakage_energy_j": 1.135,
    },
    "rram_22": {},
    # 32-level ADCs shared by 16 columns: the transposed read's and the gradient unit's latency
    # run short (their own ADC settings are unchanged); cause not found yet.
    "rram_32_adc32": {
        "area_adc_m2": 0.875,
        "latency_ag_s": 0.866,
        "latency_wg_s": 0.863,
        "peak_latency_ag_s": 0.605,
        "peak_latency_wg_s": 0.791,
        "peak_latency_total_s": 0.803,
        "leakage_power_w": 1.108,
        "tops": 1.102,
        "fps": 1.102,
        "peak_tops": 1.246,
        "peak_fps": 1.246,
        "breakdown_latency_accumulation_s": 0.774,
        "breakdown_latency_weight_gradient_s": 0.791,
    },
}
# Per-layer latency, energy and leakage figures outside +-25 % with `all`.
LAYERS_OUTSIDE: dict[str, int] = {
    "fefet_14": 65,
    "fefet_32_net6": 6,
    "fefet_32_sub64": 2,
    "fefet_45": 2,
    "rram_22": 0,
    "rram_32_adc32": 6,
}


def point(name: str) -> dict:
    return json.loads((POINTS_DIR / f"{name}.json").read_text())


def trace_for(reference: dict, calibration_trace: Path, scratch: Path) -> Path:
    """The trace the reference saw: the calibration trace, or make_traces.py's for its network."""
    if reference["network"] == "vgg8.csv" and reference["trace"]["seed"] == 1:
        return calibration_trace
    network = POINTS_DIR / "networks" / reference["network"]
    return make_trace(scratch / "trace", network, reference["trace"]["seed"])


def estimate(
    binary: Path, trace: Path, reference: dict, work: Path
) -> tuple[dict, list[dict], dict]:
    """neurosim.csv's row, layers.csv's rows and floorplan.json of the point, with all quirks."""
    config = yaml.safe_load(
        (REPO / "config" / "hardware" / f"{reference['preset']}.yaml").read_text()
    )
    config["hardware"].update(reference["hardware"])
    work.mkdir(parents=True, exist_ok=True)
    preset = work / "point.yaml"
    preset.write_text(yaml.safe_dump(config))
    row = quirks_table.run_estimate(binary, trace, preset, "all", work / "run")
    layers = row.pop("layers")
    return row, layers, json.loads((work / "run" / "out" / "floorplan.json").read_text())


def test_every_point_is_listed() -> None:
    assert len(POINTS) >= 6
    assert sorted(OUT_OF_BAND) == POINTS
    assert sorted(LAYERS_OUTSIDE) == POINTS


def test_the_sha256_of_each_trace_matches(calibration_trace: Path, tmp_path: Path) -> None:
    """The traces regenerated here are the ones the reference saw."""
    for name in POINTS:
        reference = point(name)
        trace = trace_for(reference, calibration_trace, tmp_path / name)
        meta = json.loads((trace / "meta.json").read_text())
        assert meta["sha256"] == reference["trace"]["sha256"], name


@pytest.mark.parametrize("name", POINTS)
def test_all_quirks_agree_with_the_reference_at_an_unseen_point(
    name: str, neurosim_binary: Path, calibration_trace: Path, tmp_path: Path
) -> None:
    reference = point(name)
    trace = trace_for(reference, calibration_trace, tmp_path)
    row, layers, plan = estimate(neurosim_binary, trace, reference, tmp_path / "run")
    expected = reference["floorplan"]
    assert plan["tiles_per_layer"] == expected["tiles_per_layer"]
    assert plan["speedup_per_layer"] == expected["speedup_per_layer"]
    assert plan["utilization_per_layer"] == pytest.approx(
        expected["utilization_per_layer"], rel=1e-5
    )
    assert plan["chip_utilization"] == pytest.approx(expected["chip_utilization"], rel=1e-5)
    chip = {k: v for k, v in row.items() if ":" not in k and k not in quirks_table.TEXT_COLUMNS}
    ratios = quirks_table.ratios(chip, reference)
    outside = {c: round(r, 3) for c, r in ratios.items() if abs(r - 1) > BAND}
    known = OUT_OF_BAND[name]
    assert set(outside) - set(known) == set(), "newly outside +-10 %"
    assert set(known) - set(outside) == set(), "now inside +-10 %: remove from OUT_OF_BAND"
    for column, ratio in known.items():
        assert outside[column] == pytest.approx(ratio, abs=0.002), column
    layer_ratios = quirks_table.layer_ratios(layers, reference)
    assert len(layer_ratios) > 25 * len(layers)  # most of the ~34 figures of every layer
    layers_outside = sorted(c for c, r in layer_ratios.items() if abs(r - 1) > LAYER_BAND)
    assert len(layers_outside) == LAYERS_OUTSIDE[name], layers_outside[:10]
