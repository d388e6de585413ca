"""Search queries: what typing turns into, and the expressions the engines are given."""

from __future__ import annotations

import re

import pytest

from photofeed.adapters.sql import search_postgres, search_sqlite
from photofeed.domain.search import Ranking, Term, fold, parse_post_query
from photofeed.ports.search import SearchScope


def test_words_phrases_prefixes_and_tags() -> None:
    query = parse_post_query('Golden "HOUR at" #Lake sun')
    assert query.terms == (Term(("golden",)), Term(("hour", "at")), Term(("lake",), tag=True),
                           Term(("sun",), prefix=True))
    assert parse_post_query("sun ").terms == (Term(("sun",)),), "a finished word"
    assert parse_post_query('"golden ho').terms == (Term(("golden", "ho"), prefix=True),)
    assert parse_post_query("s").terms == (Term(("s",)),), "one letter is no prefix"


def test_stopwords_are_dropped_but_kept_in_the_phrase_boost() -> None:
    query = parse_post_query("sunset at the beach ")
    assert query.terms == (Term(("sunset",)), Term(("beach",)))
    assert query.near == Term(("sunset", "at", "the", "beach"))
    assert parse_post_query("the ").terms == (Term(("the",)),), "unless nothing else is left"


def test_accents_and_case_fold() -> None:
    assert fold("Crème BRÛLÉE Ångström") == "creme brulee angstrom"
    assert parse_post_query("CAFÉ ").terms == (Term(("cafe",)),)


@pytest.mark.parametrize("typed", [
    "", '"', '""', "*", "-", ":", "NEAR(", "x" * 10_000, "'; DROP TABLE posts; --", "((((",
])
def test_nothing_searchable_or_only_plain_words(typed: str) -> None:
    query = parse_post_query(typed)
    for term in query.terms:
        assert all(re.fullmatch(r"[^\W_]+", word) for word in term.words)


def test_engine_expressions_quote_every_word() -> None:
    query = parse_post_query('near "a b" -c #d OR ee')
    fts = search_sqlite.expression(query, SearchScope(only_author=7))
    stems, typed = "{title caption tags alt}", "{title_words caption_words tag_words alt_words}"
    assert fts == (f'({stems} : ("near")) AND ({stems} : ("a" + "b")) AND ({stems} : ("c"))'
                   f' AND (tags : ("d")) AND ({stems} : ("ee") OR {typed} : ("ee" *))'
                   ' AND author : "a7"')
    assert search_postgres.expression(query) == (
        "('near') & ('a' <-> 'b') & ('c') & ('d':B) & ('ee' | 'ee':*)")


def test_ranking_blends_relevance_with_engagement_and_age() -> None:
    rank = Ranking()
    fresh = rank.score(relevance=10, likes=0, replies=0, age_days=0)
    assert fresh == 10
    assert rank.score(relevance=10, likes=0, replies=0, age_days=30) == pytest.approx(7.5)
    assert rank.score(relevance=10, likes=0, replies=0, age_days=10_000) >= 5, "a floor"
    assert rank.score(relevance=10, likes=100, replies=0, age_days=0) > fresh
    # A title match (about five times a caption match) outweighs age and likes.
    assert rank.score(relevance=5, likes=0, replies=0, age_days=365) > rank.score(
        relevance=1, likes=1000, replies=0, age_days=0)
