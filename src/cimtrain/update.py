"""The device-aware weight update applied to every weight tensor after each batch.

Steps (DNN+NeuroSim V2.1's arithmetic, see README "Reference" for where we differ):
momentum velocity -> normalized by its nearest power of two -> scaled -> whole write pulses ->
moved along the device's nonlinear LTP or LTD curve -> stochastically rounded to the gradient
grid -> SGD step (lr 1) -> cycle-to-cycle noise on the weights that moved -> clamp.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from cimtrain import quant
from cimtrain.device import LayerCurves, pulse_at_weight, weight_at_pulse


@dataclass(frozen=True)
class UpdateSettings:
    """Scalars of the update rule."""

    weight_bits: int
    grad_bits: int
    levels: int  # max(levels_ltp, levels_ltd): pulses are counted on the finer curve
    momentum: float
    velocity_gain: float
    sigma_c2c: float


def update_velocity(
    velocity: torch.Tensor, grad: torch.Tensor, settings: UpdateSettings
) -> torch.Tensor:
    """velocity <- momentum * velocity + gain * grad."""
    return velocity.mul(settings.momentum).add(grad, alpha=settings.velocity_gain)


def pulses_from_velocity(
    velocity: torch.Tensor, grad_scale: float, levels: int
) -> torch.Tensor:
    """Signed number of write pulses: round(g / 2 * levels), g the normalized, scaled velocity.

    Negative pulses potentiate (the weight grows), positive ones depress.
    """
    g = quant.normalize_by_max(velocity) * grad_scale
    return torch.round(g / 2 * levels)


def weight_change_on_device(
    weight: torch.Tensor, pulses: torch.Tensor, curves: LayerCurves, weight_bits: int
) -> torch.Tensor:
    """Decrease of the weight (old - new) after applying `pulses` along the device curve."""
    potentiate = pulses < 0
    a = torch.where(potentiate, curves.a_ltp, curves.a_ltd)
    b = torch.where(potentiate, curves.b_ltp, curves.b_ltd)
    position = pulse_at_weight(weight, a, b)
    moved = weight_at_pulse(position - pulses, a, b)
    change = weight - quant.clamp_to_range(moved, weight_bits)
    # No pulse, no change: the round trip through the curve must not leak float noise.
    return torch.where(pulses == 0, torch.zeros_like(change), change)


def device_aware_step(
    weight: torch.Tensor,
    velocity: torch.Tensor,
    curves: LayerCurves,
    settings: UpdateSettings,
    grad_scale: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """New weight after one device-aware update of `weight` driven by `velocity`."""
    pulses = pulses_from_velocity(velocity, grad_scale, settings.levels)
    change = weight_change_on_device(weight, pulses, curves, settings.weight_bits)
    step = quant.stochastic_round(change, generator) * quant.grid_step(settings.grad_bits)
    new_weight = weight - step
    if settings.sigma_c2c > 0:
        noise = torch.randn(
            weight.shape, generator=generator, device=weight.device, dtype=weight.dtype
        )
        new_weight = new_weight + noise * (2 * settings.sigma_c2c) * (step != 0)
    return quant.clamp_to_range(new_weight, settings.weight_bits)
