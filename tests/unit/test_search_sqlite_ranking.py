"""SQLite search internals: our stems are FTS5's, prefixes stay prefixes, BM25 counts."""

from __future__ import annotations

import sqlite3

import pytest

from photofeed.adapters.sql import search_sqlite
from photofeed.adapters.sql.porter import stem
from photofeed.adapters.sql.search_bm25 import Scorer, Unit, frequency, length, term_units
from photofeed.adapters.sql.search_stats import Window, averages_of
from photofeed.domain.search import SearchDocument, parse_post_query, words
from photofeed.ports.search import SearchScope

WORDS = (
    "sunsets running happiness relational generalization agreed caresses ponies cats "
    "conditional rational digitizer hopeful goodness formality sensitivity sensibility "
    "triplicate formative electrical hopping hoping filing failing falling fizzed "
    "controlling rolling generously adjustable defensible irritant replacement adoption "
    "homologou communism activate angulariti homologous effective bowdlerize sky skies "
    "agreement feed bled plastered motoring sing conflated troubled sized tanned falling "
    "crème brûlée café über straße naïve photography beautiful beautif sunse a an is "
    "yyy xyz eed ied ies sses abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop"
)


def test_stems_are_those_of_fts5_porter() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61 "
                "remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    found = words(WORDS)
    db.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(found, 1))
    fts5 = dict(db.execute("SELECT doc, term FROM v"))
    assert [stem(word) for word in found] == [fts5[n] for n in range(1, len(found) + 1)]


def test_an_index_row_holds_stems_and_words_per_field() -> None:
    row = search_sqlite.row(5, 7, "public", SearchDocument(
        title="Sunsets at Crème", caption="Running #Beach", tags="beach", alt=""))
    assert (row["title"], row["title_words"]) == ("sunset at creme", "sunsets at creme")
    assert (row["caption"], row["caption_words"]) == ("run beach", "running beach")
    assert (row["tags"], row["tag_words"], row["alt"], row["author"]) == (
        "beach", "beach", "", "a7")


def test_a_long_prefix_is_spelled_out_as_words() -> None:
    query = parse_post_query("photogra")
    scope = SearchScope()
    typed = "{title_words caption_words tag_words alt_words}"
    assert search_sqlite.expression(query, scope, {"photogra": ["photograph", "photography"]}) \
        == (f'({{title caption tags alt}} : ("photogra") OR '
            f'{typed} : (("photograph") OR ("photography")))')
    # No word starts with it: only the exact stem can match.
    assert search_sqlite.expression(query, scope, {"photogra": []}) == (
        '({title caption tags alt} : ("photogra"))')
    assert search_sqlite.expression(parse_post_query("#photogra"), scope,
                                    {"photogra": []}) == '(tags : ("photogra"))'


def test_matches_are_counted_per_field_with_its_weight() -> None:
    fields = ["golden hour", "the golden light and the hour", "hour", ""]
    assert frequency(Unit(("golden",)), fields, fields) == 10 + 2
    assert frequency(Unit(("golden", "hour")), fields, fields) == 10, "a phrase, in a row"
    assert frequency(Unit(("hour",), tags_only=True), fields, fields) == 5
    assert frequency(Unit(("golden", "ho"), prefix=True), fields, fields) == 10
    assert frequency(Unit(("gol",), prefix=True), fields, fields) == 12
    assert length(fields) == 2 * (2 + 6 + 1) + 1, "stems, words and the author token"
    score = Scorer(term_units(parse_post_query("cat").terms[0]), [1.0, 1.0], 3.0)
    cat = ["cat", "", "", ""]
    assert score(cat, cat) > score(["cathedr", "", "", ""], ["cathedral", "", "", ""]), \
        "the whole word typed out ranks above a longer word"


def test_document_frequencies_come_from_the_newest_posts() -> None:
    window = Window(first=0, older=9000)  # 1000 of 10,000 posts are in the window
    assert window.idf(10, 10_000) > window.idf(100, 10_000) > window.idf(600, 10_000)
    assert window.idf(600, 10_000) == pytest.approx(1e-6), "in most of them: next to nothing"
    assert window.idf(5000, 10_000) == pytest.approx(1e-6), "a stale count never goes negative"
    # FTS5's averages record: rows, then tokens per column, as SQLite varints.
    assert averages_of(bytes([0x81, 0x00, 0x82, 0x00, 0x05])) == (128, (256 + 5) / 128)
    assert averages_of(None) == (0, 1.0)
