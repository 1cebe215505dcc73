import csv

import numpy as np
import pytest
import torch
from conftest import SHARED, TINY_LAYERS, tiny_config

from cimtrain import data, models, quant, stages, train

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


# ----------------------------------------------------------------------------- datasets' shapes


def rows(geometries: list) -> list[tuple[int, ...]]:
    return [(g.ifm_h, g.ifm_w, g.ifm_c, g.ofm_c) for g in geometries]


def test_vgg8_on_grey_28x28_pools_28_14_7_3():
    geometries = models.dataset_geometries({"preset": "vgg8"}, {"name": "mnist"})
    assert rows(geometries) == [
        (28, 28, 1, 128), (28, 28, 128, 128), (14, 14, 128, 256), (14, 14, 256, 256),
        (7, 7, 256, 512), (7, 7, 512, 512), (1, 1, 3 * 3 * 512, 1024), (1, 1, 1024, 10)]
    model = models.build_model({"preset": "vgg8"}, QUANT, dataset="fashion_mnist")
    model.reset_parameters(torch.Generator().manual_seed(0))
    inputs: list[torch.Tensor] = []
    assert model(torch.rand(2, 1, 28, 28) * 2 - 1, inputs).shape == (2, 10)
    assert tuple(inputs[0].shape) == (2, 1, 28, 28) and tuple(inputs[6].shape) == (2, 512, 3, 3)


@pytest.mark.parametrize("preset", ["vgg8", "resnet20", "resnet18", "mlp"])
def test_a_presets_last_layer_has_one_output_per_class(preset):
    for dataset, classes in (("cifar10", 10), ("cifar100", 100), ("mnist", 10)):
        geometries = models.dataset_geometries({"preset": preset}, {"name": dataset})
        assert geometries[-1].ofm_c == classes
        channels, height, width = data.input_shape(dataset)
        first = geometries[0]
        assert first.fan_in == (channels * height * width if preset == "mlp" else channels * 9)
    # Only the width of the last layer changes with the class count.
    ten = models.dataset_geometries({"preset": preset}, "cifar10")
    hundred = models.dataset_geometries({"preset": preset}, "cifar100")
    assert ten[:-1] == hundred[:-1]


def test_resnet20_runs_on_grey_28x28_images():
    model = models.build_model({"preset": "resnet20"}, QUANT, dataset="mnist")
    model.reset_parameters(torch.Generator().manual_seed(0))
    inputs: list[torch.Tensor] = []
    assert model(torch.rand(2, 1, 28, 28) * 2 - 1, inputs).shape == (2, 10)
    # Stride 2 twice: 28 -> 14 -> 7, then global pooling.
    assert tuple(inputs[0].shape) == (2, 1, 28, 28) and tuple(inputs[-1].shape) == (2, 64)
    assert {tuple(t.shape[2:]) for t in inputs[1:-1]} == {(28, 28), (14, 14), (7, 7)}


def test_mlp_is_fc_layers_on_the_flattened_image():
    assert rows(models.dataset_geometries({"preset": "mlp"}, "mnist")) == [
        (1, 1, 784, 512), (1, 1, 512, 256), (1, 1, 256, 10)]
    assert rows(models.dataset_geometries({"preset": "mlp"}, "digits"))[0] == (1, 1, 3072, 512)
    model = models.build_model({"preset": "mlp"}, QUANT, dataset="mnist")
    model.reset_parameters(torch.Generator().manual_seed(0))
    assert [g.name for g in model.geometries] == ["fc1", "fc2", "fc3"]
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    inputs: list[torch.Tensor] = []
    out = model(x, inputs)
    assert out.shape == (4, 10)
    assert [tuple(t.shape) for t in inputs] == [(4, 1, 28, 28), (4, 512), (4, 256)]
    first = model.weighted[0]
    assert torch.equal(inputs[1], torch.relu(first(x)).detach())  # fc1 reads the whole image
    # fc1 = the flattened image times the grid weights, scaled and put on the 8-bit grid (values
    # at a grid midpoint may round either way with another summation order).
    expected = x.flatten(1) @ quant.round_to_grid(first.weight, 5).T / first.scale
    assert torch.allclose(inputs[1], torch.relu(quant.quantize(expected, 8)), atol=2.0**-7)


