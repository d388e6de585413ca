"""A dependency-free progress bar on stderr, for the long data-set builds."""

from __future__ import annotations

import sys
import time
from types import TracebackType


class Progress:
    """`with Progress("posts", total) as bar: bar.advance(n)` draws at most 5 times a second."""

    def __init__(self, label: str, total: int, *, unit: str = "rows", width: int = 30) -> None:
        self._label = label
        self._unit = unit
        self._total = max(total, 1)
        self._width = width
        self._done = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._draw(final=True)

    def advance(self, count: int) -> None:
        self._done += count
        if time.monotonic() - self._drawn >= 0.2:
            self._draw()

    def _draw(self, *, final: bool = False) -> None:
        self._drawn = time.monotonic()
        elapsed = self._drawn - self._started
        share = 1.0 if final else min(self._done / self._total, 1.0)
        filled = int(share * self._width)
        rate = self._done / elapsed if elapsed > 0 else 0.0
        left = (self._total - self._done) / rate if rate and not final else 0.0
        line = (f"\r{self._label:>18} [{'#' * filled}{'.' * (self._width - filled)}] "
                f"{share:6.1%} {self._done:>11,} {self._unit} {rate:>9,.0f}/s "
                f"{'done in ' + _clock(elapsed) if final else 'eta ' + _clock(left)}")
        sys.stderr.write(line + ("\n" if final else ""))
        sys.stderr.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:d}:{secs:02d}"
