"""Writing outputs so that a file is either complete or absent, never half-written."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """Yield a hidden sibling to write; when the block succeeds it replaces `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_bytes(path: Path, payload: bytes) -> None:
    with replaced_atomically(path) as partial:
        partial.write_bytes(payload)


def write_json(payload: dict, path: Path) -> None:
    write_bytes(path, (json.dumps(payload, indent=1) + "\n").encode())
