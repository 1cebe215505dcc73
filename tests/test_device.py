import numpy as np
import pytest
import torch
from conftest import SHARED

from cimtrain import device


def test_shipped_table_equals_shared_table():
    shipped = device.nonlinearity_table()
    shared = device.read_table(SHARED / "device" / "nonlinearity_to_A.csv")
    assert np.array_equal(shipped[0], shared[0]) and np.array_equal(shipped[1], shared[1])
    assert len(shipped[0]) == 900


def test_nearest_row_not_truncated():
    labels, a_norm = device.nonlinearity_table()
    row = {round(label, 2): value for label, value in zip(labels, a_norm, strict=True)}
    got = device.a_normalized(torch.tensor([1.46, 1.459, 1.4549, -1.75, 0.0, 12.0],
                                           dtype=torch.float64))
    expected = [row[1.46], row[1.46], row[1.45], -row[1.75], row[0.01], row[9.0]]
    assert got.tolist() == pytest.approx(expected, rel=0, abs=0)


def test_curve_parameters_closed_form():
    a, b = device.curve_parameters(torch.tensor(1.75, dtype=torch.float64), 32)
    a_norm = dict(zip(*device.nonlinearity_table(), strict=True))
    expected_a = [v for k, v in a_norm.items() if abs(k - 1.75) < 1e-9][0] * 32
    assert float(a) == pytest.approx(expected_a)
    assert float(b) == pytest.approx(2 / (1 - np.exp(-32 / expected_a)))


@pytest.mark.parametrize("label", [1.75, 1.46, 0.04, -0.63, -4.88, 6.0])
@pytest.mark.parametrize("levels", [32, 97])
def test_full_swing_in_levels_pulses(label, levels):
    a, b = device.curve_parameters(torch.tensor(label, dtype=torch.float64), levels)
    ends = device.weight_at_pulse(torch.tensor([0.0, float(levels)], dtype=torch.float64), a, b)
    assert ends.tolist() == pytest.approx([-1.0, 1.0], abs=1e-12)
    positions = torch.arange(levels + 1, dtype=torch.float64)
    curve = device.weight_at_pulse(positions, a, b)
    assert torch.all(torch.diff(curve) > 0)  # monotone
    steps = torch.diff(curve)
    # Positive labels saturate (steps shrink); negative labels accelerate.
    assert (steps[0] > steps[-1]) == (label > 0)


def test_inverse_round_trip():
    a, b = device.curve_parameters(torch.tensor([1.75, -1.46], dtype=torch.float64), 32)
    w = torch.linspace(-1, 1, 101, dtype=torch.float64)[:, None]
    back = device.weight_at_pulse(device.pulse_at_weight(w, a, b), a, b)
    assert torch.allclose(back, w.expand_as(back), atol=1e-12)


def test_presets_override_section_and_cite_a_source():
    resolved = device.resolve_device({"preset": "ag_si", "levels_ltp": 5, "seed": 3})
    assert resolved["levels_ltp"] == 97 and resolved["nonlinearity_ltd"] == -4.88
    assert resolved["seed"] == 3
    assert all(p["source"] for p in device.PRESETS.values())
    with pytest.raises(ValueError, match="device.preset"):
        device.resolve_device({"preset": "unobtainium"})


def test_d2d_draw_is_seeded_and_scaled():
    first = device.sample_d2d_deviation([(400, 500)], 0.2, seed=7)[0]
    again = device.sample_d2d_deviation([(400, 500)], 0.2, seed=7)[0]
    other = device.sample_d2d_deviation([(400, 500)], 0.2, seed=8)[0]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.std() == pytest.approx(0.2, rel=0.02)
    assert abs(first.mean()) < 0.005
