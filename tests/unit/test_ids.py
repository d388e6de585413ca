"""64-bit time-ordered IDs: layout, ordering, shard extraction and the generator's guarantees."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photofeed import ids

NOW_MS = 1_780_000_000_000  # a moment in 2026, well inside the ID range
moments = st.integers(min_value=ids.EPOCH_MS, max_value=ids.EPOCH_MS + ids.MAX_MS)
shards = st.integers(min_value=0, max_value=ids.LOGICAL_SHARDS - 1)
sequences = st.integers(min_value=0, max_value=(1 << ids.SEQUENCE_BITS) - 1)
slots = st.integers(min_value=0, max_value=ids.SLOTS - 1)
# Timing limits would make these flaky on a busy CI machine; they test logic, not speed.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frozen(ms: int) -> Callable[[], int]:
    return lambda: ms


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def replay(readings: list[int]) -> Callable[[], int]:
    """A clock that returns these readings in turn, then keeps the last one."""
    it: Iterator[int] = iter(readings)
    last = readings[-1]

    def clock() -> int:
        return next(it, last)

    return clock


def slot_of(id_: int) -> int:
    return (id_ & ((1 << ids.SEQUENCE_BITS) - 1)) >> ids.COUNTER_BITS


@relaxed
@given(moments, shards, sequences)
def test_an_id_gives_back_its_time_and_shard(ms: int, shard: int, sequence: int) -> None:
    id_ = ids.compose(ms, shard, sequence)
    assert ids.ms_of(id_) == ms
    assert ids.shard_of(id_) == shard
    assert id_ & ((1 << ids.SEQUENCE_BITS) - 1) == sequence
    assert 0 <= id_ <= ids.MAX_ID  # fits a signed BIGINT column


@relaxed
@given(moments, moments, shards, shards, sequences, sequences)
def test_ids_sort_by_time_whatever_their_shard(ms1: int, ms2: int, shard1: int, shard2: int,
                                               seq1: int, seq2: int) -> None:
    first, second = ids.compose(ms1, shard1, seq1), ids.compose(ms2, shard2, seq2)
    if ms1 < ms2:
        assert first < second
    elif ms1 > ms2:
        assert first > second


@relaxed
@given(moments, shards, sequences, sequences)
def test_within_a_millisecond_and_shard_the_sequence_orders(ms: int, shard: int, a: int,
                                                            b: int) -> None:
    assert (ids.compose(ms, shard, a) < ids.compose(ms, shard, b)) == (a < b)


@pytest.mark.parametrize(("ms", "shard", "sequence"), [
    (ids.EPOCH_MS - 1, 0, 0),
    (ids.EPOCH_MS + ids.MAX_MS + 1, 0, 0),
    (NOW_MS, -1, 0),
    (NOW_MS, ids.LOGICAL_SHARDS, 0),
    (NOW_MS, 0, -1),
    (NOW_MS, 0, 1 << ids.SEQUENCE_BITS),
])
def test_compose_refuses_what_does_not_fit(ms: int, shard: int, sequence: int) -> None:
    with pytest.raises(ValueError, match=r"outside|does not fit"):
        ids.compose(ms, shard, sequence)


def test_datetime_of_is_the_moment_in_utc() -> None:
    id_ = ids.compose(NOW_MS, 5, 0)
    assert ids.datetime_of(id_) == datetime.fromtimestamp(NOW_MS / 1000, tz=UTC)
    assert ids.first_id_at(NOW_MS) <= id_ < ids.first_id_at(NOW_MS + 1)


@relaxed
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=64))
def test_shard_for_key_is_stable_and_in_range(key: str) -> None:
    shard = ids.shard_for_key(key)
    assert 0 <= shard < ids.LOGICAL_SHARDS
    assert shard == ids.shard_for_key(key)


@relaxed
@given(st.integers(min_value=1, max_value=ids.MAX_ID))
def test_an_id_survives_the_trip_through_json_as_a_string(id_: int) -> None:
    assert ids.parse_id(str(id_)) == id_


@pytest.mark.parametrize("text", [
    "", "0", "-1", "abc", "12a", "1.5", "1e9", "+12", str(ids.MAX_ID + 1),
    "99999999999999999999", "9" * 400,
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11\uff12\uff13",  # full-width digits
])
def test_parse_id_refuses_what_cannot_be_ours(text: str) -> None:
    assert ids.parse_id(text) is None


@relaxed
@given(slots, st.lists(st.tuples(st.integers(min_value=-50, max_value=50), shards),
                       min_size=1, max_size=300))
def test_generator_ids_are_unique_and_increase_per_shard(
        slot: int, steps: list[tuple[int, int]]) -> None:
    """Whatever the clock does, backwards included, no ID repeats and none goes back."""
    readings, now = [], NOW_MS
    for jump, _ in steps:
        now += jump
        readings.append(now)
    generator = ids.IdGenerator(slot, clock=replay(readings))
    issued: list[tuple[int, int, int]] = []
    for (_, shard), reading in zip(steps, readings, strict=True):
        issued.append((shard, reading, generator.new_id(shard)))
    assert len({id_ for _, _, id_ in issued}) == len(issued)
    last_on_shard: dict[int, int] = {}
    high_water = 0
    for shard, reading, id_ in issued:
        assert ids.shard_of(id_) == shard
        assert slot_of(id_) == slot
        assert id_ > last_on_shard.get(shard, 0)
        last_on_shard[shard] = id_
        # Never stamped earlier than the clock said, nor earlier than an ID already issued.
        high_water = max(high_water, reading)
        assert ids.ms_of(id_) >= high_water
        high_water = ids.ms_of(id_)


def test_a_clock_going_backwards_does_not_repeat_or_reorder() -> None:
    generator = ids.IdGenerator(3, clock=replay([NOW_MS, NOW_MS - 5_000, NOW_MS - 4_999]))
    made = [generator.new_id(7) for _ in range(3)]
    assert made == sorted(made)
    assert len(set(made)) == 3
    assert all(ids.ms_of(id_) == NOW_MS for id_ in made)


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = ManualClock(NOW_MS)
    generator = ids.IdGenerator(9, clock=clock)
    made = [generator.new_id(42) for _ in range(5 * ids.COUNTER_LIMIT)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    stamps = [ids.ms_of(id_) for id_ in made]
    assert stamps[0] == NOW_MS
    assert stamps[ids.COUNTER_LIMIT - 1] == NOW_MS
    assert stamps[ids.COUNTER_LIMIT] == NOW_MS + 1
    assert stamps[-1] == NOW_MS + 4
    # When the wall clock catches up, the borrowed milliseconds are not issued twice.
    clock.ms = NOW_MS + 2
    assert generator.new_id(42) > made[-1]


def test_two_slots_never_collide_on_the_same_millisecond_and_shard() -> None:
    a, b = ids.IdGenerator(0, clock=frozen(NOW_MS)), ids.IdGenerator(1, clock=frozen(NOW_MS))
    minted = [g.new_id(0) for _ in range(100) for g in (a, b)]
    assert len(set(minted)) == len(minted)


def test_without_a_shard_the_generator_spreads_ids_over_every_shard() -> None:
    generator = ids.IdGenerator(0, clock=frozen(NOW_MS))
    first = ids.shard_of(generator.new_id())
    following = [ids.shard_of(generator.new_id()) for _ in range(ids.LOGICAL_SHARDS - 1)]
    assert {first, *following} == set(range(ids.LOGICAL_SHARDS))


def test_threads_sharing_one_generator_get_distinct_increasing_ids() -> None:
    generator = ids.IdGenerator(5)
    per_thread: dict[int, list[int]] = {}
    start = threading.Barrier(8)

    def mint(n: int) -> None:
        start.wait()
        per_thread[n] = [generator.new_id(n) for _ in range(2_500)]

    threads = [threading.Thread(target=mint, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [id_ for made in per_thread.values() for id_ in made]
    assert len(every) == 20_000
    assert len(set(every)) == 20_000
    for made in per_thread.values():
        assert made == sorted(made)


@pytest.mark.parametrize("slot", [-1, ids.SLOTS])
def test_a_generator_needs_a_slot_that_fits(slot: int) -> None:
    with pytest.raises(ValueError, match="slot"):
        ids.IdGenerator(slot)
