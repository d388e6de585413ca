"""ID generator slots leased from the directory database, across real processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from photofeed import ids
from photofeed.adapters.sql.id_leases import NoFreeSlot, SqlSlotLease
from photofeed.adapters.sql.router import ShardRouter

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 20_000
# Leases live in the first database only, so a second SQLite shard adds nothing here.
sqlite_and_postgres = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def start_worker(url: str, output: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.lease_worker", url, str(PER_PROCESS),
         str(output)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_processes_hold_different_slots_and_mint_no_duplicate(
        database_url: str, tmp_path: Path) -> None:
    outputs = [tmp_path / "first.txt", tmp_path / "second.txt"]
    workers = [start_worker(database_url, output) for output in outputs]
    try:
        # Both migrate and lease at the same time; each holds its lease until told to mint.
        leased = [int(w.stdout.readline()) for w in workers if w.stdout is not None]
        assert len(leased) == 2
        assert leased[0] != leased[1]
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.close()
        assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()
    minted = [[int(line) for line in output.read_text().split()] for output in outputs]
    every = minted[0] + minted[1]
    assert len(every) == 2 * PER_PROCESS
    assert len(set(every)) == len(every)
    for made, slot in zip(minted, leased, strict=True):
        assert {(id_ >> ids.COUNTER_BITS) % ids.SLOTS for id_ in made} == {slot}


@sqlite_and_postgres
async def test_live_leases_get_distinct_slots_and_released_ones_are_reused(
        router: ShardRouter) -> None:
    leases = [SqlSlotLease(router) for _ in range(3)]
    slots = [await lease.acquire() for lease in leases]
    assert sorted(slots) == [0, 1, 2]
    await leases[1].release()
    newcomer = SqlSlotLease(router)
    assert await newcomer.acquire() == slots[1]
    assert await leases[0].renew() is True


@sqlite_and_postgres
async def test_a_lapsed_lease_is_taken_over_and_its_holder_told(router: ShardRouter) -> None:
    # A zero TTL stands for a process that stopped renewing: its lease has already lapsed.
    stalled = SqlSlotLease(router, ttl=timedelta(0))
    slot = await stalled.acquire()
    successor = SqlSlotLease(router)
    assert await successor.acquire() == slot
    assert await stalled.renew() is False
    assert await successor.renew() is True


@sqlite_and_postgres
async def test_when_every_slot_is_held_no_more_generators_start(router: ShardRouter) -> None:
    holders = [SqlSlotLease(router) for _ in range(ids.SLOTS)]
    assert sorted([await lease.acquire() for lease in holders]) == list(range(ids.SLOTS))
    with pytest.raises(NoFreeSlot):
        await SqlSlotLease(router).acquire()
    await holders[10].release()
    assert await SqlSlotLease(router).acquire() == 10
