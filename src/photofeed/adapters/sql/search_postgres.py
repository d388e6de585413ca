"""Post search on PostgreSQL: a weighted tsvector per post with a GIN index.

Weights: A title, B hashtags, C caption and the title's words unstemmed, D alt text and the
other words unstemmed. The unstemmed ('simple') lexemes let a prefix typed half-way find
the word ("beautif" finds "beautiful" although its english stem is "beauti"). Accents are
folded in Python before text reaches PostgreSQL, so no extension is needed for that.

The tsquery is written by us from words of letters and digits only, each in single
quotes, and is sent as a bound parameter: nothing typed can become tsquery syntax or SQL.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql.search_rows import Candidate
from photofeed.domain.search import PostQuery, SearchDocument, Term, fold
from photofeed.ports.search import SearchScope

# ts_rank weights for D, C, B, A; normalization 1 divides by 1 + log(document length).
_RANK = "ts_rank('{0.1, 0.2, 0.5, 1.0}', s.document, to_tsquery('english', :expression), 1)"

_CANDIDATES = text(f"""
    SELECT s.post_id, {_RANK} AS relevance, p.favourites_count, p.replies_count
    FROM (SELECT post_id, document FROM post_search
          WHERE document @@ to_tsquery('english', :expression)
            AND (public OR account_id = ANY(:authors))
            AND (CAST(:only_author AS BIGINT) IS NULL OR account_id = :only_author)
          ORDER BY post_id DESC LIMIT :cap) AS s
    JOIN posts AS p ON p.id = s.post_id""").bindparams(  # noqa: S608 - constants only
    bindparam("authors", type_=ARRAY(BIGINT)))

_PUT = text("""
    INSERT INTO post_search (post_id, account_id, public, document)
    VALUES (:post_id, :account_id, :public,
            setweight(to_tsvector('english', :title), 'A')
            || setweight(to_tsvector('english', :tags), 'B')
            || setweight(to_tsvector('english', :caption), 'C')
            || setweight(to_tsvector('simple', :title), 'C')
            || setweight(to_tsvector('english', :alt), 'D')
            || setweight(to_tsvector('simple', :other), 'D'))
    ON CONFLICT (post_id) DO UPDATE SET account_id = excluded.account_id,
        public = excluded.public, document = excluded.document""")
_DELETE = text("DELETE FROM post_search WHERE post_id = :post_id")


async def put(conn: AsyncConnection, post_id: int, account_id: int, visibility: str,
              document: SearchDocument) -> None:
    other = " ".join((document.caption, document.tags, document.alt))
    await conn.execute(_PUT, {
        "post_id": post_id, "account_id": account_id, "public": visibility == "public",
        "title": fold(document.title), "tags": fold(document.tags),
        "caption": fold(document.caption), "alt": fold(document.alt), "other": fold(other)})


async def remove(conn: AsyncConnection, post_id: int) -> None:
    await conn.execute(_DELETE, {"post_id": post_id})


async def candidates(conn: AsyncConnection, query: PostQuery, scope: SearchScope,
                     cap: int) -> list[Candidate]:
    """The newest `cap` matches with their relevance and engagement."""
    rows = await conn.execute(_CANDIDATES, {
        "expression": expression(query), "authors": sorted(scope.authors),
        "only_author": scope.only_author, "cap": cap})
    return [Candidate(post_id=r[0], relevance=r[1], likes=r[2], replies=r[3]) for r in rows]


def expression(query: PostQuery) -> str:
    """The tsquery text for a parsed query."""
    matched = " & ".join(f"({_term(t)})" for t in query.terms)
    if query.near is not None:
        # Matches no more posts than the terms alone; ranks the exact sequence higher.
        matched = f"({matched}) | ({_phrase(query.near)})"
    return matched


def _phrase(term: Term, weight: str = "") -> str:
    last = len(term.words) - 1
    return " <-> ".join(
        f"'{word}'" + (":*" if term.prefix and i == last else (":" if weight else "")) + weight
        for i, word in enumerate(term.words))


def _term(term: Term) -> str:
    if term.tag:
        return _phrase(term, weight="B")
    if term.prefix and len(term.words) == 1:
        return f"'{term.words[0]}' | {_phrase(term)}"
    return _phrase(term)
