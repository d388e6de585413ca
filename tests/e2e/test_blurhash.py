"""The page's blurhash decoder draws what the Python reference library draws."""

from __future__ import annotations

from collections.abc import Callable

import blurhash

from tests.e2e.browser import Person

HASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"  # the reference implementation's own example
SIZE = 8


def test_the_javascript_decoder_matches_the_reference(people: Callable[..., Person]) -> None:
    visitor = people("visitor")
    visitor.go("/signin")
    pixels = visitor.page.evaluate("""async ([hash, size]) => {
        const { decode } = await import("/static/blurhash.js");
        return Array.from(decode(hash, size, size));
    }""", [HASH, SIZE])
    reference = blurhash.decode(HASH, SIZE, SIZE)
    for y in range(SIZE):
        for x in range(SIZE):
            ours = pixels[4 * (y * SIZE + x): 4 * (y * SIZE + x) + 3]
            theirs = reference[y][x][:3]
            assert all(abs(a - b) <= 1 for a, b in zip(ours, theirs, strict=True)), (x, y)
    bad = visitor.page.evaluate("""async () => {
        const { decode } = await import("/static/blurhash.js");
        return decode("not a hash");
    }""")
    assert bad is None
