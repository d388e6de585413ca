"""S3PublicMedia: which blobs anyone may fetch by name, as empty marker objects.

A marker ``public/<key>`` beside ``blobs/<key>`` costs one small object instead of a
second copy of the bytes; the media front checks it (one HEAD) before it streams the blob,
so a blob whose marker is gone cannot be fetched by name, whoever guesses it. The bucket
itself stays private: no object in it is readable without credentials.
"""

from __future__ import annotations

import obstore

from photofeed.adapters.blobs.s3 import S3BlobStore
from photofeed.ports.blobs import BlobNotFound, validate_key


class S3PublicMedia:
    def __init__(self, blobs: S3BlobStore) -> None:
        self._blobs = blobs
        self._store = blobs.client

    async def publish(self, key: str) -> None:
        if not await self._blobs.exists(key):
            raise BlobNotFound(key)
        await obstore.put_async(self._store, _marker(key), b"")

    async def unpublish(self, key: str) -> None:
        await obstore.delete_async(self._store, _marker(key))

    async def is_published(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, _marker(key))
        except FileNotFoundError:  # what obstore raises for a missing object
            return False
        return True

    def local_file(self, key: str) -> None:
        """No local file: the media front asks is_published, then streams the blob."""


def _marker(key: str) -> str:
    return f"public/{validate_key(key)}"
