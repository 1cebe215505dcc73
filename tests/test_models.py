import csv

import pytest
import torch
from conftest import SHARED, TINY_LAYERS

from cimtrain import models, quant

QUANT = {"weight_bits": 5, "grad_bits": 5, "activation_bits": 8, "error_bits": 8}


def test_vgg8_matches_the_calibration_network():
    with open(SHARED / "calibration" / "networks" / "vgg8.csv") as stream:
        rows = [[int(v) for v in row.values()] for row in csv.DictReader(stream)]
    geometries = models.layer_geometries(models.VGG8_LAYERS, (3, 32, 32))
    ours = [[g.ifm_h, g.ifm_w, g.ifm_c, g.k_h, g.k_w, g.ofm_c, g.pool, g.stride]
            for g in geometries]
    assert ours == rows
    assert [g.kind for g in geometries] == ["conv"] * 6 + ["fc"] * 2


@pytest.mark.parametrize(("layers", "message"), [
    ([{"type": "pool", "size": 2}, {"type": "fc", "out": 10}], "must follow a conv"),
    ([{"type": "fc", "out": 4}, {"type": "conv", "out": 4, "kernel": 3}], "cannot follow"),
    ([{"type": "conv", "out": 4, "kernel": 3}], "end with a fully connected"),
    ([{"type": "conv", "out": 4, "kernel": 3}, {"type": "pool", "size": 33},
      {"type": "fc", "out": 2}], "pool size 33 exceeds the 32x32 map"),
])
def test_bad_layer_lists_are_named(layers, message):
    with pytest.raises(ValueError, match=message):
        models.layer_geometries(layers, (3, 32, 32))


def test_forward_records_grid_inputs_and_scales_output():
    model = models.build_model({"layers": TINY_LAYERS}, QUANT)
    model.reset_parameters(torch.Generator().manual_seed(0))
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    inputs: list[torch.Tensor] = []
    out = model(x, inputs)
    assert out.shape == (3, 10)
    shapes = [tuple(t.shape) for t in inputs]
    assert shapes == [(3, 3, 32, 32), (3, 4, 16, 16), (3, 8, 4, 4), (3, 16)]
    for recorded in inputs:
        assert torch.equal(recorded, quant.quantize(recorded, 8))
    assert torch.all(inputs[1] >= 0)  # after ReLU
    first = model.weighted[0]
    expected = torch.nn.functional.conv2d(
        x,
        quant.round_to_grid(first.weight, 5), padding=1) / first.scale
    assert torch.allclose(first(x), quant.quantize(expected, 8), atol=1e-6)


def test_weight_gradient_is_scaled_back():
    layer = models.build_model({"layers": TINY_LAYERS}, QUANT).weighted[-1]
    layer.reset_parameters(torch.Generator().manual_seed(0))
    x = torch.rand(2, 16)
    layer(x).sum().backward()
    # d/dw of (x @ Q(w).T / scale), times scale: the straight-through gradient of the
    # quantized error (ones -> 127/128 on the 8-bit grid).
    expected = quant.quantize_error(torch.ones(2, 10), 8).T @ x
    assert torch.allclose(layer.weight.grad, expected, atol=1e-5)
