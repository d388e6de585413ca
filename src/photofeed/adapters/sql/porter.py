"""The Porter stemmer exactly as SQLite's FTS5 `porter` tokenizer applies it, in Python.

Why stem in Python rather than let FTS5 do it: FTS5 stems the words of a query too, and a
prefix is a word to it, so a half-typed "sunse*" became "sun*" (porter drops the "e" and
then the "s") and found every word starting with "sun". The search index therefore holds
the stems we compute here next to the words as typed, under a tokenizer that does not
stem, and each query asks for stems or word prefixes explicitly. Ranking in Python needs
the same stems to count matches. This follows fts5_tokenize.c rule for rule, on the UTF-8
bytes as the C code sees them (tests compare it with FTS5 itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

_MAX_TOKEN = 64  # longer tokens (in bytes) pass through, as in FTS5
_VOWELS = frozenset(b"aeiou")
_Y = ord("y")

Condition = Callable[[bytes, int], bool]


def _vowel(c: int, y_is_vowel: bool) -> bool:
    return c in _VOWELS or (y_is_vowel and c == _Y)


def _gobble_vc(stem: bytes, start: int, end: int, prev_consonant: bool) -> int:
    """The end of the first vowels-then-consonant run from `start` (0 if none)."""
    consonant = prev_consonant
    i = start
    while i < end:
        consonant = not _vowel(stem[i], consonant)
        if not consonant:
            break
        i += 1
    i += 1
    while i < end:
        consonant = not _vowel(stem[i], consonant)
        if consonant:
            return i + 1
        i += 1
    return 0


def _m_gt0(stem: bytes, n: int) -> bool:
    return _gobble_vc(stem, 0, n, False) != 0


def _m_gt1(stem: bytes, n: int) -> bool:
    k = _gobble_vc(stem, 0, n, False)
    return k != 0 and _gobble_vc(stem, k, n, True) != 0


def _m_eq1(stem: bytes, n: int) -> bool:
    k = _gobble_vc(stem, 0, n, False)
    return k != 0 and _gobble_vc(stem, k, n, True) == 0


def _o_star(stem: bytes, n: int) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y."""
    if stem[n - 1] in b"wxy":
        return False
    mask, consonant = 0, False
    for i in range(n):
        consonant = not _vowel(stem[i], consonant)
        mask = (mask << 1) + consonant
    return (mask & 7) == 5


def _m_gt1_s_or_t(stem: bytes, n: int) -> bool:
    return stem[n - 1] in b"st" and _m_gt1(stem, n)


def _has_vowel(stem: bytes, n: int) -> bool:
    return any(_vowel(stem[i], i > 0) for i in range(n))


Rule = tuple[bytes, Condition | None, bytes]

_STEP1B: Sequence[Rule] = [(b"eed", _m_gt0, b"ee"), (b"ed", _has_vowel, b""),
                       (b"ing", _has_vowel, b"")]
_STEP1B2: Sequence[Rule] = [(b"at", None, b"ate"), (b"bl", None, b"ble"), (b"iz", None, b"ize")]
_STEP2: Sequence[Rule] = [(suffix, _m_gt0, out) for suffix, out in (
    (b"ational", b"ate"), (b"tional", b"tion"), (b"enci", b"ence"), (b"anci", b"ance"),
    (b"izer", b"ize"), (b"logi", b"log"), (b"bli", b"ble"), (b"alli", b"al"),
    (b"entli", b"ent"), (b"eli", b"e"), (b"ousli", b"ous"), (b"ization", b"ize"),
    (b"ation", b"ate"), (b"ator", b"ate"), (b"alism", b"al"), (b"iveness", b"ive"),
    (b"fulness", b"ful"), (b"ousness", b"ous"), (b"aliti", b"al"), (b"iviti", b"ive"),
    (b"biliti", b"ble"))]
_STEP3: Sequence[Rule] = [(suffix, _m_gt0, out) for suffix, out in (
    (b"icate", b"ic"), (b"ative", b""), (b"alize", b"al"), (b"iciti", b"ic"),
    (b"ical", b"ic"), (b"ful", b""), (b"ness", b""))]
_STEP4: Sequence[Rule] = [(suffix, _m_gt1, b"") for suffix in (
    b"al", b"ance", b"ence", b"er", b"ic", b"able", b"ible", b"ant", b"ement", b"ment",
    b"ent")] + [(b"ion", _m_gt1_s_or_t, b"")] + [(suffix, _m_gt1, b"") for suffix in (
    b"ou", b"ism", b"ate", b"iti", b"ous", b"ive", b"ize")]


def _apply(word: bytes, rules: Sequence[Rule]) -> tuple[bytes, int]:
    """The first rule whose suffix ends the word (leaving at least one byte) decides.

    Returns the word and the index of the rule applied, -1 if none was.
    """
    for index, (suffix, condition, output) in enumerate(rules):
        if len(word) > len(suffix) and word.endswith(suffix):
            stem = len(word) - len(suffix)
            if condition is None or condition(word, stem):
                return word[:stem] + output, index
            return word, -1
    return word, -1


def _step1a(word: bytes) -> bytes:
    if word.endswith(b"s"):
        if word[-2:-1] == b"e":
            n = len(word)
            if (n > 4 and word[-4:-2] == b"ss") or (n > 3 and word[-3:-2] == b"i"):
                return word[:-2]
            return word[:-1]
        if word[-2:-1] != b"s":
            return word[:-1]
    return word


def _step1b(word: bytes) -> bytes:
    word, rule = _apply(word, _STEP1B)
    if rule <= 0:  # only dropping "ed" or "ing" goes on to the clean-up
        return word
    word, rule = _apply(word, _STEP1B2)
    if rule >= 0:
        return word
    last = word[-1]
    if len(word) > 1 and not _vowel(last, False) and last not in b"lsz" and last == word[-2]:
        return word[:-1]
    if _m_eq1(word, len(word)) and _o_star(word, len(word)):
        return word + b"e"
    return word


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """The FTS5 porter stem of one folded word ("sunsets" -> "sunset")."""
    raw = word.encode()
    if not 3 <= len(raw) <= _MAX_TOKEN:
        return word
    raw = _step1b(_step1a(raw))
    if raw.endswith(b"y") and _has_vowel(raw, len(raw) - 1):
        raw = raw[:-1] + b"i"
    for rules in (_STEP2, _STEP3, _STEP4):
        raw, _ = _apply(raw, rules)
    n = len(raw)
    if raw.endswith(b"e") and (_m_gt1(raw, n - 1)
                               or (_m_eq1(raw, n - 1) and not _o_star(raw, n - 1))):
        raw = raw[:-1]
    if raw.endswith(b"ll") and _m_gt1(raw, len(raw) - 1):
        raw = raw[:-1]
    return raw.decode()
