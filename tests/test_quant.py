import math

import pytest
import torch

from cimtrain import quant


def test_grid_rounding_and_clamp_5_bits():
    x = torch.tensor([-2.0, -1.0, -0.03, 0.0, 0.03125, 0.04, 0.97, 1.5])
    q = quant.quantize(x, 5)
    # Grid 1/16 inside [-15/16, 15/16]; 0.03125 is a tie and rounds to even (0).
    assert q.tolist() == [-15 / 16, -15 / 16, 0.0, 0.0, 0.0, 1 / 16, 15 / 16, 15 / 16]
    assert torch.all(q * 16 == torch.round(q * 16))


def test_clamp_margin_rules():
    x = torch.tensor([-3.0, 3.0])
    assert quant.clamp_to_range(x, 8).tolist() == [-1 + 1 / 128, 1 - 1 / 128]
    assert quant.clamp_to_range(x, 1).tolist() == [-1.0, 1.0]
    assert quant.clamp_to_range(x, 16).tolist() == [-1.0, 1.0]
    assert quant.round_to_grid(torch.tensor([-0.2, 0.3]), 1).tolist() == [-1.0, 1.0]


def test_normalize_by_max_uses_nearest_power_of_two():
    x = torch.tensor([0.3, -2.9, 1.0])
    # max 2.9 -> log2 = 1.54 -> 2^2 = 4
    assert torch.equal(quant.normalize_by_max(x), x / 4)
    y = torch.tensor([0.1, -0.7])  # log2 0.7 = -0.51 -> 2^-1
    assert torch.equal(quant.normalize_by_max(y), y * 2)


def test_all_zero_tensor_is_no_error():
    zeros = torch.zeros(3, 4)
    assert torch.equal(quant.normalize_by_max(zeros), zeros)
    assert torch.equal(quant.quantize_error(zeros, 8), zeros)


def test_error_quantizer_in_backward_pass():
    x = torch.tensor([0.2, -0.5, 0.9], requires_grad=True)
    y = quant.quantize_activation_and_error(x, 8, 2)
    assert torch.equal(y, quant.quantize(x.detach(), 8))
    y.backward(torch.tensor([3.0, -0.5, 0.1]))
    # error / 4 = [0.75, -0.125, 0.025] -> 2-bit grid {-0.5, 0, 0.5}, clamp +-0.5
    assert x.grad.tolist() == [0.5, -0.0, 0.0]


def test_last_layer_keeps_activations():
    x = torch.tensor([1.7, -3.2])
    assert torch.equal(quant.quantize_activation_and_error(x, 0, 8), x)


def test_stochastic_rounding_is_unbiased_and_whole():
    generator = torch.Generator().manual_seed(0)
    x = torch.full((200_000,), 0.3)
    rounded = quant.stochastic_round(x, generator)
    assert set(rounded.unique().tolist()) <= {0.0, 1.0}
    assert rounded.mean().item() == pytest.approx(0.3, abs=0.005)
    assert torch.equal(quant.stochastic_round(torch.tensor([2.0, -1.0]), generator),
                       torch.tensor([2.0, -1.0]))


@pytest.mark.parametrize(("fan_in", "expected_scale"), [(27, 4.0), (1152, 32.0), (8192, 64.0)])
def test_wage_init_limit_and_scale(fan_in, expected_scale):
    limit, scale = quant.init_limit_and_scale(fan_in, 5)
    assert limit == 1.5  # Wm = 24 / 2^4 exceeds sqrt(3 / fan_in) for these layers
    assert scale == expected_scale
    assert scale == 2.0 ** round(math.log2(1.5 / math.sqrt(3 / fan_in)))


def test_straight_through_gradient():
    x = torch.tensor([0.33, -0.71], requires_grad=True)
    y = quant.straight_through_quantize(x, 5)
    assert y.tolist() == [5 / 16, -11 / 16]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_clipped_activations_pass_no_error_hand_checked():
    # 8-bit activations: clamp at +-(1 - 1/128), bounds included.
    x = torch.tensor([0.5, 1.2, -1.3, 1 - 1 / 128, -(1 - 1 / 128)], requires_grad=True)
    y = quant.quantize_activation_and_error(x, 8, 8)
    y.backward(torch.tensor([2.0, 3.0, -1.0, 1.0, -1.0]))
    # max 3 -> divide by 4: [0.5, 0.75, -0.25, 0.25, -0.25], on the 8-bit grid already; the two
    # clamped activations pass nothing, the ones at the bounds pass theirs.
    assert x.grad.tolist() == [0.5, 0.0, 0.0, 0.25, -0.25]


def test_unquantized_last_layer_passes_every_error():
    x = torch.tensor([3.0, -2.0], requires_grad=True)
    quant.quantize_activation_and_error(x, 0, 8).backward(torch.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [1 - 1 / 128, 0.5]  # quantized error (clamped at 1 - 1/128), no mask
