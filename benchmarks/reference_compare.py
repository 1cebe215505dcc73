"""cimtrain's training step against DNN+NeuroSim V2.1's, function by function, in both modes.

Prints one table per `train.reference_quirks` mode (none, all): each function of the step run
on identical inputs and random generators by cimtrain and by tests/reference_wage.py (an
independent implementation of the reference's step), the largest absolute difference, and the
verdict: equal bit for bit, or which documented deviation makes it differ.

    python benchmarks/reference_compare.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import reference_wage as ref  # noqa: E402

from cimtrain import config as run_config  # noqa: E402
from cimtrain import device, quant, train, update  # noqa: E402
from cimtrain.models import build_model  # noqa: E402

TABLE = device.nonlinearity_table()[1]
PARAMS = device.DeviceParams(32, 32, 1.75, 1.46, 0.003, 0.0, 0)
SETTINGS = update.UpdateSettings(5, 5, 32, 0.9, 0.1, 0.003)


def max_difference(ours: list[torch.Tensor], theirs: list[torch.Tensor]) -> float:
    """Largest |ours - theirs| where the reference is finite (inf when any entry is NaN in ours)."""
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        a, b = a.double(), b.double().expand_as(a)
        finite = torch.isfinite(b)
        if not torch.isfinite(a[finite]).all():
            return float("inf")
        if finite.any():
            worst = max(worst, float((a[finite] - b[finite]).abs().max()))
    return worst


def reference_curves(shape: tuple[int, ...], deviation: np.ndarray | float = 0.0) -> tuple:
    ltp = (np.ones(shape, np.float32) * np.float32(1.75) + deviation).astype(np.float32)
    ltd = (np.ones(shape, np.float32) * np.float32(1.46) + deviation).astype(np.float32)
    return ref.curve(ltp, TABLE), ref.curve(ltd, TABLE)


def activation_and_error(quirks: frozenset[str]) -> tuple[list, list]:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(256, 256, generator=generator) * 0.8
    error = torch.randn(256, 256, generator=generator) * 300
    ours_x, theirs_x = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours, theirs = quant.quantize_activation_and_error(ours_x, 8, 8), ref.activation(theirs_x, 8)
    ours.backward(error.clone())
    theirs.backward(error.clone())
    return [ours.detach(), ours_x.grad], [theirs.detach(), theirs_x.grad]


def forward_weight(quirks: frozenset[str]) -> tuple[list, list]:
    model = build_model({"preset": "vgg8"}, {"weight_bits": 5, "activation_bits": 8,
                                             "error_bits": 8, "grad_bits": 5})
    layer = model.weighted[1]
    weight = torch.empty(layer.weight.shape).uniform_(-1.5, 1.5, generator=torch.Generator())
    with torch.no_grad():
        layer.weight.copy_(weight)
    theirs_w = weight.clone().requires_grad_()
    ours, theirs = layer.effective_weight(), ref.forward_weight(theirs_w, layer.scale)
    upstream = torch.randn(weight.shape, generator=torch.Generator().manual_seed(2))
    ours.backward(upstream)
    theirs.backward(upstream)
    return [ours.detach(), layer.weight.grad], [theirs.detach(), theirs_w.grad]


def curves_with(sigma_d2d: float) -> Callable[[frozenset[str]], tuple[list, list]]:
    def compare(quirks: frozenset[str]) -> tuple[list, list]:
        shape = (128, 1152)
        deviation = (np.random.default_rng(3).standard_normal(shape) * sigma_d2d).astype(
            np.float32)
        ours = device.layer_curves(PARAMS, torch.from_numpy(deviation),
                                   "table_truncation" in quirks)
        (a_ltp, b_ltp), (a_ltd, b_ltd) = reference_curves(shape, deviation)
        return ([ours.a_ltp, ours.b_ltp, ours.a_ltd, ours.b_ltd],
                [a_ltp.float(), b_ltp.float(), a_ltd.float(), b_ltd.float()])
    return compare


def rounded_step(quirks: frozenset[str]) -> tuple[list, list]:
    generator = torch.Generator().manual_seed(4)
    weight = torch.empty(256, 1152).uniform_(-15 / 16, 15 / 16, generator=generator)
    velocity = torch.randn(256, 1152, generator=generator) * 40
    curves = device.layer_curves(PARAMS, torch.zeros(()), "table_truncation" in quirks)
    theirs = ref.weight_gradient(weight, velocity.clone(), 0.5, *reference_curves(weight.shape),
                                 torch.Generator().manual_seed(9))
    pulses = update.pulses_from_normalized(quant.normalize_by_max(velocity), 0.5, 32)
    ours = update.rounded_step(weight, pulses, curves, SETTINGS, torch.Generator().manual_seed(9),
                               "zero_pulse_round_trip" not in quirks)
    return [ours], [theirs]


def vgg8_steps(quirks: frozenset[str], steps: int = 2) -> tuple[list, list, list, list]:
    config = run_config.validate({"dataset": {"name": "digits"}})
    checkpoint = train.initial_checkpoint(config["model"], config["quant"], 117)
    ours_start = checkpoint["unclipped_weights" if "unclipped_init" in quirks else "weights"]
    model = build_model(config["model"], config["quant"])
    with torch.no_grad():
        for layer, weight in zip(model.weighted, ours_start, strict=True):
            layer.weight.copy_(weight)
    count = len(ours_start)
    reference_start = checkpoint["unclipped_weights"]  # the reference never clips its init
    layers = [ref.Layer(g.kind, w.clone(), pool, i == count - 1)
              for i, (g, w, pool) in enumerate(zip(model.geometries, reference_start,
                                                  model.pool_sizes, strict=True))]
    data = torch.Generator().manual_seed(5)
    images = torch.rand(4, 3, 32, 32, generator=data) * 2 - 1
    labels = torch.tensor([3, 7, 0, 9])
    curves = [device.layer_curves(PARAMS, torch.zeros(()), "table_truncation" in quirks)] * count
    theirs_curves = [reference_curves(w.shape) for w in ours_start]
    ours_v = [torch.zeros_like(w) for w in ours_start]
    theirs_v = [torch.zeros_like(w) for w in ours_start]
    ours_gen, theirs_gen = torch.Generator().manual_seed(6), torch.Generator().manual_seed(6)
    for _ in range(steps):
        train.train_step(model, images, labels, 10, ours_v, curves, SETTINGS, 1.0, ours_gen,
                         quirks)
        ref.training_step(layers, theirs_v, images, labels, 1.0, 0.003, theirs_curves, theirs_gen)
    ours_w = [layer.weight.detach() for layer in model.weighted]
    return ours_w, [layer.weight for layer in layers], ours_v, theirs_v


# function, comparison, the quirks that make cimtrain differ when they are off
ROWS: list[tuple[str, Callable, str]] = [
    ("activation quantizer and clipped error", activation_and_error, ""),
    ("forward weight (value and gradient)", forward_weight, ""),
    ("curve A, B (nominal labels)", curves_with(0.0), "table_truncation"),
    ("curve A, B (d2d sigma 0.3)", curves_with(0.3), "table_truncation"),
    ("rounded step, one layer", rounded_step, "zero_pulse_round_trip"),
]


def main() -> None:
    for mode in ("none", "all"):
        quirks = train.resolve_quirks(mode)
        print(f"\ntrain.reference_quirks: {mode}")
        print(f"{'function':<44} {'max |difference|':>17}  verdict")
        results = [(name, *compare(quirks), cause) for name, compare, cause in ROWS]
        ours_w, theirs_w, ours_v, theirs_v = vgg8_steps(quirks)
        results.append(("VGG-8, 2 steps: velocities", ours_v, theirs_v,
                         "velocity_in_place, unclipped_init"))
        results.append(("VGG-8, 2 steps: weights", ours_w, theirs_w,
                        "the five step quirks (draw_order first)"))
        for name, ours, theirs, cause in results:
            difference = max_difference(ours, theirs)
            equal = all(torch.equal(a, b.expand_as(a)) for a, b in zip(ours, theirs, strict=True)
                        if torch.isfinite(b).all())
            verdict = "equal, bit for bit" if equal and difference == 0 else \
                f"differs ({cause} off)" if cause else "DIFFERS: not a documented deviation"
            print(f"{name:<44} {difference:>17.3g}  {verdict}")


if __name__ == "__main__":
    main()
