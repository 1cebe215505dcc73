"""WAGE quantization: fixed-point grids for weights, activations, errors and gradients.

Follows Wu et al., "Training and Inference with Integers in Deep Neural Networks" (ICLR 2018),
with the conventions DNN+NeuroSim V2.1 uses for on-chip training (see README, "Reference").
A b-bit quantity lives on the grid k * 2^-(b-1) inside (-1, 1).
"""

from __future__ import annotations

import math

import torch


def grid_step(bits: int) -> float:
    """Spacing of the b-bit grid."""
    return 2.0 ** -(bits - 1)


def range_limits(bits: int) -> tuple[float, float]:
    """[-1 + step, 1 - step]; no margin for 1-bit or (effectively float) > 15-bit values."""
    margin = 0.0 if bits == 1 or bits > 15 else grid_step(bits)
    return -1.0 + margin, 1.0 - margin


def clamp_to_range(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Clip to range_limits(bits)."""
    return x.clamp(*range_limits(bits))


def round_to_grid(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Round to the b-bit grid (sign for 1 bit, identity beyond 15 bits); no clipping."""
    if bits == 1:
        return torch.sign(x)
    if bits > 15:
        return x
    levels = 2.0 ** (bits - 1)
    return torch.round(x * levels) / levels


def quantize(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Clip then round: the value a b-bit register holds."""
    return round_to_grid(clamp_to_range(x, bits), bits)


def nearest_power_of_two(x: torch.Tensor) -> torch.Tensor:
    """2^round(log2 x) for positive x."""
    return torch.exp2(torch.round(torch.log2(x)))


def normalize_by_max(x: torch.Tensor) -> torch.Tensor:
    """Divide by the power of two nearest max|x|, so the largest entry is about 1.

    An all-zero tensor is returned unchanged: it carries no update, and must not stop training.
    """
    max_abs = x.abs().max()
    if max_abs == 0:
        return torch.zeros_like(x)
    return x / nearest_power_of_two(max_abs)


def quantize_error(error: torch.Tensor, bits: int) -> torch.Tensor:
    """Backward error: normalized by its maximum, then quantized to b bits."""
    return quantize(normalize_by_max(error), bits)


def stochastic_round(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """floor(x + U[0, 1)): unbiased rounding to integers."""
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return torch.floor(x + noise)


def init_limit_and_scale(fan_in: int, weight_bits: int) -> tuple[float, float]:
    """WAGE initialization: uniform limit and per-layer output scale of a layer.

    The limit is the larger of the float (He-uniform, factor 1) limit and Wm = 1.5 * 2^(b-1)
    grid steps; the scale is the power of two that brings the float limit up to Wm, at least 1.
    """
    float_limit = math.sqrt(3.0 / fan_in)
    wm = 1.5 * 16 * grid_step(weight_bits)
    scale = max(1.0, 2.0 ** round(math.log2(wm / float_limit)))
    return max(wm, float_limit), scale


class _ActivationErrorQuantizer(torch.autograd.Function):
    """Quantize activations in the forward pass and errors in the backward pass.

    The activation clamp is a clipped straight-through estimator: an activation the clamp cut
    (strictly outside [-1 + step, 1 - step]) passes no error back, as the derivative of the clamp
    is zero there. The error is normalized over the whole tensor before that mask is applied.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, activation_bits: int, error_bits: int) -> torch.Tensor:  # noqa: ANN001
        ctx.error_bits = error_bits
        if activation_bits <= 0:
            ctx.save_for_backward(None)
            return x.clone()
        lower, upper = range_limits(activation_bits)
        inside = (x >= lower) & (x <= upper)
        ctx.save_for_backward(inside)
        return quantize(x, activation_bits)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple:  # noqa: ANN001
        (inside,) = ctx.saved_tensors
        error = quantize_error(grad_output, ctx.error_bits)
        if inside is not None:
            error = error * inside
        return error, None, None


def quantize_activation_and_error(
    x: torch.Tensor, activation_bits: int, error_bits: int
) -> torch.Tensor:
    """Activation quantizer with WAGE error quantization; activation_bits <= 0 keeps x as is."""
    return _ActivationErrorQuantizer.apply(x, activation_bits, error_bits)


def straight_through_quantize(x: torch.Tensor, bits: int) -> torch.Tensor:
    """round_to_grid in the forward pass, identity gradient in the backward pass."""
    return x + (round_to_grid(x, bits) - x).detach()
