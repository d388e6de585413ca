"""The install's secret key: configured, or made once and kept in the data directory."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def load_or_create(path: Path) -> bytes:
    """Read the key at path, or write a new random one there (mode 0600) and return it.

    Several processes starting at once all end up with the same key: each writes its
    candidate to a private temporary file and links it into place, and os.link refuses to
    replace a key another process put there first.
    """
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        staged.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to make a new one")
    return key.encode()
