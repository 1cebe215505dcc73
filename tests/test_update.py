import pytest
import torch

from cimtrain import device, update
from cimtrain.update import UpdateSettings

SETTINGS = UpdateSettings(weight_bits=5, grad_bits=5, levels=32, momentum=0.9,
                          velocity_gain=0.1, sigma_c2c=0.0)


def curves(ltp: float = 1.75, ltd: float = 1.46) -> device.LayerCurves:
    params = device.DeviceParams(32, 32, ltp, ltd, 0.0, 0.0, 0)
    return device.layer_curves(params, torch.zeros((), dtype=torch.float64))


def test_velocity():
    v = update.update_velocity(torch.tensor([1.0, -2.0]), torch.tensor([10.0, 0.0]), SETTINGS)
    assert v.tolist() == pytest.approx([0.9 + 1.0, -1.8])


def test_pulses_hand_checked():
    velocity = torch.tensor([3.0, -1.5, 0.2, 0.0])
    # max 3 -> 2^2; g = [0.75, -0.375, 0.05, 0]; g/2*32 = [12, -6, 0.8, 0]
    pulses = update.pulses_from_velocity(velocity, 1.0, 32)
    assert pulses.tolist() == [12.0, -6.0, 1.0, 0.0]
    assert update.pulses_from_velocity(velocity, 1 / 8, 32).tolist() == [2.0, -1.0, 0.0, 0.0]


def test_weight_change_follows_ltp_and_ltd_curves():
    c = curves()
    weight = torch.tensor([0.0, 0.0, 0.5], dtype=torch.float64)
    pulses = torch.tensor([-3.0, 4.0, 0.0], dtype=torch.float64)
    change = update.weight_change_on_device(weight, pulses, c, 5)
    # LTP: 3 pulses up along the LTP curve from w = 0.
    p = device.pulse_at_weight(torch.tensor(0.0, dtype=torch.float64), c.a_ltp, c.b_ltp)
    up = device.weight_at_pulse(p + 3, c.a_ltp, c.b_ltp)
    q = device.pulse_at_weight(torch.tensor(0.0, dtype=torch.float64), c.a_ltd, c.b_ltd)
    down = device.weight_at_pulse(q - 4, c.a_ltd, c.b_ltd)
    assert change.tolist() == pytest.approx([-float(up), -float(down), 0.0])
    assert change[0] < 0 < change[1]


def test_change_is_clamped_to_weight_range():
    c = curves()
    weight = torch.tensor([0.9, -0.9], dtype=torch.float64)
    change = update.weight_change_on_device(weight, torch.tensor([-20.0, 20.0],
                                            dtype=torch.float64), c, 5)
    assert (weight - change).tolist() == pytest.approx([15 / 16, -15 / 16])


def test_step_moves_whole_grid_steps_with_expected_value():
    generator = torch.Generator().manual_seed(3)
    c = curves()
    weight = torch.zeros(100_000, dtype=torch.float64)
    velocity = torch.full_like(weight, -1.0)  # normalized to -1 -> -16 pulses (LTP)
    velocity[0] = -1.0
    new = update.device_aware_step(weight, velocity, c, SETTINGS, 1.0, generator)
    steps = (weight - new) * 16
    assert torch.equal(steps, torch.round(steps))  # whole 1/16 steps
    expected_change = update.weight_change_on_device(
        weight[:1], torch.tensor([-16.0], dtype=torch.float64), c, 5)
    # floor(change + U) acts on the change in weight units: E[step] = change / 16.
    assert float((weight - new).mean()) == pytest.approx(float(expected_change) / 16, rel=0.02)


def test_zero_velocity_changes_nothing_and_adds_no_noise():
    generator = torch.Generator().manual_seed(0)
    noisy = UpdateSettings(5, 5, 32, 0.9, 0.1, sigma_c2c=0.5)
    weight = torch.linspace(-0.9, 0.9, 50)
    new = update.device_aware_step(weight, torch.zeros(50), curves(), noisy, 1.0, generator)
    assert torch.equal(new, weight)


def test_c2c_noise_only_on_moved_weights():
    generator = torch.Generator().manual_seed(1)
    noisy = UpdateSettings(5, 5, 32, 0.9, 0.1, sigma_c2c=0.01)
    weight = torch.zeros(1000)
    velocity = torch.zeros(1000)
    velocity[:500] = 1.0  # depress the first half by 16 pulses
    new = update.device_aware_step(weight, velocity, curves(), noisy, 1.0, generator)
    moved = new[:500]
    assert torch.equal(new[500:], weight[500:])
    off_grid = (moved * 16 - torch.round(moved * 16)).abs() > 1e-6
    assert off_grid.float().mean() > 0.5  # noise makes moved weights leave the grid
    assert (moved - torch.round(moved * 16) / 16).std() == pytest.approx(0.02, rel=0.2)


def test_velocity_products_are_rounded_separately():
    # 0.9 * v + 0.1 * g with both products rounded to float32 before the sum (no fused add).
    v = torch.tensor([0.7, -1.3, 3.1e-3], dtype=torch.float32)
    g = torch.tensor([1.1e3, 2.3, -7.7], dtype=torch.float32)
    got = update.update_velocity(v, g, SETTINGS)
    expected = (v.double() * 0.9).float() + (g.double() * 0.1).float()
    assert torch.equal(got, expected)


def test_zero_pulses_keep_the_round_trip_residue_only_when_asked():
    c = curves()
    weight = torch.linspace(-0.9, 0.9, 10_001)
    zero = torch.zeros_like(weight)
    assert torch.equal(update.weight_change_on_device(weight, zero, c, 5), zero)
    residue = update.weight_change_on_device(weight, zero, c, 5, exact_zero_pulses=False)
    assert residue.abs().max() < 1e-5 and residue.ne(0).any()  # float noise of the round trip


def test_weight_above_the_curve_top_moves_to_the_range_end():
    c = curves()  # LTD: B - 1 = 1.889; LTP: B - 1 = 1.634
    weight = torch.tensor([1.4, 1.7, 1.95, -1.5])
    pulses = torch.tensor([-3.0, -3.0, 2.0, 2.0])
    change = update.weight_change_on_device(weight, pulses, c, 5)
    assert torch.isfinite(change).all()
    # Above the top of its curve (1.7 on LTP, 1.95 on LTD) a weight lands at the range end.
    assert change[1:3].tolist() == pytest.approx([1.7 - 15 / 16, 1.95 - 15 / 16])


def test_reference_draw_order_draws_noise_even_without_sigma():
    weight, step = torch.zeros(100), torch.zeros(100)
    generator = torch.Generator().manual_seed(3)
    update.programmed_weight(weight, step, SETTINGS, generator, draw_always=True)
    expected = torch.Generator().manual_seed(3)
    torch.randn(100, generator=expected)
    assert torch.equal(generator.get_state(), expected.get_state())
