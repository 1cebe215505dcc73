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
    """velocity <- momentum * velocity + gain * grad, each product rounded on its own."""
    return velocity * settings.momentum + grad * settings.velocity_gain


def pulses_from_normalized(
    normalized: torch.Tensor, grad_scale: float, levels: int
) -> torch.Tensor:
    """Signed number of write pulses: round(g / 2 * levels), g the normalized velocity scaled.

    Negative pulses potentiate (the weight grows), positive ones depress.
    """
    return torch.round(normalized * grad_scale / 2 * levels)


def pulses_from_velocity(velocity: torch.Tensor, grad_scale: float, levels: int) -> torch.Tensor:
    """Pulses of a velocity: normalized by the power of two nearest its maximum, then scaled."""
    return pulses_from_normalized(quant.normalize_by_max(velocity), grad_scale, levels)


def weight_change_on_device(
    weight: torch.Tensor,
    pulses: torch.Tensor,
    curves: LayerCurves,
    weight_bits: int,
    exact_zero_pulses: bool = True,
) -> torch.Tensor:
    """Decrease of the weight (old - new) after applying `pulses` along the device curve.

    With exact_zero_pulses a weight that gets no pulse has no change; without, its change is
    the float residue of the round trip through the curve, as in the reference.
    """
    potentiate = pulses < 0
    a = torch.where(potentiate, curves.a_ltp, curves.a_ltd)
    b = torch.where(potentiate, curves.b_ltp, curves.b_ltd)
    # Guard: a weight above the curve's top (an unclipped initial weight can be) has no pulse
    # position (log of a negative number); it counts as infinitely far up the curve, so its
    # move ends at the top, B - 1, and the clamp. Finite positions are left untouched.
    position = pulse_at_weight(weight, a, b).nan_to_num(nan=torch.inf)
    moved = weight_at_pulse(position - pulses, a, b)
    change = weight - quant.clamp_to_range(moved, weight_bits)
    if not exact_zero_pulses:
        return change
    return torch.where(pulses == 0, torch.zeros_like(change), change)


def rounded_step(
    weight: torch.Tensor,
    pulses: torch.Tensor,
    curves: LayerCurves,
    settings: UpdateSettings,
    generator: torch.Generator,
    exact_zero_pulses: bool = True,
) -> torch.Tensor:
    """The SGD step (lr 1): the device's change stochastically rounded to the gradient grid."""
    change = weight_change_on_device(weight, pulses, curves, settings.weight_bits,
                                     exact_zero_pulses)
    return quant.stochastic_round(change, generator) * quant.grid_step(settings.grad_bits)


def programmed_weight(
    weight: torch.Tensor,
    step: torch.Tensor,
    settings: UpdateSettings,
    generator: torch.Generator,
    draw_always: bool = False,
) -> torch.Tensor:
    """weight - step, cycle-to-cycle noise N(0, 2 sigma) on the weights that moved, clamped.

    draw_always draws the noise even when sigma is 0, keeping the random stream's position
    independent of sigma (the reference's order of draws).
    """
    new_weight = weight - step
    if settings.sigma_c2c > 0 or draw_always:
        noise = torch.randn(
            weight.shape, generator=generator, device=weight.device, dtype=weight.dtype
        )
        new_weight = new_weight + noise * (2 * settings.sigma_c2c) * (step != 0)
    return quant.clamp_to_range(new_weight, settings.weight_bits)


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
    step = rounded_step(weight, pulses, curves, settings, generator)
    return programmed_weight(weight, step, settings, generator)
