"""People by name and hashtags by prefix, one database at a time.

Only usernames and display names are matched, never e-mail addresses or anything else an
account row holds. Hashtags count only where a public post uses them, so a tag that only
private posts carry is never revealed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql.accounts import ACCOUNT_ROWS
from photofeed.adapters.sql.schema import accounts as accounts_table
from photofeed.domain.accounts import Account
from photofeed.domain.search import TagDay, TagStats

_TIME_SHIFT = ids.SHARD_BITS + ids.SEQUENCE_BITS
_DAY_MS = 86_400_000
# Above every character a hashtag can hold, so [prefix, prefix + _TOP) holds every tag
# that starts with prefix in code point order.
_TOP = "\U0010ffff"


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def accounts(conn: AsyncConnection, prefix: str, limit: int, *,
                   among: list[int] | None) -> list[Account]:
    """Accounts whose username, or a word of whose display name, starts with `prefix`."""
    if among is not None and not among:
        return []
    pattern = _like(prefix)
    name = func.lower(accounts_table.c.display_name)
    query = select(*ACCOUNT_ROWS.columns).where(or_(
        accounts_table.c.username_key.like(f"{pattern}%", escape="\\"),
        name.like(f"{pattern}%", escape="\\"),
        name.like(f"% {pattern}%", escape="\\")))
    if among is not None:
        query = query.where(accounts_table.c.id.in_(among))
    exact = case((accounts_table.c.username_key == prefix, 0), else_=1)
    query = query.order_by(exact, accounts_table.c.followers_count.desc(),
                           accounts_table.c.id).limit(limit)
    rows = await conn.execute(query)
    return [ACCOUNT_ROWS.decode(row) for row in rows]


def _tag(conn: AsyncConnection, alias: str) -> str:
    # PostgreSQL compares in code point order only under the C collation, which an index
    # made by the search migration provides whatever the database's own collation is.
    column = f"{alias}.tag"
    return f'{column} COLLATE "C"' if conn.dialect.name == "postgresql" else column


async def tags(conn: AsyncConnection, prefix: str, limit: int) -> list[str]:
    """Up to `limit` hashtags starting with `prefix`, each used by a public post."""
    # Skip from one distinct tag to the next through the primary key, so a tag used a
    # million times costs one index probe, not a million rows.
    query = text(f"""
        WITH RECURSIVE names(tag) AS (
            SELECT min(t.tag) FROM post_tags AS t
            WHERE {_tag(conn, "t")} >= :low AND {_tag(conn, "t")} < :high
            UNION ALL
            SELECT (SELECT min(t.tag) FROM post_tags AS t
                    WHERE {_tag(conn, "t")} > {_tag(conn, "names")}
                      AND {_tag(conn, "t")} < :high)
            FROM names WHERE names.tag IS NOT NULL)
        SELECT names.tag FROM names WHERE names.tag IS NOT NULL AND EXISTS (
            SELECT 1 FROM post_tags AS u JOIN posts AS p ON p.id = u.post_id
            WHERE u.tag = names.tag AND p.visibility = 'public')
        LIMIT :limit""")  # noqa: S608 - only our own column expressions are formatted in
    rows = await conn.execute(query, {"low": prefix, "high": prefix + _TOP, "limit": limit})
    return [row[0] for row in rows]


async def tag_days(conn: AsyncConnection, names: list[str],
                   since: datetime) -> list[tuple[str, int, int, int]]:
    """(tag, day number, posts, authors) for public posts since `since`, per day."""
    day = f"((u.post_id >> {_TIME_SHIFT}) / {_DAY_MS})"
    query = text(f"""
        SELECT u.tag, {day} AS day, count(*) AS uses, count(DISTINCT p.account_id) AS authors
        FROM post_tags AS u JOIN posts AS p ON p.id = u.post_id
        WHERE u.tag IN :names AND u.post_id >= :since AND p.visibility = 'public'
        GROUP BY u.tag, {day}""")  # noqa: S608 - constants only
    since_id = ids.first_id_at(int(since.timestamp() * 1000))
    rows = await conn.execute(query.bindparams(bindparam("names", expanding=True)),
                              {"names": names, "since": since_id})
    return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def merge_tag_days(rows: Iterable[tuple[str, int, int, int]]) -> list[TagStats]:
    """One history per tag, newest day first, the databases' counts added up.

    Authors who posted on several databases count once per database: close enough for a
    trend line, and exact counting would need every author ID in one place.
    """
    days: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for tag, day, uses, authors in rows:
        days[tag][day][0] += uses
        days[tag][day][1] += authors
    return [TagStats(name=tag, history=tuple(
        TagDay(day=(ids.EPOCH_MS + number * _DAY_MS) // 1000, uses=counts[0], accounts=counts[1])
        for number, counts in sorted(by_day.items(), reverse=True)))
        for tag, by_day in sorted(days.items())]