def test_mlp_training_step_changes_weights_only_through_the_device_update(tmp_path):
    config = tiny_config(model={"preset": "mlp", "layers": []}, dataset={"name": "mnist"})
    dataset = config["dataset"]
    stages.make_device(config["device"], config["model"], tmp_path / "device.json",
                       tmp_path / "d2d.npz", log=lambda _: None, dataset=dataset)
    info, deviations = stages.load_device(tmp_path / "device.json", tmp_path / "d2d.npz")
    assert {name: d.shape for name, d in deviations.items()} == {
        "fc1": (512, 784), "fc2": (256, 512), "fc3": (10, 256)}
    start = train.initial_checkpoint(config["model"], config["quant"], 5, dataset)
    curves = train.load_curves(info, deviations, start["layer_names"], torch.device("cpu"))
    settings = train.update_settings(config["quant"], config["train"], info)
    rng = np.random.Generator(np.random.PCG64(0))
    images = train.normalize(torch.from_numpy(rng.integers(0, 256, (16, 1, 28, 28), np.uint8)))
    labels = torch.from_numpy(rng.integers(0, 10, 16))

    def step(grad_scale: float, by_hand: bool) -> list[torch.Tensor]:
        model = train.model_from_checkpoint(start, config["model"], config["quant"], dataset)
        velocities = [torch.zeros_like(w) for w in start["weights"]]
        generator = torch.Generator().manual_seed(9)
        if by_hand:  # the SSE loss's gradients, then the device-aware update alone
            train.sse_loss(model(images), labels, 10).backward()
            with torch.no_grad():
                train.update_weights([layer.weight for layer in model.weighted], velocities,
                                     curves, settings, grad_scale, generator)
        else:
            train.train_step(model, images, labels, model.num_classes, velocities, curves,
                             settings, grad_scale, generator)
        return [layer.weight.detach().clone() for layer in model.weighted]

    stepped = step(1.0, by_hand=False)
    for ours, by_hand, before in zip(stepped, step(1.0, by_hand=True), start["weights"],
                                     strict=True):
        assert torch.equal(ours, by_hand)
        assert not torch.equal(ours, before)  # every layer learns
        assert ours.abs().max() <= 1.0  # inside the device's range
    # No pulse, no change: gradients alone never touch a weight.
    for still, before in zip(step(1e-12, by_hand=False), start["weights"], strict=True):
        assert torch.equal(still, before)


def test_config_geometry_check_uses_the_datasets_28x28_images():
    from cimtrain.config import ConfigError, model_geometries, validate, validate_run

    layers = [{"type": "conv", "out": 8, "kernel": 3}, {"type": "pool", "size": 30},
              {"type": "fc", "out": 10}]
    cifar = validate({"dataset": {"name": "cifar10"}, "model": {"layers": layers}})
    assert rows(model_geometries(cifar))[0] == (32, 32, 3, 8)
    mnist = validate({"dataset": {"name": "mnist"}, "model": {"layers": layers}})
    with pytest.raises(ConfigError, match=r"pool size 30 exceeds the 28x28 map \(on mnist's "
                       r"1x28x28 images\)"):
        model_geometries(mnist)
    run = validate_run({"dataset": {"name": "mnist"}, "model": {"preset": "vgg8"}})
    assert rows(model_geometries(run))[0] == (28, 28, 1, 128)
    wide = validate({"dataset": {"name": "cifar100"}, "model": {"layers": layers[:1] + [
        {"type": "fc", "out": 10}]}})
    with pytest.raises(ConfigError, match="last fc layer has out = 10, but cifar100 has 100 "
                       "classes; set its out to 100"):
        model_geometries(wide)
