"""Public copies of blobs: what anyone may fetch by name, with no database lookup."""

from __future__ import annotations

from typing import Protocol


class PublicMedia(Protocol):
    async def publish(self, key: str) -> None:
        """Make a stored blob fetchable by name; raise BlobNotFound if it is not stored."""

    async def unpublish(self, key: str) -> None:
        """Stop serving the blob by name; unpublishing what is not public is fine."""

    async def is_published(self, key: str) -> bool:
        """Whether the blob is fetchable by name."""

    def local_file(self, key: str) -> str | None:
        """The file a public request for a valid key is answered from, as a string (this is
        on every request's path); None if public copies are served from elsewhere."""
