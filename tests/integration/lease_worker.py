"""A separate process that leases an ID slot and mints IDs (driven by test_id_leases.py).

    python -m tests.integration.lease_worker DATABASE_URL COUNT OUTPUT_FILE

Prints its slot, waits for a line on stdin (so every worker holds its lease at once), then
writes COUNT IDs, one per line, to OUTPUT_FILE and releases the slot.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from photofeed import ids
from photofeed.adapters.sql.id_leases import SqlSlotLease
from photofeed.adapters.sql.migrate import migrate_all
from photofeed.adapters.sql.router import ShardRouter


async def run(url: str, count: int, output: Path) -> None:
    router = ShardRouter.from_urls([url])
    try:
        await migrate_all(router)
        lease = SqlSlotLease(router)
        slot = await lease.acquire()
        print(slot, flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        generator = ids.IdGenerator(slot)
        minted = [generator.new_id() for _ in range(count)]
        await asyncio.to_thread(output.write_text, "\n".join(map(str, minted)))
        await lease.release()
    finally:
        await router.dispose()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
