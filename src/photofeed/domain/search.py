"""Search queries as people type them, parsed into terms no search engine can misread.

User input never reaches FTS5 or tsquery syntax: it is cut into words (letters and digits
only, accents and case folded), and each adapter writes its own match expression from
these terms. Quotes make a phrase, `#` a hashtag, and the last word is a prefix while the
person is still typing it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from photofeed.domain.posts import Post

MAX_QUERY_CHARS = 1000
MAX_TERMS = 12
MAX_WORD_CHARS = 40
MIN_PREFIX_CHARS = 2
# Dropped from a query unless it has nothing else, as PostgreSQL's english configuration
# does: they match a tenth of all posts each and say nothing about which post is meant.
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "its", "my", "of", "on", "or", "our", "the", "this", "that", "to", "with"))

_WORD = re.compile(r"[^\W_]+")
# A quoted phrase (its closing quote may be missing while typing), or a run of non-space.
_CHUNK = re.compile(r'"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<bare>[^\s"]+)')


def fold(text: str) -> str:
    """Lowercase without accents: "Crème BRÛLÉE" becomes "creme brulee"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, split the way the search engines split it."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= MAX_WORD_CHARS]


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of words that must appear together in this order."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word may be the start of a longer one
    tag: bool = False  # match hashtags only


@dataclass(frozen=True)
class PostQuery:
    """Every term must match; `near` is the bare words as one phrase, for a ranking boost."""

    terms: tuple[Term, ...]
    near: Term | None = None

    @property
    def empty(self) -> bool:
        return not self.terms


def parse_post_query(text: str) -> PostQuery:
    """The terms of a search as typed; an empty query when nothing searchable is left."""
    text = text[:MAX_QUERY_CHARS]
    terms = [term for match in _CHUNK.finditer(text) for term in _terms(match)]
    if terms and text[-1].isalnum():  # still typing the last word
        terms[-1] = _as_prefix(terms[-1])
    terms = list(dict.fromkeys(terms))[:MAX_TERMS]
    near = None
    if len(terms) >= 2 and all(not t.tag and len(t.words) == 1 for t in terms):
        # Stopwords stay in the phrase: "sunset at the beach" boosts that exact title.
        near = Term(words=tuple(t.words[0] for t in terms), prefix=terms[-1].prefix)
    return PostQuery(terms=tuple(_drop_stopwords(terms)), near=near)


def _terms(match: re.Match[str]) -> list[Term]:
    if match["bare"] is None:
        found = words(match["phrase"])
        return [Term(words=tuple(found))] if found else []
    chunk = match["bare"]
    found = words(chunk)
    if not found:
        return []
    if chunk.startswith("#"):
        return [Term(words=(found[0],), tag=True)]
    # "sun-set" or "l'été" is one phrase, as the engines would read it.
    return [Term(words=tuple(found))]


def _as_prefix(term: Term) -> Term:
    if len(term.words[-1]) < MIN_PREFIX_CHARS:
        return term
    return Term(words=term.words, prefix=True, tag=term.tag)


def _drop_stopwords(terms: list[Term]) -> list[Term]:
    kept = [t for t in terms if len(t.words) > 1 or t.tag or t.prefix
            or t.words[0] not in STOPWORDS]
    return kept or terms


@dataclass(frozen=True)
class Ranking:
    """How relevance is blended with recency and engagement (see docs/search.md)."""

    half_life_days: float = 30.0
    recency_floor: float = 0.5
    engagement_weight: float = 0.1

    def score(self, *, relevance: float, likes: int, replies: int, age_days: float) -> float:
        """Relevance, raised a little by likes and comments, fading to half with age."""
        engagement = 1.0 + self.engagement_weight * math.log1p(max(likes + 2 * replies, 0))
        fade = math.pow(2.0, -max(age_days, 0.0) / self.half_life_days)
        recency = self.recency_floor + (1.0 - self.recency_floor) * fade
        return relevance * engagement * recency


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    score: float


@dataclass(frozen=True)
class SearchDocument:
    """What of a post is searchable: title, caption, hashtags and the media's alt text."""

    title: str
    caption: str
    tags: str
    alt: str


def searchable(post: Post) -> bool:
    """Whether a post belongs in the index: photos and videos, not comments or messages."""
    return post.root_id == post.id and post.visibility != "direct"


def document_of(post: Post) -> SearchDocument:
    return SearchDocument(
        title=post.title, caption=post.caption, tags=" ".join(post.tags),
        alt=" ".join(m.description for m in post.media if m.description))


@dataclass(frozen=True)
class TagDay:
    """One day of a hashtag's use: the day's start (Unix seconds), posts and authors."""

    day: int
    uses: int
    accounts: int


@dataclass(frozen=True)
class TagStats:
    name: str
    history: tuple[TagDay, ...]


def account_prefix(text: str, *, domain: str) -> str | None:
    """What to look for in usernames and display names; None for nothing or another server."""
    query = text.strip().removeprefix("@")
    name, _, host = query.partition("@")
    if host and host.lower() != domain.lower():
        return None
    # Lowercased, accents kept: display names are compared as lower(display_name).
    cleaned = " ".join(name.lower().split())
    return cleaned[:100] or None


def tag_name(text: str) -> str | None:
    """A hashtag as stored (lowercased, without '#'), or None if it cannot be one."""
    name = text.strip().removeprefix("#").lower()
    if not name or len(name) > 100 or not re.fullmatch(r"\w+", name) or name.isdigit():
        return None
    return name
