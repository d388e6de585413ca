"""BM25 over a few hundred candidate posts, in Python, the way FTS5's bm25() computes it.

Why not FTS5's bm25(): it weighs each phrase by its document frequency, which it gets by
walking the phrase's whole doclist, so a word in 7% of a million posts cost 5-15 ms
before a single row was ranked. Here the frequencies come from the newest posts only
(see search_sqlite), and the matches are counted in the words and stems the index row
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


@dataclass(frozen=True)
class Document:
    """A candidate's index row: per field its stems and its words, in order."""

    stems: Sequence[Sequence[str]]
    words: Sequence[Sequence[str]]

    @classmethod
    def of(cls, stems: Sequence[str], words: Sequence[str]) -> Document:
        """From the space-separated columns of the index row."""
        return cls(stems=[s.split() for s in stems], words=[w.split() for w in words])

    @property
    def length(self) -> int:
        """Tokens in the row, as FTS5 counts them (the author token included)."""
        return sum(map(len, self.stems)) + sum(map(len, self.words)) + 1


def frequency(unit: Unit, document: Document) -> float:
    """Matches of the unit in the document, weighted by field."""
    fields = document.words if unit.prefix else document.stems
    total = 0.0
    for field in ((TAGS,) if unit.tags_only else _ALL):
        found = _count(unit, fields[field])
        if found:
            total += FIELD_WEIGHTS[field] * found
    return total


def _count(unit: Unit, tokens: Sequence[str]) -> int:
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


def score(units: Sequence[Unit], weights: Sequence[float], document: Document,
          average_length: float) -> float:
    """BM25: each unit's saturated, length-normalised frequency times its weight (idf)."""
    norm = K1 * (1.0 - B + B * document.length / max(average_length, 1.0))
    total = 0.0
    for unit, weight in zip(units, weights, strict=True):
        found = frequency(unit, document)
        if found:
            total += weight * found * (K1 + 1.0) / (found + norm)
    return total
