"""Who may see a post, written out by hand: the oracle for the unit and API privacy matrices.

Rows are (post visibility, whether the author's account is locked); each holds the viewers
who may see the post, its media, its comments and its likes, and may like it.
"""

from __future__ import annotations

from typing import Literal

Viewer = Literal["anonymous", "stranger", "follower", "pending", "mentioned", "blocked",
                 "blocker", "author"]
VIEWERS: tuple[Viewer, ...] = ("anonymous", "stranger", "follower", "pending", "mentioned",
                               "blocked", "blocker", "author")

_EVERYONE: frozenset[Viewer] = frozenset(
    {"anonymous", "stranger", "follower", "pending", "mentioned", "author"})
_CIRCLE: frozenset[Viewer] = frozenset({"follower", "mentioned", "author"})
_MENTIONED: frozenset[Viewer] = frozenset({"mentioned", "author"})

SEES: dict[tuple[str, bool], frozenset[Viewer]] = {
    ("public", False): _EVERYONE,
    ("unlisted", False): _EVERYONE,
    ("private", False): _CIRCLE,
    ("direct", False): _MENTIONED,
    # A locked account's posts reach its approved followers and the people it mentions.
    ("public", True): _CIRCLE,
    ("unlisted", True): _CIRCLE,
    ("private", True): _CIRCLE,
    ("direct", True): _MENTIONED,
}
