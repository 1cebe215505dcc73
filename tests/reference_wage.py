"""An independent implementation of DNN+NeuroSim V2.1's training step, from its description.

Written from the notes on what the reference computes (../shared/docs/REFERENCE_NOTES.md and
docs/REFERENCE_TRAINING.md), with none of cimtrain's code: plain tensor expressions in the
order the reference evaluates them, so that cimtrain's `train.reference_quirks: all` can be
held to it bit for bit. Used by tests/test_reference_step.py and benchmarks/reference_compare.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

WEIGHT_BITS, GRAD_BITS, ACTIVATION_BITS, ERROR_BITS = 5, 5, 8, 8
LEVELS = 32
GAMMA, ALPHA = 0.9, 0.1


def margin(bits: int) -> float:
    return 0.0 if bits == 1 or bits > 15 else 1.0 / 2 ** (bits - 1)


def clip(x: torch.Tensor, bits: int) -> torch.Tensor:
    """torch.clamp: differentiable, zero derivative strictly outside the bounds."""
    return torch.clamp(x, -1 + margin(bits), 1 - margin(bits))


def grid(x: torch.Tensor, bits: int) -> torch.Tensor:
    scale = 2.0 ** (bits - 1)
    return torch.round(x * scale) / scale


def power_of_two_near(x: torch.Tensor) -> torch.Tensor:
    return 2.0 ** torch.round(torch.log2(x))


def error_code(error: torch.Tensor, bits: int) -> torch.Tensor:
    """Error divided by the power of two nearest its maximum, clipped, on the error grid."""
    scaled = error / power_of_two_near(error.abs().max())
    return grid(clip(scaled, bits), bits)


class _RoundForwardQuantizeErrorBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, activation_bits: int) -> torch.Tensor:  # noqa: ANN001
        return x if activation_bits < 0 else grid(x, activation_bits)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple:  # noqa: ANN001
        return error_code(grad, ERROR_BITS), None


def activation(x: torch.Tensor, bits: int) -> torch.Tensor:
    """The clamp sits outside the autograd function: clipped activations pass no error."""
    if bits >= 0:
        x = clip(x, bits)
    return _RoundForwardQuantizeErrorBackward.apply(x, bits)


def layer_scale(fan_in: int) -> float:
    wm = 1.5 * 16 / 2 ** (WEIGHT_BITS - 1)
    return max(1.0, 2.0 ** round(math.log2(wm / math.sqrt(3.0 / fan_in))))


def forward_weight(weight: torch.Tensor, scale: float) -> torch.Tensor:
    """Value: the weight on the weight grid (no clip); gradient: scale times the incoming one."""
    scaled = weight * scale + (weight - weight * scale).detach()
    return scaled + (grid(scaled, WEIGHT_BITS) - scaled).detach()


@dataclass
class Layer:
    kind: str  # conv or fc
    weight: torch.Tensor
    pool: int  # 0: none
    last: bool

    @property
    def scale(self) -> float:
        return layer_scale(self.weight[0].numel())


def forward(layers: list[Layer], images: torch.Tensor) -> torch.Tensor:
    x = images
    for layer in layers:
        weight = forward_weight(layer.weight, layer.scale)
        if layer.kind == "conv":
            x = F.conv2d(x, weight, padding=layer.weight.shape[-1] // 2)
        else:
            x = F.linear(x.reshape(len(x), -1), weight)
        x = activation(x / layer.scale, -1 if layer.last else ACTIVATION_BITS)
        if not layer.last:
            x = F.relu(x)
        if layer.pool:
            x = F.max_pool2d(x, layer.pool)
    return x


def sse(output: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    target = torch.zeros_like(output)
    target[torch.arange(len(labels)), labels] = 1
    return 0.5 * ((output - target) ** 2).sum()


def table_a(nonlinearity: np.ndarray, table: np.ndarray) -> np.ndarray:
    """A_normalized by truncation of |NL| * 100 in the label's float type; float64 result."""
    index = np.clip((np.abs(nonlinearity) * 100).astype(int) - 1, 0, len(table) - 1)
    return np.sign(nonlinearity) * table[index]


def curve(nonlinearity: np.ndarray, table: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(A, B) as float64 tensors of the label's shape."""
    a = torch.from_numpy(table_a(nonlinearity, table) * LEVELS)
    return a, 2 / (1 - torch.exp(-LEVELS / a))


def weight_gradient(weight: torch.Tensor, velocity: torch.Tensor, grad_scale: float,
                    ltp: tuple, ltd: tuple, generator: torch.Generator) -> torch.Tensor:
    """The rounded SGD gradient of one layer; divides `velocity` in place by its scale."""
    velocity /= power_of_two_near(velocity.abs().max())
    g = grad_scale * velocity
    pulses = torch.round(g / 2 * LEVELS)
    a = torch.where(torch.sign(pulses) < 0, ltp[0], ltd[0]).float()
    b = torch.where(torch.sign(pulses) < 0, ltp[1], ltd[1]).float()
    position = -a * torch.log(1 - (weight + 1) / b)
    moved = b * (1 - torch.exp(-(position - pulses) / a)) - 1
    change = weight - clip(moved, WEIGHT_BITS)
    uniform = torch.empty(change.shape).uniform_(generator=generator)
    return torch.floor(change + uniform) / 2 ** (GRAD_BITS - 1)


def training_step(layers: list[Layer], velocities: list[torch.Tensor], images: torch.Tensor,
                  labels: torch.Tensor, grad_scale: float, sigma_c2c: float,
                  curves: list[tuple[tuple, tuple]], generator: torch.Generator) -> torch.Tensor:
    """One batch: forward, backward, update of every layer (weights, velocities replaced)."""
    for layer in layers:
        layer.weight.requires_grad_(True)
        layer.weight.grad = None
    loss = sse(forward(layers, images), labels)
    loss.backward()
    gradients = {}
    with torch.no_grad():
        for i in reversed(range(len(layers))):
            velocities[i] = GAMMA * velocities[i] + ALPHA * layers[i].weight.grad
            gradients[i] = weight_gradient(layers[i].weight, velocities[i], grad_scale,
                                           *curves[i], generator)
        for i in reversed(range(len(layers))):
            stepped = layers[i].weight - gradients[i]
            spread = sigma_c2c * 2 * torch.ones_like(stepped)
            noise = torch.normal(torch.zeros_like(stepped), spread, generator=generator)
            layers[i].weight = clip(stepped + noise * torch.sign(torch.abs(gradients[i])),
                                    WEIGHT_BITS)
    return loss.detach()
