"""BM25 over a few hundred candidate posts, in Python, the way FTS5's bm25() computes it.

Why not FTS5's bm25(): it weighs each phrase by its document frequency, which it gets by
walking the phrase's whole doclist, so a word in 7% of a million posts cost 5-15 ms
before a single row was ranked. Here the frequencies come from the newest posts only
(see search_stats), and the matches are counted in the words and stems the index row
stores for each field, which the candidate query reads anyway.

A query becomes units, each scored on its own as FTS5 scores a phrase: a stem or a run
of stems; for the word being typed also the typed words, the last one a prefix; and the
bare words as one phrase (`PostQuery.near`), which only adds to the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from photofeed.adapters.sql.porter import stem
from photofeed.domain.search import PostQuery, Term

K1, B = 1.2, 0.75  # FTS5's bm25 constants
FIELDS = ("title", "caption", "tags", "alt")
# Per field: a title word counts five times a caption word (docs/search.md).
FIELD_WEIGHTS = (10.0, 2.0, 5.0, 1.5)
TAGS = FIELDS.index("tags")
_ALL = range(len(FIELDS))


@dataclass(frozen=True)
class Unit:
    """Something a post is scored on, and what a match is: stems, or words and a prefix."""

    tokens: tuple[str, ...]  # stems; or words as typed, the last one a prefix
    prefix: bool = False
    tags_only: bool = False


def term_units(term: Term) -> list[Unit]:
    """One unit; two for the word being typed (its stem, and the words with a prefix)."""
    exact = Unit(tuple(stem(word) for word in term.words), tags_only=term.tag)
    if not term.prefix:
        return [exact]
    return [exact, Unit(term.words, prefix=True, tags_only=term.tag)]


def near_unit(query: PostQuery) -> Unit | None:
    """The bare words in a row: every candidate has them, those with the run score more."""
    near = query.near
    if near is None:
        return None
    if near.prefix:
        return Unit(near.words, prefix=True)
    return Unit(tuple(stem(word) for word in near.words))


def length(stems: Sequence[str]) -> int:
    """Tokens in an index row as FTS5 counts them: each word's stem and the word as typed
    (as many), and the author token."""
    return 1 + 2 * sum(text.count(" ") + 1 for text in stems if text)


def frequency(unit: Unit, stems: Sequence[str], words: Sequence[str]) -> float:
    """Matches of the unit in an index row (space-separated per field), weighted by field."""
    texts = words if unit.prefix else stems
    first = unit.tokens[0]
    total = 0.0
    for field in ((TAGS,) if unit.tags_only else _ALL):
        text = texts[field]
        # Most fields lack the word altogether: a substring test spares splitting them.
        if first in text:
            total += FIELD_WEIGHTS[field] * _count(unit, text.split())
    return total


def _count(unit: Unit, tokens: list[str]) -> int:
    first, size = unit.tokens[0], len(unit.tokens)
    if size == 1:
        if unit.prefix:
            return sum(1 for token in tokens if token.startswith(first))
        return tokens.count(first)
    middle, last = list(unit.tokens[1:-1]), unit.tokens[-1]
    found = 0
    for start in range(len(tokens) - size + 1):
        if tokens[start] != first or tokens[start + 1:start + size - 1] != middle:
            continue
        end = tokens[start + size - 1]
        found += end.startswith(last) if unit.prefix else end == last
    return found


class Scorer:
    """BM25 of index rows for one query: each unit's saturated, length-normalised
    frequency times its weight (idf), summed, as FTS5's bm25() computes it."""

    def __init__(self, units: Sequence[Unit], weights: Sequence[float],
                 average_length: float) -> None:
        self._units = list(zip(units, weights, strict=True))
        # norm = K1 * (1 - B + B * length / average_length) = slope * length + base
        self._slope = K1 * B / max(average_length, 1.0)
        self._base = K1 * (1.0 - B)

    def __call__(self, stems: Sequence[str], words: Sequence[str]) -> float:
        norm = self._slope * length(stems) + self._base
        total = 0.0
        for unit, weight in self._units:
            found = frequency(unit, stems, words)
            if found:
                total += weight * found * (K1 + 1.0) / (found + norm)
        return total
