"""A bad config as one short paragraph: the file, the key path, the bad value, what is allowed.

The Snakefile calls `check_workflow_config` before any job; jsonschema's own report of an error
(and Snakemake's, which appends the whole schema) buries the one line that matters.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import jsonschema
import yaml

from cimtrain import config as run_config
from cimtrain import hardware as hardware_config

T = TypeVar("T")
DOCS = "config/README.md"
MAX_LISTED_KEYS = 12


def key_path(path: Iterable[object]) -> str:
    """`train.batch_size`, `model.layers[2].out`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _lookup(node: object, path: Sequence[object]) -> tuple[bool, object]:
    for part in path:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def source_of(path: Sequence[object], files: Sequence[str | Path]) -> str:
    """The last config file that sets `path` (later files override earlier ones)."""
    for file in reversed(files):
        try:
            found, _ = _lookup(yaml.safe_load(Path(file).read_text()) or {}, path)
        except (OSError, yaml.YAMLError):
            continue
        if found:
            return _shown_path(file)
    return "--config" if files else "config"


def _shown_path(file: str | Path) -> str:
    """A config file as the user named it: relative to the working directory when inside it."""
    relative = os.path.relpath(file)
    return str(file) if relative.startswith("..") else relative


def allowed_text(schema: dict) -> str:
    """What a schema entry allows, in words: `an integer >= 1`, `one of: cpu, cuda`."""
    if "enum" in schema:
        return "one of: " + ", ".join("null" if v is None else str(v) for v in schema["enum"])
    types = schema.get("type", "value")
    kind = " or ".join(types) if isinstance(types, list) else types
    kind = ("an " if kind[0] in "aeiou" else "a ") + kind
    bounds = [
        f"{symbol} {schema[key]}"
        for key, symbol in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if key in schema
    ]
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    return " ".join([kind, " and ".join(bounds)]).strip()


def _unknown_key_lines(error: jsonschema.ValidationError) -> tuple[list[object], list[str]]:
    known = sorted(error.schema.get("properties", {}))
    unknown = sorted(set(error.instance) - set(known))
    key = unknown[0]
    path = [*error.absolute_path, key]
    guess = difflib.get_close_matches(key, known, n=1)
    lines = [f"unknown key{'; did you mean ' + guess[0] + '?' if guess else ''}"]
    shown = ", ".join(known[:MAX_LISTED_KEYS]) + (", ..." if len(known) > MAX_LISTED_KEYS else "")
    lines.append(f"allowed keys here: {shown}")
    return path, lines


def explain(
    error: jsonschema.ValidationError,
    files: Sequence[str | Path],
    prefix: Sequence[object] = (),
    docs: str = DOCS,
) -> str:
    """The paragraph of one schema error."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        path, lines = _unknown_key_lines(error)
        path = [*prefix, *path]
        _, value = _lookup(error.instance, path[-1:])
    else:
        path = [*prefix, *error.absolute_path]
        value = error.instance
        lines = (
            []
            if error.validator == "enum"
            else [error.message if len(error.message) < 200 else f"rejected ({error.validator})"]
        )
        lines.append(f"allowed: {allowed_text(error.schema)}")
        if error.schema.get("description"):
            lines.append(f"meaning: {' '.join(error.schema['description'].split())}")
    shown = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    shown = shown.removesuffix("...").strip()
    head = f"config error in {source_of(path, files)}: {key_path(path)} = {shown[:120]}"
    return "\n  ".join([head, *lines, f"every key is described in {docs}"])


def first_error(instance: object, schema: dict) -> jsonschema.ValidationError | None:
    validator = run_config.finite_validator(schema)  # NaN and infinity are errors too
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    return errors[0] if errors else None


def config_problem(config: dict, files: Sequence[str | Path]) -> str | None:
    """The paragraph of the config's first problem, or None; fills defaults when valid."""
    error = first_error(config, run_config.load_schema())
    if error is not None:
        return explain(error, files)
    hardware = config.get("hardware") or {}
    error = first_error(hardware, hardware_config.load_schema())
    if error is not None:
        return explain(
            error, files, prefix=["hardware"], docs="src/cimtrain/schemas/hardware.schema.yaml"
        )
    where = ", ".join(_shown_path(f) for f in files) or "config"
    try:
        # The schema again (filling defaults) and every rule that spans keys; the hardware
        # section is validated there, merged with the device and precision keys it takes.
        run_config.validate_run(config, where)
    except (run_config.ConfigError, hardware_config.HardwareError) as problem:
        return f"config error: {problem}"
    return None


def exit_on_config_error(check: Callable[[], T]) -> T:
    """Run a check of the config; a HardwareError or ConfigError exits with its one line."""
    try:
        return check()
    except (run_config.ConfigError, hardware_config.HardwareError) as problem:
        raise SystemExit(f"config error: {problem}") from None


def check_workflow_config(config: dict, files: Sequence[str | Path]) -> None:
    """Validate the workflow's config in place (defaults filled); exit with the paragraph."""
    problem = config_problem(config, files)
    if problem is not None:
        raise SystemExit(problem)
