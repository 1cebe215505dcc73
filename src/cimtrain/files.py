"""Writing outputs so that a file is either complete or absent, never half-written.

Temporary files and directories get unique names made with O_EXCL (tempfile) in the target's
directory: a name planted there beforehand (a symlink to another file) is never written
through, two writers of one target never share a temporary, and the final rename stays on one
file system, so it is atomic. A writer killed with kill -9 leaves its temporary behind;
remove_leftover_temporaries clears those of targets about to be written again.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """Yield a new, uniquely named hidden sibling to write; when the block succeeds it replaces
    `path` (a symlink at `path` is replaced, not followed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        # mkstemp creates 0600; the output gets the permissions an ordinary file would.
        os.chmod(partial, 0o666 & ~_umask())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def directory_replaced_atomically(path: Path) -> Iterator[Path]:
    """Yield a new, uniquely named hidden sibling directory; when the block succeeds it replaces
    the directory `path` (whose old contents are removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        yield partial
        os.chmod(partial, 0o777 & ~_umask())
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
        os.replace(partial, path)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def is_temporary_of(name: str, target: str) -> bool:
    """Whether `name` is a temporary that the writers above make for the target `target`."""
    return name.startswith(f".{target}.") and name.endswith((".part", ".partial"))


def remove_leftover_temporaries(targets: Iterable[Path]) -> list[Path]:
    """Remove the temporaries beside `targets` that killed writers left (kill -9 skips their
    cleanup); return them.

    Only for targets that no one else is writing: a live writer's temporary would go too.
    """
    by_folder: dict[Path, set[str]] = {}
    for target in map(Path, targets):
        by_folder.setdefault(target.parent, set()).add(target.name)
    removed = []
    for folder, names in by_folder.items():
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if any(is_temporary_of(entry.name, name) for name in names):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


@contextmanager
def exclusive_lock(directory: Path) -> Iterator[None]:
    """Hold an advisory lock on `directory` (created if needed) for the block.

    Writers of one output directory take turns, so their files never mix; the lock file is
    never removed (removing it would let a third writer lock a different file).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(directory / ".lock", flags, 0o666)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def write_bytes(path: Path, payload: bytes) -> None:
    with replaced_atomically(path) as partial:
        partial.write_bytes(payload)


def write_json(payload: dict, path: Path) -> None:
    write_bytes(path, (json.dumps(payload, indent=1) + "\n").encode())
