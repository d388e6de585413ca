"""64-bit time-ordered IDs that carry their logical shard.

Layout, most significant first (Instagram's scheme):
    41 bits  milliseconds since EPOCH_MS; the top one stays 0 so IDs fit a signed BIGINT,
             which leaves about 34 years of room (until 2059)
    13 bits  logical shard, 0..8191
    10 bits  sequence: 6 bits of the generator's leased slot, 4 bits of a per-millisecond counter

The slot makes IDs unique across processes without coordination per ID: every process that
generates IDs holds a slot leased from the metadata database (adapters/sql/id_leases.py), so
at most 64 generating processes run at once, each issuing up to 16 IDs per millisecond. When
a process needs more in one millisecond it borrows the next millisecond, so IDs stay unique
and increasing and drift ahead of the wall clock only under sustained overload.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
TIME_BITS = 41
SHARD_BITS = 13
SEQUENCE_BITS = 10
SLOT_BITS = 6
COUNTER_BITS = SEQUENCE_BITS - SLOT_BITS

LOGICAL_SHARDS = 1 << SHARD_BITS
SLOTS = 1 << SLOT_BITS
COUNTER_LIMIT = 1 << COUNTER_BITS
MAX_ID = (1 << 63) - 1  # IDs stay positive in a signed BIGINT column
# Consecutive IDs without a given shard jump this far (an odd step visits every shard) so
# they land in different databases' ranges, not one range after the other.
SHARD_STRIDE = 5003
# The last millisecond whose IDs are still <= MAX_ID: the 41st time bit is the sign bit.
MAX_MS = MAX_ID >> (SHARD_BITS + SEQUENCE_BITS)


def compose(ms: int, shard: int, sequence: int) -> int:
    """Build an ID from a Unix time in milliseconds, a logical shard and a sequence."""
    offset = ms - EPOCH_MS
    if not 0 <= offset <= MAX_MS:
        raise ValueError(f"time {ms} ms is outside the ID range")
    if not 0 <= shard < LOGICAL_SHARDS:
        raise ValueError(f"shard {shard} is outside 0..{LOGICAL_SHARDS - 1}")
    if not 0 <= sequence < 1 << SEQUENCE_BITS:
        raise ValueError(f"sequence {sequence} does not fit in {SEQUENCE_BITS} bits")
    return (offset << (SHARD_BITS + SEQUENCE_BITS)) | (shard << SEQUENCE_BITS) | sequence


def shard_of(id_: int) -> int:
    """The logical shard an ID was made for."""
    return (id_ >> SEQUENCE_BITS) & (LOGICAL_SHARDS - 1)


def ms_of(id_: int) -> int:
    """The Unix time in milliseconds an ID was made at."""
    return (id_ >> (SHARD_BITS + SEQUENCE_BITS)) + EPOCH_MS


def datetime_of(id_: int) -> datetime:
    """The moment an ID was made at, in UTC."""
    return datetime.fromtimestamp(ms_of(id_) / 1000, tz=UTC)


def first_id_at(ms: int) -> int:
    """The smallest ID any shard can issue at this millisecond (for time-range queries)."""
    return compose(max(ms, EPOCH_MS), 0, 0)


def shard_for_key(key: str) -> int:
    """A stable logical shard for a natural key such as a lowercased username or a token hash."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % LOGICAL_SHARDS


def parse_id(text: str | int) -> int | None:
    """The ID a client sent, or None when it cannot be one of ours."""
    if isinstance(text, int):
        return text if 0 < text <= MAX_ID else None
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class IdGenerator:
    """Issues unique IDs for one leased slot; safe across threads.

    IDs on one shard strictly increase. Across shards they are ordered by millisecond only:
    within one millisecond the shard bits, not the order of issue, decide.
    """

    def __init__(self, slot: int, clock: Callable[[], int] = wall_clock_ms) -> None:
        if not 0 <= slot < SLOTS:
            raise ValueError(f"slot {slot} is outside 0..{SLOTS - 1}")
        self.slot = slot
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0
        # Start each process at a different shard so round-robin spreading does not make
        # every freshly started process hit shard 0 first.
        self._next_shard = random.randrange(LOGICAL_SHARDS)  # noqa: S311 - spreading, not secrecy

    def new_id(self, shard: int | None = None) -> int:
        """A new ID on the given logical shard, or on the next shard in rotation."""
        with self._lock:
            if shard is None:
                shard = self._next_shard
                self._next_shard = (self._next_shard + SHARD_STRIDE) % LOGICAL_SHARDS
            now = self._clock()
            if now > self._last_ms:
                self._last_ms, self._counter = now, 0
            elif self._counter + 1 < COUNTER_LIMIT:
                self._counter += 1
            else:
                self._last_ms, self._counter = self._last_ms + 1, 0
            sequence = (self.slot << COUNTER_BITS) | self._counter
            return compose(self._last_ms, shard, sequence)
