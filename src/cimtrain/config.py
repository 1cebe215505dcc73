"""Reading, overriding and validating run configurations.

`validate` checks one config against the workflow's schema (with every number finite) and fills
defaults; `validate_run` adds every rule that spans keys or sections — the network's geometry,
the dataset's size, the hardware design and its fit to the network, the sweep and its points —
so a config that passes it fails no later stage for a reason the config alone decides.
`check_config_file` refuses config files that carry code (Snakemake's YTE templates, Python
tags) before anything evaluates them.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import yaml

from cimtrain import resources

SCHEMA_NAME = "config.schema.yaml"
# Top-level key with which Snakemake evaluates a YAML config file as a YTE template (code).
YTE_KEY = "__use_yte__"


class ConfigError(ValueError):
    """A configuration that the schema or a consistency check rejects."""


def schema_path() -> Path:
    """The config schema, shipped with the package."""
    return resources.schema_path(SCHEMA_NAME)


def load_schema(path: Path | None = None) -> dict:
    """The parsed schema, read once per process (callers must not modify it)."""
    return _read_schema(Path(path or schema_path()))


@functools.lru_cache(maxsize=4)
def _read_schema(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _finite_type(base: type) -> object:
    """The `type` keyword of `base`, also rejecting NaN and infinities where a number is due.

    JSON Schema's minimum/maximum compare false with NaN, so a bare schema lets NaN through.
    """

    def check_type(validator, types, instance, schema):  # noqa: ANN001, ANN202
        yield from base.VALIDATORS["type"](validator, types, instance, schema)
        if isinstance(instance, float) and not math.isfinite(instance):
            yield jsonschema.ValidationError(f"{instance!r} is not a finite number")

    return check_type


def finite_validator(schema: dict, fill_defaults: bool = False) -> jsonschema.protocols.Validator:
    """A validator of `schema` that rejects non-finite numbers and optionally fills defaults."""
    base = jsonschema.validators.validator_for(schema)
    keywords = {"type": _finite_type(base)}
    if fill_defaults:

        def fill_properties(validator, properties, instance, schema):  # noqa: ANN001, ANN202
            if isinstance(instance, dict):
                for name, subschema in properties.items():
                    if "default" in subschema and name not in instance:
                        instance[name] = copy.deepcopy(subschema["default"])
            yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

        keywords["properties"] = fill_properties
    return jsonschema.validators.extend(base, keywords)(schema)


def error_location(error: jsonschema.ValidationError) -> str:
    """Dotted key of a validation error, e.g. `train.batch_size` or `model.layers[2]`."""
    parts: list[str] = []
    for item in error.absolute_path:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def non_finite_keys(node: object, where: str = "") -> list[str]:
    """Dotted keys of every NaN or infinite number anywhere in a nested config."""
    if isinstance(node, float):
        return [] if math.isfinite(node) else [where or "(top level)"]
    if isinstance(node, dict):
        return [k for key, value in node.items()
                for k in non_finite_keys(value, f"{where}.{key}" if where else str(key))]
    if isinstance(node, list):
        return [k for index, value in enumerate(node)
                for k in non_finite_keys(value, f"{where}[{index}]")]
    return []


def validate(config: dict, source: str = "config") -> dict:
    """Validate in place against the schema and fill defaults; ConfigError names the bad key."""
    validator = finite_validator(load_schema(), fill_defaults=True)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise ConfigError(f"{source}: {error_location(error)}: {error.message}")
    # Sections the schema leaves open (hardware, sweep points) are checked by their own rules;
    # a NaN there is still never a value.
    bad = non_finite_keys(config)
    if bad:
        raise ConfigError(f"{source}: {bad[0]}: not a finite number (NaN and infinity are "
                          "not values)")
    return config


def validate_run(config: dict, source: str = "config", network: Sequence | None = None,
                 weight_bits: int | None = None) -> dict:
    """`validate` plus every rule that spans keys: what any later stage would reject.

    network: the layer geometries the hardware must fit (the model's when None);
    weight_bits: the precision the hardware stores (quant.weight_bits when None).
    A config with a `sweep` section has each of its points checked the same way.
    """
    validate(config, source)
    if config.get("sweep", {}).get("name"):
        from cimtrain.sweep import load_sweep

        try:
            load_sweep(config["sweep"], config)  # validates every point with check_run
        except ValueError as error:  # ConfigError of a point, SweepError, HardwareError
            raise ConfigError(f"{source}: {error}") from None
        return config
    check_run(config, source, network, weight_bits)
    return config


def check_run(config: dict, source: str, network: Sequence | None = None,
              weight_bits: int | None = None, designs: dict[str, dict] | None = None,
              training: bool = True) -> None:
    """The cross-key rules of one validated run config (see validate_run).

    designs: hardware sections to check against this run (its own `hardware` when None);
    training: False checks only what an estimate of an existing trace reads (the hardware).
    """
    from cimtrain import hardware
    from cimtrain.device import resolve_device

    geometries = list(network) if network is not None else model_geometries(config, source)
    if training:
        _check_dataset(config, source)
        _check_training_device(config, source)
    bits = int(weight_bits if weight_bits is not None else config["quant"]["weight_bits"])
    device = resolve_device(config["device"])
    for name, design in (designs or {"hardware": config["hardware"]}).items():
        where = f"{source}: hardware" if name == "hardware" else f"{source}: hardware point {name}"
        try:
            settings = hardware.hardware_from_config(
                {**config, "device": device, "hardware": design})
            hardware.check_design(settings, where, weight_bits=bits, explicit=design)
            hardware.check_network_fits(settings, geometries, bits, where)
        except hardware.HardwareError as error:
            message = str(error)
            raise hardware.HardwareError(
                message if message.startswith(source) else f"{source}: {message}") from None


def model_geometries(config: dict, source: str = "config") -> list:
    """The weighted layers of the config's model on its dataset's images; ConfigError when the
    network cannot work or its last layer's width is not the dataset's class count."""
    from cimtrain import data
    from cimtrain.models import dataset_geometries

    dataset = config["dataset"]
    try:
        geometries = dataset_geometries(config["model"], dataset)
    except ValueError as error:
        channels, height, width = data.input_shape(dataset)
        raise ConfigError(f"{source}: {error} (on {dataset['name']}'s {channels}x{height}x"
                          f"{width} images)") from None
    classes = data.class_count(dataset)
    if geometries[-1].ofm_c != classes:
        raise ConfigError(
            f"{source}: model.layers: the last fc layer has out = {geometries[-1].ofm_c}, but "
            f"{dataset['name']} has {classes} classes; set its out to {classes}")
    return geometries


def test_image_count(dataset: dict) -> int:
    """Test images of the configured dataset (the digits split rounds as data.make_digits)."""
    from cimtrain import data

    if dataset["name"] == "digits":
        return int(round(data.DIGITS_IMAGES * float(dataset["digits_test_fraction"])))
    return int(data.spec(dataset).test_images)


def _check_dataset(config: dict, source: str) -> None:
    from cimtrain import data

    dataset, samples = config["dataset"], config["trace"]["samples"]
    tests = test_image_count(dataset)
    if dataset["name"] == "digits" and not 1 <= tests < data.DIGITS_IMAGES:
        raise ConfigError(
            f"{source}: dataset.digits_test_fraction: {dataset['digits_test_fraction']} leaves "
            f"{tests} of the {data.DIGITS_IMAGES} digits images for testing; both splits need "
            "at least one")
    if samples > tests:
        raise ConfigError(f"{source}: trace.samples: {samples} exceeds the {tests} test images "
                          f"of {dataset['name']}")


def _check_training_device(config: dict, source: str) -> None:
    if config["train"]["device"] != "cuda":
        return
    import torch

    if not torch.cuda.is_available():
        raise ConfigError(f"{source}: train.device: cuda, but this PyTorch sees no CUDA GPU "
                          f"(torch {torch.__version__}); use auto or cpu")


def apply_overrides(config: dict, assignments: list[str]) -> dict:
    """Apply KEY.PATH=VALUE assignments (values parsed as YAML) to a nested config."""
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE")
        node = config
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {part} is not a section")
        try:
            node[leaf] = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"--set {key}: value {text!r} is not valid YAML ({error})") from None
    return config


def read_config_file(path: str | Path) -> dict:
    """A config file's sections, read as data only.

    Rejects YAML errors (with their line), tags that build objects, Snakemake's YTE switch and
    anything but a mapping at the top level.
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file")
    try:
        config = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text (UTF-8) file") from None
    except yaml.constructor.ConstructorError as error:
        raise ConfigError(f"{path}: YAML tags that build objects are not allowed in a config "
                          f"({error.problem}{error.problem_mark})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    if YTE_KEY in config:
        raise ConfigError(f"{path}: {YTE_KEY}: configs are data; templates that run code are "
                          "not accepted")
    return config


def check_config_files(paths: Sequence[str | Path]) -> None:
    """read_config_file on every existing file: the Snakefile's guard before `configfile:`."""
    for path in paths:
        if Path(path).exists():
            read_config_file(path)


def load(path: Path, overrides: list[str] | None = None, full: bool = True) -> dict:
    """Read a YAML config, apply overrides, fill defaults and validate.

    full: every rule of validate_run; else the schema only (the caller checks the rest).
    """
    config = read_config_file(path)
    apply_overrides(config, overrides or [])
    return validate_run(config, str(path)) if full else validate(config, str(path))
