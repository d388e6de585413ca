"""How PostgreSQL plans the statements of a pooled connection, set per kind of read.

PostgreSQL plans a prepared statement for the values of its first five executions, then
settles on a plan made without them only if that one looks no dearer. The statements
driver reads run (prepared.py) find rows by key, and the plan made without values serves
them all; but a feed page's statement on a database holding a few of the page's posts and
none of the reader's relations looks cheaper planned for its short or empty ID lists. With
four shard databases it was therefore planned again at every execution, on every one of
them: a feed read took 3.6 to 4.3 ms of the machine's CPU, against 1.9 to 2.3 ms planned once
(2026-11-24, 20,000 users, push mode, alternating runs). Connections lent to driver
reads are set to plan once. The other reads keep PostgreSQL's default: statements built
per request (a hashtag's timeline) and searches need the plan made for what they look
for, and forcing the generic plan on every connection turned a search for a common word
from 2.4 to 96 ms. A connection is switched only when it changes from one kind of read to
the other: at most one round trip per checkout, none for the connections kept for driver
reads (driver_reads.KeptConnections).
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.pool import PoolProxiedConnection

# Marks, in the pool's record of a connection, one set to plan once. The pool forgets it
# with the connection.
_PLANS_ONCE = "photofeed_plans_once"


async def plan_once(pooled: PoolProxiedConnection) -> None:
    """Have the connection plan each prepared statement once, without its values."""
    if not pooled.info.get(_PLANS_ONCE):
        await _driver(pooled).execute("SET plan_cache_mode = force_generic_plan")
        pooled.info[_PLANS_ONCE] = True


async def plan_by_default(pooled: PoolProxiedConnection) -> None:
    """Give the connection back PostgreSQL's own choice of plans."""
    if pooled.info.pop(_PLANS_ONCE, False):
        await _driver(pooled).execute("RESET plan_cache_mode")


def _driver(pooled: PoolProxiedConnection) -> asyncpg.Connection:
    driver: asyncpg.Connection = pooled.driver_connection
    return driver
