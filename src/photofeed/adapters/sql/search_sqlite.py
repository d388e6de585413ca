"""Post search on SQLite: an FTS5 table per database, queried with expressions we write.

Every word in an expression is a double-quoted string made of letters and digits only
(see domain.search.words), so nothing a person types can become FTS5 syntax.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql.search_rows import Candidate
from photofeed.domain.search import PostQuery, SearchDocument, Term, words
from photofeed.ports.search import SearchScope

_TEXT = "{title caption tags alt title_words other_words}"
# bm25 weight per column, in table order: a title word counts five times a caption word;
# the unstemmed copies count less than the stemmed columns, so a whole word typed out
# ranks above a mere prefix; the author token is a filter and never adds to the score.
WEIGHTS = (10.0, 2.0, 5.0, 1.5, 4.0, 1.0, 0.0, 0.0, 0.0)

_CANDIDATES = text(f"""
    SELECT c.post_id, c.relevance, p.favourites_count, p.replies_count
    FROM (SELECT rowid AS post_id, -bm25(post_search, {", ".join(map(str, WEIGHTS))})
                 AS relevance
          FROM post_search WHERE post_search MATCH :expression
            AND (visibility = 'public' OR account_id IN :authors)
          ORDER BY rowid DESC LIMIT :cap) AS c
    JOIN posts AS p ON p.id = c.post_id""").bindparams(  # noqa: S608 - constants only
    bindparam("authors", expanding=True))
_DELETE = text("DELETE FROM post_search WHERE rowid = :post_id")
INSERT = """
    INSERT INTO post_search (rowid, title, caption, tags, alt, title_words, other_words,
                             author, account_id, visibility)
    VALUES (:post_id, :title, :caption, :tags, :alt, :title_words, :other_words,
            :author, :account_id, :visibility)"""


def unstemmed(value: str) -> str:
    """Each word with a "0" appended: porter passes such a token through unchanged."""
    return " ".join(f"{word}0" for word in words(value))


def row(post_id: int, account_id: int, visibility: str,
        document: SearchDocument) -> dict[str, Any]:
    """The values of a post's index row, for INSERT (the benchmark loads with them too)."""
    other = " ".join((document.caption, document.tags, document.alt))
    return {"post_id": post_id, "title": document.title, "caption": document.caption,
            "tags": document.tags, "alt": document.alt, "title_words": unstemmed(document.title),
            "other_words": unstemmed(other), "author": f"a{account_id}",
            "account_id": account_id, "visibility": visibility}


async def put(conn: AsyncConnection, post_id: int, account_id: int, visibility: str,
              document: SearchDocument) -> None:
    await conn.execute(_DELETE, {"post_id": post_id})
    await conn.execute(text(INSERT), row(post_id, account_id, visibility, document))


async def remove(conn: AsyncConnection, post_id: int) -> None:
    await conn.execute(_DELETE, {"post_id": post_id})


async def candidates(conn: AsyncConnection, query: PostQuery, scope: SearchScope,
                     cap: int) -> list[Candidate]:
    """The newest `cap` matches with their relevance and engagement."""
    rows = await conn.execute(_CANDIDATES, {"expression": expression(query, scope),
                                            "authors": sorted(scope.authors), "cap": cap})
    return [Candidate(post_id=r[0], relevance=r[1], likes=r[2], replies=r[3]) for r in rows]


def expression(query: PostQuery, scope: SearchScope) -> str:
    """The FTS5 MATCH expression for a parsed query within a scope."""
    matched = " AND ".join(f"({_term(t)})" for t in query.terms)
    if query.near is not None:
        # Every post matching the phrase matches the terms too, so the OR finds no more
        # posts; it only adds the phrase's bm25 to those that have the words in a row.
        matched = f"({matched}) OR ({_phrase(query.near)})"
    found = f"{_TEXT} : ({matched})"
    if scope.only_author is not None:
        found += f' AND author : "a{scope.only_author}"'
    return found


def _phrase(term: Term) -> str:
    phrase = " + ".join(f'"{word}"' for word in term.words)
    return f"{phrase} *" if term.prefix else phrase


def _term(term: Term) -> str:
    if term.tag:
        return f"tags : ({_phrase(term)})"
    if term.prefix and len(term.words) == 1:
        # The exact word too, so "cat" ranks posts about cats above ones about cathedrals.
        return f'"{term.words[0]}" OR {_phrase(term)}'
    return _phrase(term)
