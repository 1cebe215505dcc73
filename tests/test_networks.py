"""Networks beyond a straight list: strided and padded convs, residual adds, global pooling,
the resnet20 preset, their checks, their traces and their device-aware training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import tiny_config
from test_train import run, synthetic_dataset

from cimtrain import models, quant, train
from cimtrain import trace as traces

QUANT = {"weight_bits": 5, "grad_bits": 5, "activation_bits": 8, "error_bits": 8}
STEP = 2.0 ** -7  # the 8-bit activation grid
# A small residual network: a stride-2 block with a 1x1 shortcut, an identity block, pooling.
SMALL_RESNET = [
    {"type": "conv", "name": "stem", "out": 8, "kernel": 3},
    {"type": "conv", "name": "b1.shortcut", "from": "stem", "out": 16, "kernel": 1,
     "stride": 2, "relu": False},
    {"type": "conv", "name": "b1.conv1", "from": "stem", "out": 16, "kernel": 3, "stride": 2},
    {"type": "conv", "name": "b1.conv2", "out": 16, "kernel": 3, "relu": False},
    {"type": "add", "name": "b1.add", "from": "b1.shortcut"},
    {"type": "conv", "name": "b2.conv1", "out": 16, "kernel": 3},
    {"type": "conv", "name": "b2.conv2", "out": 16, "kernel": 3, "relu": False},
    {"type": "add", "name": "b2.add", "from": "b1.add"},
    {"type": "global_pool"},
    {"type": "fc", "name": "fc", "out": 10},
]


def on_grid(shape: tuple[int, ...], seed: int, low: int = -128, high: int = 128) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(low, high, shape, generator=generator).float() * STEP


# ----------------------------------------------------------------------------- geometry

def test_resnet20_is_the_cifar_resnet_of_0_27_million_weights():
    geometries = models.layer_geometries(models.PRESETS["resnet20"], (3, 32, 32))
    assert len(geometries) == 22  # 19 convs of the blocks and stem, 2 shortcuts, 1 fc
    assert sum(g.fan_in * g.ofm_c for g in geometries) == 270_896
    shortcuts = [g for g in geometries if g.name.endswith("shortcut")]
    assert [(g.name, g.k_h, g.stride, g.ifm_c, g.ofm_c, g.ofm_h) for g in shortcuts] == [
        ("layer2.0.shortcut", 1, 2, 16, 32, 16), ("layer3.0.shortcut", 1, 2, 32, 64, 8)]
    by_name = {g.name: (index, g) for index, g in enumerate(geometries, start=1)}
    # Identity shortcut: layer1.0 adds the stem's output; projection: layer2.0 its shortcut conv.
    assert by_name["layer1.0.conv2"][1].residual == by_name["conv1"][0]
    assert by_name["layer2.0.conv2"][1].residual == by_name["layer2.0.shortcut"][0]
    assert by_name["layer2.1.conv1"][1].input == by_name["layer2.0.conv2"][0]
    assert by_name["layer3.2.conv2"][1].global_pool == 1
    assert geometries[-1].ifm_c == 64 and geometries[-1].ofm_c == 10
    assert {g.ofm_h for g in geometries if g.kind == "conv"} == {32, 16, 8}


@pytest.mark.parametrize(("size", "kernel", "stride", "padding", "expected"), [
    (32, 3, 1, "same", 32), (32, 3, 2, "same", 16), (31, 3, 2, "same", 16),
    (32, 1, 2, "same", 16), (32, 3, 2, 0, 15), (32, 5, 1, 0, 28), (7, 3, 3, 1, 3),
])
def test_conv_output_size_and_forward_follow_stride_and_padding(size, kernel, stride, padding,
                                                                expected):
    layers = [{"type": "conv", "out": 4, "kernel": kernel, "stride": stride,
               "padding": padding}, {"type": "fc", "out": 10}]
    model = models.build_model({"layers": layers}, QUANT, (3, size, size))
    model.reset_parameters(torch.Generator().manual_seed(0))
    geometry = model.geometries[0]
    assert (geometry.ofm_h, geometry.ofm_w) == (expected, expected)
    assert model.geometries[1].ifm_c == 4 * expected * expected
    x = on_grid((2, 3, size, size), 1)
    layer = model.weighted[0]
    pad = kernel // 2 if padding == "same" else padding
    reference = F.conv2d(x, quant.round_to_grid(layer.weight, 5), stride=stride,
                         padding=pad) / layer.scale
    assert torch.allclose(layer(x), quant.quantize(reference, 8), atol=1e-6)
    row = traces.network_row(geometry, 1)
    patches = torch.from_numpy(traces.input_patches(x, row, 8, "conv1").astype(np.float64))
    assert traces.row_patches(row) == expected * expected
    weight = torch.round(layer.weight.detach().double() * 16).reshape(4, -1).T
    product = (patches @ weight) * STEP / 16
    direct = F.conv2d(x.double(), torch.round(layer.weight.detach().double() * 16) / 16,
                      stride=stride, padding=pad)
    assert torch.allclose(product, direct.flatten(2).transpose(1, 2), atol=1e-9)


@pytest.mark.parametrize(("change", "message"), [
    (lambda ls: ls[4].update({"from": "nothing"}), r"layers\[4\] \(b1.add\): from: 'nothing'"),
    (lambda ls: ls[4].update({"from": "stem"}), r"layers\[4\] \(b1.add\): adds .* shapes differ"),
    (lambda ls: ls[4].update({"from": "input"}), r"\(b1.add\): the shortcut operand must be"),
    (lambda ls: ls[1].update({"name": "stem"}), r"layers\[1\] \(stem\): the name 'stem' is "
                                               "already taken"),
    (lambda ls: ls[7].update({"from": "b1.conv2"}), r"layers\[7\] \(b2.add\): reads 'b1.conv2', "
                                                   r"which 'b1.add' goes on to transform"),
    (lambda ls: ls.insert(2, {"type": "conv", "name": "unused", "out": 4, "kernel": 3}),
     r"layers\[2\] \(unused\): its output is never read"),
    (lambda ls: ls.insert(9, {"type": "conv", "out": 4, "kernel": 3}),
     r"layers\[9\] \(conv7\): a conv layer cannot follow"),
    (lambda ls: ls.insert(8, {"type": "add", "from": "b1.add"}),
     r"layers\[8\] \(add3\): one residual add per conv or fc layer"),
])
def test_a_bad_network_names_the_layer(change, message):
    layers = [dict(layer) for layer in SMALL_RESNET]
    change(layers)
    with pytest.raises(ValueError, match=message):
        models.layer_geometries(layers, (3, 32, 32))


def test_config_validation_names_the_layer():
    from cimtrain.config import ConfigError, model_geometries

    layers = [dict(layer) for layer in SMALL_RESNET]
    layers[7]["from"] = "stem"
    config = tiny_config(model={"layers": layers})
    with pytest.raises(ConfigError,
                       match=r"config: model.layers\[7\] \(b2.add\): adds b2.conv2 .* and stem"):
        model_geometries(config)


# ----------------------------------------------------------------------------- residual add

@pytest.mark.parametrize("shift", [0, 1])
def test_the_residual_add_is_a_quantized_add_with_a_power_of_two_scale(shift):
    layers = [{"type": "conv", "name": "a", "out": 4, "kernel": 3},
              {"type": "conv", "name": "b", "out": 4, "kernel": 3, "relu": False},
              {"type": "add", "from": "a", "shift": shift, "relu": False},
              {"type": "global_pool"}, {"type": "fc", "out": 10}]
    model = models.build_model({"layers": layers}, QUANT, (3, 8, 8))
    add = model.nodes[2]
    main, shortcut = on_grid((2, 4, 8, 8), 2), on_grid((2, 4, 8, 8), 3, low=0)
    main.requires_grad_(True)
    shortcut.requires_grad_(True)
    out = model._quantized((main + shortcut) * 2.0 ** -add.shift)
    total = (main + shortcut).detach()
    if shift == 0:  # both operands on the grid: a saturating integer add, exact
        expected = total.clamp(-1 + STEP, 1 - STEP)
    else:  # halved and rounded back to the grid
        expected = torch.round(total / 2 / STEP) * STEP
    assert torch.equal(out.detach(), expected)
    assert torch.equal(out.detach(), quant.quantize(out.detach(), 8))
    # Backward: one quantized error, scaled by 2^-shift, reaches both branches alike.
    out.backward(torch.linspace(-1, 1, out.numel()).reshape(out.shape))
    assert torch.equal(main.grad, shortcut.grad)
    error = main.grad * 2.0**shift
    assert torch.equal(error, quant.quantize(error, 8))


def test_global_pool_averages_each_channel_onto_the_grid():
    model = models.build_model({"layers": SMALL_RESNET}, QUANT)
    x = on_grid((2, 16, 8, 8), 4, low=0)
    pooled = model._quantized(x.mean(dim=(2, 3)))
    assert torch.equal(pooled, torch.round(x.mean(dim=(2, 3)) / STEP) * STEP)


def test_forward_records_what_every_weighted_layer_reads():
    model = models.build_model({"layers": SMALL_RESNET}, QUANT)
    model.reset_parameters(torch.Generator().manual_seed(0))
    inputs: list[torch.Tensor] = []
    out = model(on_grid((2, 3, 32, 32), 5), inputs)
    assert out.shape == (2, 10)
    assert [tuple(t.shape[1:]) for t in inputs] == [
        (3, 32, 32), (8, 32, 32), (8, 32, 32), (16, 16, 16), (16, 16, 16), (16, 16, 16),
        (16,)]
    assert torch.equal(inputs[1], inputs[2])  # the shortcut and the block read the stem
    for seen in inputs:
        assert torch.equal(seen, quant.quantize(seen, 8))


# ----------------------------------------------------------------------------- training

def test_a_residual_network_trains_every_layer_and_resumes_exactly(tmp_path):
    config = tiny_config(model={"layers": SMALL_RESNET},
                         train={"reset_velocity_each_epoch": False})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    assert start["layer_names"] == ["stem", "b1.shortcut", "b1.conv1", "b1.conv2", "b2.conv1",
                                    "b2.conv2", "fc"]
    dataset = synthetic_dataset()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = run(config, start, dataset, tmp_path / "a", 2, via_files=False)
    jobs = run(config, start, dataset, tmp_path / "b", 2, via_files=True)
    for key in ("weights", "weights_before_last_update", "velocities"):
        for x, y in zip(one[key], jobs[key], strict=True):
            assert torch.equal(x, y)
    # The device-aware update moved every CIM layer, the shortcut conv included.
    for name, before, after in zip(start["layer_names"], start["weights"], one["weights"],
                                   strict=True):
        assert not torch.equal(before, after), name


def test_resnet18_is_the_cifar_variant_of_11_2_million_weights():
    geometries = models.layer_geometries(models.PRESETS["resnet18"], (3, 32, 32))
    assert len(geometries) == 21  # stem, 16 block convs, 3 shortcuts, fc
    assert sum(g.fan_in * g.ofm_c for g in geometries) == 11_164_352
    assert [g.ofm_h for g in geometries if g.name.endswith("conv2")] == [32, 32, 16, 16, 8, 8,
                                                                         4, 4]
