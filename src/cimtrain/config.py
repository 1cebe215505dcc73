"""Reading, overriding and validating run configurations against the workflow's schema."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from cimtrain import resources

SCHEMA_NAME = "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration that the schema or a consistency check rejects."""


def schema_path() -> Path:
    """The config schema, shipped with the package."""
    return resources.schema_path(SCHEMA_NAME)


def load_schema(path: Path | None = None) -> dict:
    return yaml.safe_load(Path(path or schema_path()).read_text())


def _validator_filling_defaults(schema: dict) -> jsonschema.protocols.Validator:
    base = jsonschema.validators.validator_for(schema)

    def fill_properties(validator, properties, instance, schema):  # noqa: ANN001, ANN202
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    extended = jsonschema.validators.extend(base, {"properties": fill_properties})
    return extended(schema)


def error_location(error: jsonschema.ValidationError) -> str:
    """Dotted key of a validation error, e.g. `train.batch_size` or `model.layers[2]`."""
    parts: list[str] = []
    for item in error.absolute_path:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def validate(config: dict, source: str = "config") -> dict:
    """Validate in place, filling defaults; raise ConfigError naming the first bad key."""
    validator = _validator_filling_defaults(load_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise ConfigError(f"{source}: {error_location(error)}: {error.message}")
    return config


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
        node[leaf] = yaml.safe_load(text)
    return config


def load(path: Path, overrides: list[str] | None = None) -> dict:
    """Read a YAML config, apply overrides, validate and fill defaults."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: no such config file") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    apply_overrides(config, overrides or [])
    return validate(config, str(path))
