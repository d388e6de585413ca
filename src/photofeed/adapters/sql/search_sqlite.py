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

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql import search_stats
from photofeed.adapters.sql.porter import stem
from photofeed.adapters.sql.search_bm25 import Document, Unit, near_unit, score, term_units
from photofeed.adapters.sql.search_rows import Candidate
from photofeed.adapters.sql.search_stats import Statistics
from photofeed.domain.search import PostQuery, SearchDocument, words
from photofeed.ports.search import SearchScope

STEMS = "{title caption tags alt}"
WORDS = "{title_words caption_words tag_words alt_words}"
# The longest prefix FTS5 has an index for (migration 0007). A longer one would make FTS5
# merge the whole doclist of every word it starts, so it is spelled out as those words.
INDEXED_PREFIX = 5

_CANDIDATES = text("""
    SELECT c.*, p.favourites_count, p.replies_count
    FROM (SELECT rowid, title, caption, tags, alt,
                 title_words, caption_words, tag_words, alt_words
          FROM post_search WHERE post_search MATCH :expression
            AND (visibility = 'public' OR account_id IN :authors)
          ORDER BY rowid DESC LIMIT :cap) AS c
    JOIN posts AS p ON p.id = c.rowid""").bindparams(bindparam("authors", expanding=True))
_DELETE = text("DELETE FROM post_search WHERE rowid = :post_id")
INSERT = """
    INSERT INTO post_search (rowid, title, caption, tags, alt, title_words, caption_words,
                             tag_words, alt_words, author, account_id, visibility)
    VALUES (:post_id, :title, :caption, :tags, :alt, :title_words, :caption_words,
            :tag_words, :alt_words, :author, :account_id, :visibility)"""
INSERT_WORD = "INSERT OR IGNORE INTO post_search_words (word) VALUES (:word)"
_EXPAND = text("""
    SELECT word FROM post_search_words WHERE word >= :low AND word < :high
    ORDER BY word LIMIT :most""")
# A prefix matching more words than this is left to FTS5 (one query of many OR'd words
# costs more than the merge); beyond the indexed length that takes an odd typist.
MAX_EXPANSION = 50


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
    rows = (await conn.execute(_CANDIDATES, {
        "expression": found, "authors": sorted(scope.authors), "cap": cap})).all()
    if not rows:
        return []
    scored = [u for u in [*units, near] if u is not None and _match(u, expansions)]
    window = await stats.current(conn)
    hits = await search_stats.sample(conn, [_match(u, expansions) for u in scored], window)
    weights = [window.idf(count) for count in hits]
    return [Candidate(post_id=r[0], likes=r[9], replies=r[10], relevance=score(
        scored, weights, Document.of(r[1:5], r[5:9]), window.average_length)) for r in rows]


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
        rows = await conn.execute(_EXPAND, {"low": prefix, "high": high,
                                            "most": MAX_EXPANSION + 1})
        spelled = [r[0] for r in rows]
        if len(spelled) <= MAX_EXPANSION:
            found[prefix] = spelled
    return found
