"""WAGE-quantized CNNs built from a list of layers (conv, max-pool, fully connected)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cimtrain import quant

# DNN+NeuroSim's VGG-8 for CIFAR-10: same padding, no bias, ReLU.
VGG8_LAYERS: list[dict] = [
    {"type": "conv", "out": 128, "kernel": 3},
    {"type": "conv", "out": 128, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 256, "kernel": 3},
    {"type": "conv", "out": 256, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "conv", "out": 512, "kernel": 3},
    {"type": "conv", "out": 512, "kernel": 3},
    {"type": "pool", "size": 2},
    {"type": "fc", "out": 1024},
    {"type": "fc", "out": 10},
]

PRESETS: dict[str, list[dict]] = {"vgg8": VGG8_LAYERS}
# Every dataset is prepared to 3 x 32 x 32 images (cimtrain.data).
IMAGE_SHAPE = (3, 32, 32)


@dataclass(frozen=True)
class LayerGeometry:
    """Shape of one weighted layer as the hardware sees it (one row of network.csv)."""

    name: str
    kind: str  # "conv" or "fc"
    ifm_h: int
    ifm_w: int
    ifm_c: int
    k_h: int
    k_w: int
    ofm_c: int
    pool: int  # 1 when max pooling follows
    stride: int

    @property
    def fan_in(self) -> int:
        return self.k_h * self.k_w * self.ifm_c


def resolve_layers(model_config: dict) -> list[dict]:
    """The layer list of a model config: an explicit `layers` list wins over `preset`."""
    layers = model_config.get("layers")
    if layers:
        return layers
    preset = model_config.get("preset", "vgg8")
    if preset not in PRESETS:
        raise ValueError(f"model.preset: unknown network {preset!r}; known: {sorted(PRESETS)}")
    return PRESETS[preset]


def layer_geometries(layers: list[dict], input_shape: tuple[int, int, int]) -> list[LayerGeometry]:
    """Walk the layer list and return the geometry of every weighted layer.

    Raises ValueError naming the layer when the list cannot describe a working network.
    """
    channels, height, width = input_shape
    flat: int | None = None
    geometries: list[LayerGeometry] = []
    for index, layer in enumerate(layers):
        kind = layer["type"]
        where = f"model.layers[{index}]"
        if kind == "conv":
            if flat is not None:
                raise ValueError(f"{where}: a conv layer cannot follow a fully connected layer")
            kernel = int(layer["kernel"])
            geometries.append(
                LayerGeometry(
                    f"conv{len(geometries) + 1}", "conv", height, width, channels,
                    kernel, kernel, int(layer["out"]), 0, 1,
                )
            )
            channels = int(layer["out"])
        elif kind == "pool":
            size = int(layer["size"])
            if flat is not None or not geometries or geometries[-1].kind != "conv":
                raise ValueError(f"{where}: max pooling must follow a conv layer")
            if height % size or width % size:
                raise ValueError(f"{where}: pool size {size} does not divide {height}x{width}")
            geometries[-1] = _with_pool(geometries[-1])
            height, width = height // size, width // size
        elif kind == "fc":
            in_features = flat if flat is not None else channels * height * width
            geometries.append(
                LayerGeometry(
                    f"fc{sum(g.kind == 'fc' for g in geometries) + 1}", "fc",
                    1, 1, in_features, 1, 1, int(layer["out"]), 0, 1,
                )
            )
            flat = int(layer["out"])
        else:
            raise ValueError(f"{where}: unknown layer type {kind!r} (conv, pool or fc)")
    if not geometries or geometries[-1].kind != "fc":
        raise ValueError("model.layers: the network must end with a fully connected layer")
    return geometries


def _with_pool(geometry: LayerGeometry) -> LayerGeometry:
    values = dict(geometry.__dict__)
    values["pool"] = 1
    return LayerGeometry(**values)


class WageLayer(nn.Module):
    """A conv or fully connected layer with WAGE weight, activation and error quantization.

    The stored weight is the device's analog value; the forward pass rounds it to the weight
    grid (straight-through) and divides the layer output by the layer's WAGE scale, so that the
    wide WAGE init range does not saturate the activations. The weight gradient is multiplied by
    the scale, undoing the division, as in WAGE.
    """

    def __init__(self, geometry: LayerGeometry, quant_config: dict, last: bool) -> None:
        super().__init__()
        self.geometry = geometry
        self.weight_bits = int(quant_config["weight_bits"])
        self.activation_bits = 0 if last else int(quant_config["activation_bits"])
        self.error_bits = int(quant_config["error_bits"])
        self.limit, self.scale = quant.init_limit_and_scale(geometry.fan_in, self.weight_bits)
        if geometry.kind == "conv":
            shape = (geometry.ofm_c, geometry.ifm_c, geometry.k_h, geometry.k_w)
        else:
            shape = (geometry.ofm_c, geometry.ifm_c)
        self.weight = nn.Parameter(torch.empty(shape))

    def reset_parameters(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            values = torch.rand(self.weight.shape, generator=generator, dtype=self.weight.dtype)
            self.weight.copy_((values * 2 - 1) * self.limit)

    def effective_weight(self) -> torch.Tensor:
        # Value: the weight; gradient: scale times the incoming gradient.
        gradient_scaled = self.weight * self.scale - (self.weight * (self.scale - 1)).detach()
        return quant.straight_through_quantize(gradient_scaled, self.weight_bits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.geometry.kind == "conv":
            padding = self.geometry.k_h // 2
            out = F.conv2d(x, self.effective_weight(), padding=padding)
        else:
            out = F.linear(x.flatten(1), self.effective_weight())
        out = out / self.scale
        return quant.quantize_activation_and_error(out, self.activation_bits, self.error_bits)


class WageNet(nn.Module):
    """The network of a layer list: WageLayer + ReLU (+ max-pool); no ReLU after the last layer."""

    def __init__(self, layers: list[dict], quant_config: dict,
                 input_shape: tuple[int, int, int] = IMAGE_SHAPE) -> None:
        super().__init__()
        self.geometries = layer_geometries(layers, input_shape)
        self.input_bits = int(quant_config["activation_bits"])
        count = len(self.geometries)
        self.weighted = nn.ModuleList(
            WageLayer(g, quant_config, last=(i == count - 1)) for i, g in enumerate(self.geometries)
        )
        self.pool_sizes = _pool_sizes(layers)

    def reset_parameters(self, generator: torch.Generator) -> None:
        for layer in self.weighted:
            layer.reset_parameters(generator)

    def forward(self, x: torch.Tensor, layer_inputs: list | None = None) -> torch.Tensor:
        """Run the network; when layer_inputs is a list, append what each weighted layer reads.

        The first layer's recorded input is the image quantized to the activation grid, as the
        hardware would receive it; later inputs are already on that grid.
        """
        for index, layer in enumerate(self.weighted):
            if layer_inputs is not None:
                seen = quant.quantize(x, self.input_bits) if index == 0 else x
                layer_inputs.append(seen.detach())
            x = layer(x)
            if index < len(self.weighted) - 1:
                x = F.relu(x)
            pool = self.pool_sizes[index]
            if pool:
                x = F.max_pool2d(x, pool)
        return x


def _pool_sizes(layers: list[dict]) -> list[int]:
    """Pool size after each weighted layer (0 when none)."""
    sizes: list[int] = []
    for layer in layers:
        if layer["type"] == "pool":
            sizes[-1] = int(layer["size"])
        else:
            sizes.append(0)
    return sizes


def build_model(model_config: dict, quant_config: dict,
                input_shape: tuple[int, int, int] = IMAGE_SHAPE) -> WageNet:
    """Network of the config, with uninitialized weights (see WageNet.reset_parameters)."""
    return WageNet(resolve_layers(model_config), quant_config, input_shape)
