"""A synthetic social graph for the feed benchmark: who follows whom, who posts what.

Everything is numpy arrays indexed by account number 0..users-1; the SQL writer turns
them into rows. The same parameters and seed always give the same graph.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from photofeed import ids

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAY_MS = 86_400_000
# Posts span the last POST_DAYS days; accounts were created over the year before that.
POST_DAYS = 30
# Zipf-like popularity: weight 1 / (rank + OFFSET) ** ALPHA. With 100,000 people following
# ~100 each, this gives a median of a few dozen followers, ~1,200 authors above 1,000 and a
# couple of dozen above 20,000 — the long tail the hybrid mode is designed for.
POPULARITY_ALPHA = 0.9
POPULARITY_OFFSET = 20.0
INACTIVE_SHARE = 0.15
LOCKED_SHARE = 0.02
# Posts that only followers may see, and ones kept off public pages.
PRIVATE_SHARE = 0.04
UNLISTED_SHARE = 0.01
VISIBILITIES = ("public", "unlisted", "private")


@dataclass(frozen=True)
class GraphParams:
    users: int = 100_000
    followees: int = 100
    posts: int = 1_000_000
    seed: int = 42
    # Followers of a dedicated probe author, for timing the fan-out of one post to exactly
    # that many readers; 0 adds none (and leaves the graph as it always was).
    probe_followers: int = 0

    @property
    def key(self) -> str:
        probe = f"-q{self.probe_followers}" if self.probe_followers else ""
        return f"u{self.users}-f{self.followees}-p{self.posts}-s{self.seed}{probe}"


@dataclass
class Graph:
    params: GraphParams
    account_ids: IntArray        # ascending with the account number
    follow_src: IntArray         # follower numbers, sorted by (src, dst)
    follow_dst: IntArray
    followers_count: IntArray
    following_count: IntArray
    post_ids: IntArray           # ascending, so also oldest to newest
    post_author: IntArray        # account number of each post's author
    post_visibility: IntArray    # index into VISIBILITIES
    locked: BoolArray
    inactive: BoolArray
    built_ms: int
    probe: int = -1              # account number of the probe author; -1: none

    def usernames(self) -> list[str]:
        return [f"u{i}" for i in range(self.params.users)]


def _compose_many(ms: IntArray, shard: IntArray, sequence: IntArray) -> IntArray:
    """ids.compose for whole arrays at once."""
    offset = ms - ids.EPOCH_MS
    made: IntArray = (offset << (ids.SHARD_BITS + ids.SEQUENCE_BITS)) \
        | (shard << ids.SEQUENCE_BITS) | sequence
    return made


def _follows(params: GraphParams, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    users = params.users
    # How many people each person follows: log-normal around the mean, as in real networks.
    sigma = 0.8
    wanted = np.clip(rng.lognormal(np.log(params.followees) - sigma ** 2 / 2, sigma, users),
                     3, max(3, users // 4)).astype(np.int64)
    rank = rng.permutation(users)
    weight = 1.0 / (rank + POPULARITY_OFFSET) ** POPULARITY_ALPHA
    cdf = np.cumsum(weight / weight.sum())
    # Sampling with replacement, then dropping repeats and self-follows, is cheap and
    # naturally caps the most popular accounts; a few percent extra make up for the drops.
    src = np.repeat(np.arange(users, dtype=np.int64), (wanted * 1.04).astype(np.int64))
    dst = np.minimum(np.searchsorted(cdf, rng.random(src.size), side="right"), users - 1)
    keep = src != dst
    unique = np.unique(src[keep] * users + dst[keep])
    return unique // users, unique % users


def _posts(params: GraphParams, rng: np.random.Generator,
           end_ms: int) -> tuple[IntArray, IntArray, IntArray]:
    activity = rng.lognormal(0.0, 1.2, params.users)
    cdf = np.cumsum(activity / activity.sum())
    author = np.minimum(np.searchsorted(cdf, rng.random(params.posts), side="right"),
                        params.users - 1).astype(np.int64)
    step = max(1, POST_DAYS * DAY_MS // params.posts)
    start = end_ms - step * params.posts
    ms = start + step * np.arange(params.posts, dtype=np.int64)
    shard = rng.integers(0, ids.LOGICAL_SHARDS, params.posts, dtype=np.int64)
    post_ids = _compose_many(ms, shard, np.zeros(params.posts, dtype=np.int64))
    visibility = rng.choice(3, params.posts,
                            p=[1 - PRIVATE_SHARE - UNLISTED_SHARE, UNLISTED_SHARE,
                               PRIVATE_SHARE]).astype(np.int64)
    return post_ids, author, visibility


def _account_ids(params: GraphParams, end_ms: int) -> IntArray:
    start = end_ms - (POST_DAYS + 365) * DAY_MS
    step = max(1, 365 * DAY_MS // params.users)
    ms = start + step * np.arange(params.users, dtype=np.int64)
    # An account is minted on its username's shard, as sign-up does.
    shard = np.array([ids.shard_for_key(f"u{i}") for i in range(params.users)],
                     dtype=np.int64)
    return _compose_many(ms, shard, np.zeros(params.users, dtype=np.int64))


def build(params: GraphParams) -> Graph:
    """Generate the graph and the posts; deterministic for a given params."""
    rng = np.random.default_rng(params.seed)
    end_ms = ids.wall_clock_ms() - 60_000
    account_ids = _account_ids(params, end_ms)
    assert ids.compose(int(ids.ms_of(int(account_ids[1]))), ids.shard_for_key("u1"), 0) \
        == account_ids[1]
    src, dst = _follows(params, rng)
    post_ids, author, visibility = _posts(params, rng, end_ms)
    probe = -1
    if params.probe_followers:
        probe, src, dst = _with_probe(params, src, dst)
    return Graph(
        params=params, account_ids=account_ids, follow_src=src, follow_dst=dst,
        followers_count=np.bincount(dst, minlength=params.users).astype(np.int64),
        following_count=np.bincount(src, minlength=params.users).astype(np.int64),
        post_ids=post_ids, post_author=author, post_visibility=visibility,
        locked=rng.random(params.users) < LOCKED_SHARE,
        inactive=rng.random(params.users) < INACTIVE_SHARE, built_ms=int(time.time() * 1000),
        probe=probe)


def _with_probe(params: GraphParams, src: IntArray,
                dst: IntArray) -> tuple[int, IntArray, IntArray]:
    """Give the least-followed account exactly probe_followers followers.

    It keeps the followers it had and gains random others; its own posts stay as they
    were. Edges stay unique and sorted by (follower, followee).
    """
    users = params.users
    wanted = min(params.probe_followers, users - 1)
    probe = int(np.argmin(np.bincount(dst, minlength=users)))
    already = src[dst == probe]
    # Its own seeded stream, so the rest of the graph is the same with or without a probe.
    rng = np.random.default_rng(params.seed + 3)
    candidates = np.setdiff1d(np.arange(users, dtype=np.int64),
                              np.append(already, probe))
    extra = rng.choice(candidates, size=max(0, wanted - len(already)), replace=False)
    unique = np.unique(np.concatenate([src * users + dst, extra * users + probe]))
    return probe, unique // users, unique % users


def csr(keys: IntArray, values: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Group values by key: (start offsets of size+1, values sorted by key, stable)."""
    order = np.argsort(keys, kind="stable")
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=offsets[1:])
    grouped: IntArray = values[order]
    return offsets, grouped
