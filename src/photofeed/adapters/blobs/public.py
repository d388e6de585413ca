"""LocalPublicMedia: public copies of local blobs, as hard links in a directory of their own.

A hard link costs no space and no copying, and makes publishing and unpublishing atomic
renames and unlinks. The server answers a public URL from this directory alone, so a blob
that is not linked here cannot be fetched by name, whoever guesses it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from photofeed.adapters.blobs.local import LocalBlobStore, fsync_dir, make_dirs_durable
from photofeed.ports.blobs import BlobNotFound, validate_key


class LocalPublicMedia:
    def __init__(self, blobs: LocalBlobStore, root: Path) -> None:
        self._blobs = blobs
        self._root = root
        self._prefix = f"{root}{os.sep}"

    def local_file(self, key: str) -> str:
        # Plain string formatting: pathlib costs more than the rest of a request here.
        return f"{self._prefix}{key[:2]}{os.sep}{key[2:4]}{os.sep}{key}"

    def local_path(self, key: str) -> Path:
        validate_key(key)
        return Path(self.local_file(key))

    async def publish(self, key: str) -> None:
        await asyncio.to_thread(self._publish, key)

    async def unpublish(self, key: str) -> None:
        await asyncio.to_thread(self._unpublish, key)

    async def is_published(self, key: str) -> bool:
        return await asyncio.to_thread(self.local_path(key).is_file)

    def _publish(self, key: str) -> None:
        target = self.local_path(key)
        if target.is_file():
            return
        source = self._blobs.local_path(key)
        make_dirs_durable(target.parent)
        # Link under a temporary name first, then rename: readers never see a half state,
        # and two publishers racing both succeed.
        staged = Path(tempfile.mktemp(dir=target.parent, prefix=".tmp-"))  # noqa: S306 - os.link fails on an existing name, never follows one
        try:
            os.link(source, staged)
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        try:
            os.replace(staged, target)
        finally:
            # Renaming onto another link of the same file does nothing, leaving staged
            # behind when a racing publisher got there first.
            staged.unlink(missing_ok=True)
        fsync_dir(target.parent)

    def _unpublish(self, key: str) -> None:
        target = self.local_path(key)
        try:
            target.unlink()
        except FileNotFoundError:
            return
        fsync_dir(target.parent)
