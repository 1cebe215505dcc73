"""WAGE-quantized networks built from one list of layers.

A layer list describes the network for training, the trace, the floorplan check and the
estimator alike: conv and fully connected layers (the weight arrays of the chip), max pooling,
residual adds and global average pooling, each reading the layer before it or the layers its
`from` names. `layer_graph` checks a list and resolves it into nodes; `layer_geometries` gives
the weighted layers as the hardware sees them (one network.csv row each).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from cimtrain import data, quant


def vgg8_layers(classes: int = 10) -> list[dict]:
    """DNN+NeuroSim's VGG-8 for CIFAR-10 (same padding, no bias, ReLU): six 3x3 convs of
    128-512 channels, max pooling after every second, two fc layers (1024, then one output
    per class)."""
    return [
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
        {"type": "fc", "out": classes},
    ]


VGG8_LAYERS: list[dict] = vgg8_layers()

# Hidden widths of the mlp preset: two layers narrowing by half, as the classic MNIST MLPs
# (784-500-300 and the like, about 98% on MNIST in float) but powers of two, so every hidden
# layer fills whole sub-array columns.
MLP_HIDDEN = (512, 256)


def mlp_layers(classes: int = 10, hidden: tuple[int, ...] = MLP_HIDDEN) -> list[dict]:
    """A multilayer perceptron for flat inputs: fc layers only, the first reading the whole
    image (flattened in channel, row, column order)."""
    return [{"type": "fc", "name": f"fc{i}", "out": width}
            for i, width in enumerate((*hidden, classes), start=1)]


# The residual add of the WAGE networks: both operands lie on the activation grid; their sum is
# scaled by 2^-RESIDUAL_SHIFT (a wire shift in hardware) and quantized to the grid again.
RESIDUAL_SHIFT = 0


def resnet_layers(blocks_per_stage: int, widths: tuple[int, ...], classes: int = 10) -> list[dict]:
    """A CIFAR ResNet (He et al. 2016): a 3x3 stem conv, stages of basic blocks (two 3x3 convs
    and a residual add), the first block of each later stage halving the map with stride 2 and
    a 1x1 shortcut conv, then global average pooling and one fc layer."""
    layers: list[dict] = [{"type": "conv", "name": "conv1", "out": widths[0], "kernel": 3}]
    block_input, channels = "conv1", widths[0]
    for stage, width in enumerate(widths, start=1):
        for block in range(blocks_per_stage):
            prefix = f"layer{stage}.{block}"
            stride = 2 if stage > 1 and block == 0 else 1
            shortcut = block_input
            if stride != 1 or width != channels:
                layers.append({"type": "conv", "name": f"{prefix}.shortcut", "from": block_input,
                               "out": width, "kernel": 1, "stride": stride, "relu": False})
                shortcut = f"{prefix}.shortcut"
            layers += [
                {"type": "conv", "name": f"{prefix}.conv1", "from": block_input, "out": width,
                 "kernel": 3, "stride": stride},
                {"type": "conv", "name": f"{prefix}.conv2", "out": width, "kernel": 3,
                 "relu": False},
                {"type": "add", "name": f"{prefix}.add", "from": shortcut,
                 "shift": RESIDUAL_SHIFT},
            ]
            block_input, channels = f"{prefix}.add", width
    layers += [{"type": "global_pool", "name": "avgpool"},
               {"type": "fc", "name": "fc", "out": classes}]
    return layers


# Preset name -> its layer list for a class count (the width of its last fc layer).
PRESET_BUILDERS = {
    "vgg8": vgg8_layers,
    "resnet20": lambda classes=10: resnet_layers(3, (16, 32, 64), classes),
    # the CIFAR variant: 3x3 stem, no max pool
    "resnet18": lambda classes=10: resnet_layers(2, (64, 128, 256, 512), classes),
    "mlp": mlp_layers,
}
# The presets as they are for a 10-class dataset.
PRESETS: dict[str, list[dict]] = {name: build() for name, build in PRESET_BUILDERS.items()}
IMAGE = -1  # the node index of the network's input in Node.inputs
WEIGHTED = ("conv", "fc")


@dataclass(frozen=True)
class LayerGeometry:
    """Shape of one weighted layer as the hardware sees it (one row of network.csv).

    input: the weighted layer (1-based) whose output, after the adds and pooling that follow
    it, this layer reads; 0 for the network input, -1 for the weighted layer before it.
    residual: the weighted layer whose output is added to this layer's output (0: no add).
    """

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
    padding: int | None = None  # zeros on each side; None: same padding (k // 2)
    input: int = -1
    residual: int = 0
    global_pool: int = 0  # 1 when global average pooling follows

    def __post_init__(self) -> None:
        if self.padding is None:
            object.__setattr__(self, "padding", self.k_h // 2 if self.kind == "conv" else 0)

    @property
    def fan_in(self) -> int:
        return self.k_h * self.k_w * self.ifm_c

    @property
    def ofm_h(self) -> int:
        return conv_output_size(self.ifm_h, self.k_h, self.stride, self.padding)

    @property
    def ofm_w(self) -> int:
        return conv_output_size(self.ifm_w, self.k_w, self.stride, self.padding)


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output pixels along one side: floor((size + 2 padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


@dataclass(frozen=True)
class Node:
    """One layer of a checked layer list.

    inputs: node indices read (IMAGE for the network input); an add's first input is the main
    operand, the second the shortcut. shape: (channels, height, width), or (features,) when flat.
    weighted: index among the weighted layers (None for pool, add, global_pool).
    """

    name: str
    kind: str
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    relu: bool
    size: int = 0  # max-pool window
    shift: int = 0  # add: the sum is scaled by 2^-shift
    weighted: int | None = None
    geometry: LayerGeometry | None = field(default=None, compare=False)


def resolve_layers(model_config: dict, classes: int = 10) -> list[dict]:
    """The layer list of a model config: an explicit `layers` list wins over `preset`.

    classes: the dataset's class count, the width of a preset's last layer (an explicit list
    sets its own; the config check compares it with the dataset's).
    """
    layers = model_config.get("layers")
    if layers:
        return layers
    preset = model_config.get("preset", "vgg8")
    if preset not in PRESET_BUILDERS:
        raise ValueError(f"model.preset: unknown network {preset!r}; known: "
                         f"{sorted(PRESET_BUILDERS)}")
    return PRESET_BUILDERS[preset](classes)


def dataset_network(model_config: dict, dataset: dict | str | None = None,
                    ) -> tuple[list[dict], tuple[int, int, int]]:
    """The layer list and input shape of a model on a dataset (its config section or name;
    None: the default dataset, CIFAR-10's 3x32x32 images and 10 classes)."""
    return (resolve_layers(model_config, data.class_count(dataset)), data.input_shape(dataset))


def dataset_geometries(model_config: dict, dataset: dict | str | None = None,
                       ) -> list[LayerGeometry]:
    """The weighted layers of a model on a dataset (see dataset_network)."""
    return layer_geometries(*dataset_network(model_config, dataset))


def layer_geometries(layers: list[dict], input_shape: tuple[int, int, int]) -> list[LayerGeometry]:
    """The geometry of every weighted layer, in list order.

    Raises ValueError naming the layer when the list cannot describe a working network.
    """
    return [node.geometry for node in layer_graph(layers, input_shape) if node.geometry]


def layer_graph(layers: list[dict], input_shape: tuple[int, int, int]) -> list[Node]:
    """Check a layer list and resolve it into nodes (names, inputs, shapes, geometries)."""
    builder = _GraphBuilder(tuple(input_shape))
    for index, layer in enumerate(layers):
        builder.add(index, layer, last=index == len(layers) - 1)
    return builder.finish()


def _default_name(kind: str, nodes: list[Node]) -> str:
    return f"{kind}{sum(node.kind == kind for node in nodes) + 1}"


class _GraphBuilder:
    """Walks a layer list once; every error names the layer as model.layers[i] (name)."""

    def __init__(self, input_shape: tuple[int, ...]) -> None:
        self.input_shape = input_shape
        self.nodes: list[Node] = []
        self.by_name: dict[str, int] = {}
        # Weighted layer owning each node (the conv or fc whose output the node transforms), and
        # the nodes of each weighted layer's chain: itself, then its add and its pooling.
        self.owner: list[int] = []
        self.chains: list[list[int]] = []
        self.read_ends: list[tuple[int, str]] = []  # (node read as a whole output, where)

    def add(self, index: int, layer: dict, last: bool) -> None:
        kind = layer["type"]
        name = str(layer.get("name") or _default_name(kind, self.nodes))
        where = f"model.layers[{index}] ({name})"
        if name in self.by_name or name == "input":
            raise ValueError(f"{where}: the name {name!r} is already taken")
        sources = self._sources(layer, where)
        build = {"conv": self._conv, "fc": self._fc, "pool": self._pool, "add": self._add,
                 "global_pool": self._global_pool}.get(kind)
        if build is None:
            raise ValueError(f"{where}: unknown layer type {kind!r} "
                             "(conv, fc, pool, add or global_pool)")
        node = build(layer, name, sources, where, last)
        self.by_name[name] = len(self.nodes)
        self.nodes.append(node)

    def finish(self) -> list[Node]:
        if not self.nodes or self.nodes[-1].kind != "fc":
            raise ValueError("model.layers: the network must end with a fully connected layer")
        read = {i for node in self.nodes for i in node.inputs}
        for index, node in enumerate(self.nodes[:-1]):
            if index not in read:
                raise ValueError(f"model.layers[{index}] ({node.name}): its output is never read")
        for node_index, where in self.read_ends:
            chain = self.chains[self.owner[node_index]]
            if chain[-1] != node_index:
                later = self.nodes[chain[-1]].name
                raise ValueError(f"{where}: reads {self.nodes[node_index].name!r}, which "
                                 f"{later!r} goes on to transform; read {later!r} instead")
        return self._with_rows()

    # ------------------------------------------------------------------ inputs

    def _sources(self, layer: dict, where: str) -> list[int]:
        """Node indices named by `from` (the previous layer when absent)."""
        names = layer.get("from")
        previous = len(self.nodes) - 1 if self.nodes else IMAGE
        if names is None:
            return [previous]
        names = [names] if isinstance(names, str) else list(names)
        if layer["type"] == "add" and len(names) == 1:
            names = [None, names[0]]  # the previous layer plus the shortcut operand
        indices = []
        for name in names:
            if name is None:
                indices.append(previous)
            elif name == "input":
                indices.append(IMAGE)
            elif name in self.by_name:
                indices.append(self.by_name[name])
            else:
                raise ValueError(f"{where}: from: {name!r} is not an earlier layer "
                                 f"(earlier: input, {', '.join(self.by_name) or 'none'})")
        wanted = 2 if layer["type"] == "add" else 1
        if len(indices) != wanted:
            raise ValueError(f"{where}: from: {layer['type']} reads {wanted} layer(s), "
                             f"got {len(indices)}")
        return indices

    def _shape(self, source: int) -> tuple[int, ...]:
        return self.input_shape if source == IMAGE else self.nodes[source].shape

    def _map_shape(self, source: int, where: str, what: str) -> tuple[int, int, int]:
        shape = self._shape(source)
        if len(shape) != 3:
            raise ValueError(f"{where}: {what} cannot follow a fully connected layer or global "
                             "pooling (its input is flat)")
        return shape  # type: ignore[return-value]

    def _relu(self, layer: dict, last: bool) -> bool:
        return bool(layer.get("relu", not last))

    # ------------------------------------------------------------------ weighted layers

    def _weighted(self, name: str, kind: str, sources: list[int], shape: tuple[int, ...],
                  geometry: LayerGeometry, relu: bool) -> Node:
        index = len(self.chains)
        self.chains.append([len(self.nodes)])
        self.owner.append(index)
        if sources[0] != IMAGE:
            self.read_ends.append((sources[0], f"model.layers[{len(self.nodes)}] ({name})"))
        return Node(name, kind, tuple(sources), shape, relu, weighted=index, geometry=geometry)

    def _conv(self, layer: dict, name: str, sources: list[int], where: str, last: bool) -> Node:
        channels, height, width = self._map_shape(sources[0], where, "a conv layer")
        kernel, stride = int(layer["kernel"]), int(layer.get("stride", 1))
        padding = layer.get("padding", "same")
        padding = kernel // 2 if padding == "same" else int(padding)
        if kernel > height + 2 * padding or kernel > width + 2 * padding:
            raise ValueError(f"{where}: kernel {kernel} exceeds the padded {height}x{width} "
                             f"input (padding {padding})")
        geometry = LayerGeometry(name, "conv", height, width, channels, kernel, kernel,
                                 int(layer["out"]), 0, stride, padding)
        shape = (geometry.ofm_c, geometry.ofm_h, geometry.ofm_w)
        return self._weighted(name, "conv", sources, shape, geometry, self._relu(layer, last))

    def _fc(self, layer: dict, name: str, sources: list[int], where: str, last: bool) -> Node:
        features = 1
        for size in self._shape(sources[0]):
            features *= size
        geometry = LayerGeometry(name, "fc", 1, 1, features, 1, 1, int(layer["out"]), 0, 1, 0)
        return self._weighted(name, "fc", sources, (geometry.ofm_c,), geometry,
                              self._relu(layer, last))

    # ------------------------------------------------------------------ operations on outputs

    def _extend_chain(self, source: int, where: str, kind: str) -> int:
        """Append the node about to be made to the chain of the weighted layer it transforms."""
        if source == IMAGE:
            raise ValueError(f"{where}: {kind} cannot read the network input; it transforms "
                             "the output of a conv or fc layer")
        owner = self.owner[source]
        chain = self.chains[owner]
        if chain[-1] != source:
            raise ValueError(f"{where}: reads {self.nodes[source].name!r}, which "
                             f"{self.nodes[chain[-1]].name!r} already transforms")
        kinds = [self.nodes[i].kind for i in chain]
        if kind == "add" and "add" in kinds:
            raise ValueError(f"{where}: one residual add per conv or fc layer")
        if kind == "add" and ("pool" in kinds or "global_pool" in kinds):
            raise ValueError(f"{where}: a residual add must come before pooling")
        if kind in ("pool", "global_pool") and ("pool" in kinds or "global_pool" in kinds):
            raise ValueError(f"{where}: one pooling per conv layer")
        chain.append(len(self.nodes))
        self.owner.append(owner)
        return owner

    def _pool(self, layer: dict, name: str, sources: list[int], where: str, last: bool) -> Node:
        size = int(layer["size"])
        if sources[0] == IMAGE or self._owner_node(sources[0]).kind != "conv":
            raise ValueError(f"{where}: max pooling must follow a conv layer")
        channels, height, width = self._map_shape(sources[0], where, "max pooling")
        self._extend_chain(sources[0], where, "pool")
        if size > height or size > width:
            raise ValueError(f"{where}: pool size {size} exceeds the {height}x{width} map")
        # Windows that do not fit drop the last rows and columns, as torch's max_pool2d
        # (7x7 -> 3x3 for VGG-8 on 28x28 images).
        return Node(name, "pool", tuple(sources), (channels, height // size, width // size),
                    False, size=size)

    def _global_pool(self, layer: dict, name: str, sources: list[int], where: str,
                     last: bool) -> Node:
        channels, _, _ = self._map_shape(sources[0], where, "global pooling")
        self._extend_chain(sources[0], where, "global pooling")
        return Node(name, "global_pool", tuple(sources), (channels,), False)

    def _add(self, layer: dict, name: str, sources: list[int], where: str, last: bool) -> Node:
        main, shortcut = sources
        if shortcut == IMAGE:
            raise ValueError(f"{where}: the shortcut operand must be a layer's output, not the "
                             "network input")
        if self._shape(main) != self._shape(shortcut):
            raise ValueError(f"{where}: adds {self._name(main)} {self._shape(main)} and "
                             f"{self._name(shortcut)} {self._shape(shortcut)}: shapes differ")
        self._extend_chain(main, where, "add")
        self.read_ends.append((shortcut, where))
        return Node(name, "add", tuple(sources), self._shape(main), self._relu(layer, last),
                    shift=int(layer.get("shift", RESIDUAL_SHIFT)))

    def _owner_node(self, source: int) -> Node:
        return self.nodes[self.chains[self.owner[source]][0]]

    def _name(self, source: int) -> str:
        return "input" if source == IMAGE else self.nodes[source].name

    # ------------------------------------------------------------------ network.csv rows

    def _with_rows(self) -> list[Node]:
        """Nodes whose geometries carry their inputs, residual add and pooling."""
        nodes = []
        for node in self.nodes:
            g = node.geometry
            if g is not None:
                chain = [self.nodes[i] for i in self.chains[node.weighted]]
                kinds = {n.kind: n for n in chain}
                source = node.inputs[0]
                add = kinds.get("add")
                values = dict(g.__dict__)
                values.update(
                    input=0 if source == IMAGE else self.owner[source] + 1,
                    residual=self.owner[add.inputs[1]] + 1 if add else 0,
                    pool=int("pool" in kinds),
                    global_pool=int("global_pool" in kinds),
                )
                node = Node(node.name, node.kind, node.inputs, node.shape, node.relu,
                            node.size, node.shift, node.weighted, LayerGeometry(**values))
            nodes.append(node)
        return nodes


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
        g = self.geometry
        if g.kind == "conv":
            out = F.conv2d(x, self.effective_weight(), stride=g.stride, padding=g.padding)
        else:
            out = F.linear(x.flatten(1), self.effective_weight())
        out = out / self.scale
        return quant.quantize_activation_and_error(out, self.activation_bits, self.error_bits)


class WageNet(nn.Module):
    """The network of a layer list: WageLayers, ReLU where a layer asks for it, max pooling,
    residual adds and global average pooling, each quantized to the activation grid."""

    def __init__(self, layers: list[dict], quant_config: dict,
                 input_shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.nodes = layer_graph(layers, input_shape)
        self.geometries = [node.geometry for node in self.nodes if node.geometry]
        self.input_bits = int(quant_config["activation_bits"])
        self.error_bits = int(quant_config["error_bits"])
        count = len(self.geometries)
        self.weighted = nn.ModuleList(
            WageLayer(g, quant_config, last=(i == count - 1)) for i, g in enumerate(self.geometries)
        )

    def reset_parameters(self, generator: torch.Generator) -> None:
        for layer in self.weighted:
            layer.reset_parameters(generator)

    @property
    def num_classes(self) -> int:
        """Outputs of the last layer: one per class of the dataset."""
        return self.geometries[-1].ofm_c

    @property
    def pool_sizes(self) -> list[int]:
        """Max-pool size after each weighted layer (0 when none)."""
        sizes = [0] * len(self.weighted)
        for node in self.nodes:
            if node.kind == "pool":
                source = self.nodes[node.inputs[0]]
                while source.weighted is None:  # back along the chain: an add, then the layer
                    source = self.nodes[source.inputs[0]]
                sizes[source.weighted] = node.size
        return sizes

    def forward(self, x: torch.Tensor, layer_inputs: list | None = None) -> torch.Tensor:
        """Run the network; when layer_inputs is a list, append what each weighted layer reads.

        A layer reading the network input records the image quantized to the activation grid,
        as the hardware would receive it; later inputs are already on that grid.
        """
        outputs: list[torch.Tensor] = []

        def value(index: int) -> torch.Tensor:
            return x if index == IMAGE else outputs[index]

        for node in self.nodes:
            source = value(node.inputs[0])
            if node.weighted is not None:
                if layer_inputs is not None:
                    seen = quant.quantize(source, self.input_bits) \
                        if node.inputs[0] == IMAGE else source
                    layer_inputs.append(seen.detach())
                out = self.weighted[node.weighted](source)
            elif node.kind == "pool":
                out = F.max_pool2d(source, node.size)
            elif node.kind == "add":
                out = self._quantized((source + value(node.inputs[1])) * 2.0 ** -node.shift)
            else:  # global_pool
                out = self._quantized(source.mean(dim=(2, 3)))
            outputs.append(F.relu(out) if node.relu else out)
        return outputs[-1]

    def _quantized(self, values: torch.Tensor) -> torch.Tensor:
        return quant.quantize_activation_and_error(values, self.input_bits, self.error_bits)


def build_model(model_config: dict, quant_config: dict,
                input_shape: tuple[int, int, int] | None = None,
                dataset: dict | str | None = None) -> WageNet:
    """Network of the config for a dataset's images and classes (its config section or name;
    None: the default dataset), with uninitialized weights (see WageNet.reset_parameters).

    input_shape: overrides the dataset's image shape (a layer list checked on other inputs).
    """
    layers, shape = dataset_network(model_config, dataset)
    return WageNet(layers, quant_config, input_shape or shape)
