"""Post search on SQLite: an FTS5 table per database, queried with expressions we write.

The index row of a post holds, per field (title, caption, tags, alt), its stems and its
words as typed, folded by domain.search.words and stemmed by our porter (see porter.py
for why FTS5 does not stem). A whole word is looked for among the stems, the word being
typed among the words by prefix. Every token in an expression is a double-quoted string
of letters and digits only, so nothing a person types can become FTS5 syntax.

A search reads the newest `cap` matches in rowid (= post ID, so time) order, which FTS5
does without visiting older matches, and ranks them in Python (search_bm25) with
document frequencies counted among the newest posts only: both costs stay flat as the
index grows.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql.porter import stem
from photofeed.adapters.sql.search_bm25 import Scorer, Unit, near_unit, term_units
from photofeed.adapters.sql.search_rows import Candidate
from photofeed.adapters.sql.search_stats import Statistics, averages_of, fetch
from photofeed.domain.search import PostQuery, SearchDocument, words
from photofeed.ports.search import SearchScope

STEMS = "{title caption tags alt}"
WORDS = "{title_words caption_words tag_words alt_words}"
# The longest prefix FTS5 has an index for (migration 0007). A longer one would make FTS5
# merge the whole doclist of every word it starts, so it is spelled out as those words.
INDEXED_PREFIX = 5

# The newest `cap` visible matches with what ranking needs; then per scored unit a row
# counting its matches among the window's posts (see search_stats), and FTS5's averages
# record (row count, tokens per column). One statement: each costs a trip to the driver's
# thread and back, and on a busy machine every trip can wait for a core.
_CANDIDATES = """
    SELECT c.*, p.favourites_count, p.replies_count
    FROM (SELECT rowid, title, caption, tags, alt, {words}
          FROM post_search WHERE post_search MATCH :expression
            AND (visibility = 'public'
                 OR account_id IN (SELECT value FROM json_each(:authors)))
          ORDER BY rowid DESC LIMIT :cap) AS c
    JOIN posts AS p ON p.id = c.rowid
    UNION ALL SELECT NULL, -1, block, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM post_search_data WHERE id = 1"""
_SAMPLE = """
    UNION ALL SELECT NULL, {0}, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM post_search WHERE post_search MATCH :m{0} AND rowid >= :first"""
_DELETE = text("DELETE FROM post_search WHERE rowid = :post_id")
INSERT = """
    INSERT INTO post_search (rowid, title, caption, tags, alt, title_words, caption_words,
                             tag_words, alt_words, author, account_id, visibility)
    VALUES (:post_id, :title, :caption, :tags, :alt, :title_words, :caption_words,
            :tag_words, :alt_words, :author, :account_id, :visibility)"""
INSERT_WORD = "INSERT OR IGNORE INTO post_search_words (word) VALUES (:word)"
_EXPAND = """
    SELECT word FROM post_search_words WHERE word >= :low AND word < :high
    ORDER BY word LIMIT :most"""
# Spelled out, a prefix costs about 1 ms plus 10 us a word (200 words: 3 ms at a million
# posts), where FTS5's merge costs up to 25 ms for a common word; a prefix longer than the
# indexed ones that starts more words than this is left to FTS5 all the same.
MAX_EXPANSION = 200


def row(post_id: int, account_id: int, visibility: str,
        document: SearchDocument) -> dict[str, Any]:
    """The values of a post's index row, for INSERT (the benchmark loads with them too)."""
    values: dict[str, Any] = {"post_id": post_id, "author": f"a{account_id}",
                              "account_id": account_id, "visibility": visibility}
    for field, found in zip(("title", "caption", "tags", "alt"), _fields(document),
                            strict=True):
        values[field] = " ".join(stem(word) for word in found)
        values[f"{field}_words" if field != "tags" else "tag_words"] = " ".join(found)
    return values


def long_words(document: SearchDocument) -> set[str]:
    """The words a prefix query may have to spell out (see INDEXED_PREFIX)."""
    return {word for found in _fields(document) for word in found
            if len(word) > INDEXED_PREFIX}


def _fields(document: SearchDocument) -> list[list[str]]:
    return [words(document.title), words(document.caption), words(document.tags),
            words(document.alt)]


async def put(conn: AsyncConnection, post_id: int, account_id: int, visibility: str,
              document: SearchDocument) -> None:
    await conn.execute(_DELETE, {"post_id": post_id})
    await conn.execute(text(INSERT), row(post_id, account_id, visibility, document))
    found = long_words(document)
    if found:
        await conn.execute(text(INSERT_WORD), [{"word": word} for word in sorted(found)])


async def remove(conn: AsyncConnection, post_id: int) -> None:
    await conn.execute(_DELETE, {"post_id": post_id})


async def candidates(conn: AsyncConnection, query: PostQuery, scope: SearchScope,
                     cap: int, stats: Statistics) -> list[Candidate]:
    """The newest `cap` matches, with their relevance and engagement."""
    units = [unit for term in query.terms for unit in term_units(term)]
    near = near_unit(query)
    expansions = await _expansions(conn, [*units, near] if near else units)
    found = expression(query, scope, expansions)
    if found is None:
        return []
    scored = [u for u in [*units, near] if u is not None and _match(u, expansions)]
    window = await stats.window(conn)
    params = {"expression": found, "authors": json.dumps(sorted(scope.authors)), "cap": cap,
              "first": window.first} | {f"m{i}": _match(u, expansions)
                                        for i, u in enumerate(scored)}
    typed = any(u.prefix for u in scored)
    rows = await fetch(conn, _candidates_sql(len(scored), typed), params)
    hits, total, average_length = [0] * len(scored), 0, 1.0
    for r in rows:
        if r[0] is None and r[1] < 0:
            total, average_length = averages_of(r[2])
        elif r[0] is None:
            hits[r[1]] = r[2]
    scorer = Scorer(scored, [window.idf(count, total) for count in hits], average_length)
    return [Candidate(post_id=r[0], likes=r[9], replies=r[10], relevance=scorer(r[1:5], r[5:9]))
            for r in rows if r[0] is not None]


@lru_cache(maxsize=64)
def _candidates_sql(units: int, typed: bool) -> str:
    # Only column names and numbered placeholders are written into the statement. The
    # words as typed are read only for a prefix to count.
    words = "title_words, caption_words, tag_words, alt_words" if typed else "'', '', '', ''"
    return (_CANDIDATES.format(words=words)
            + "".join(_SAMPLE.format(i) for i in range(units)))


def expression(query: PostQuery, scope: SearchScope,
               expansions: dict[str, list[str]] | None = None) -> str | None:
    """The FTS5 MATCH expression for a parsed query, or None when nothing can match."""
    expansions = expansions or {}
    terms = []
    for term in query.terms:
        options = [found for unit in term_units(term) if (found := _match(unit, expansions))]
        if not options:
            return None
        terms.append(" OR ".join(options))
    matched = " AND ".join(f"({term})" for term in terms)
    if scope.only_author is not None:
        matched += f' AND author : "a{scope.only_author}"'
    return matched


def _match(unit: Unit, expansions: dict[str, list[str]]) -> str:
    """The FTS5 expression for one unit; empty if it can match nothing."""
    if unit.prefix:
        columns = "tag_words" if unit.tags_only else WORDS
    else:
        columns = "tags" if unit.tags_only else STEMS
    head = "".join(f'"{token}" + ' for token in unit.tokens[:-1])
    last = unit.tokens[-1]
    if not unit.prefix:
        return f'{columns} : ({head}"{last}")'
    if last not in expansions:
        return f'{columns} : ({head}"{last}" *)'
    options = " OR ".join(f'({head}"{word}")' for word in expansions[last])
    return f"{columns} : ({options})" if options else ""


async def _expansions(conn: AsyncConnection, units: list[Unit]) -> dict[str, list[str]]:
    """The words each prefix longer than the prefix indexes stands for."""
    found: dict[str, list[str]] = {}
    for prefix in {u.tokens[-1] for u in units if u.prefix}:
        if len(prefix) <= INDEXED_PREFIX:
            continue
        high = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        spelled = [r[0] for r in await fetch(conn, _EXPAND, {
            "low": prefix, "high": high, "most": MAX_EXPANSION + 1})]
        if len(spelled) <= MAX_EXPANSION:
            found[prefix] = spelled
    return found
