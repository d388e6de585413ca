"""The feed benchmark still runs end to end and reports numbers that make sense.

It runs the --small configuration with short measurement windows, so a change that breaks
the benchmark (or the read path it drives) shows up here rather than on the next full run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODES = ("push", "pull", "hybrid")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _rows(table: str) -> dict[str, dict[str, str]]:
    """The per-mode table as {mode: {column heading: cell}}."""
    lines = [[c.strip() for c in line.strip().strip("|").split("|")]
             for line in table.splitlines() if line.startswith("|")]
    heading = lines[0]
    return {cells[0]: dict(zip(heading, cells, strict=True))
            for cells in lines[2:] if cells[0] in MODES}


def _numbers(cell: str) -> list[float]:
    return [float(n.replace(",", "")) for n in NUMBER.findall(cell)]


def assert_reads_measured(mode: str, row: dict[str, str]) -> None:
    """Ordered latency percentiles in process and over HTTP, and reads per second."""
    for column in ("server p50/p95/p99 ms", "HTTP 1 client p50/p95/p99 ms",
                   "HTTP 8 clients p50/p95/p99 ms"):
        p50, p95, p99 = _numbers(row[column])
        assert 0 < p50 <= p95 <= p99, (mode, column, row[column])
    assert _numbers(row["reads/s (8 clients)"])[0] > 0, (mode, row)


def test_small_feed_benchmark_reports_every_mode(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "feed.py"), "--small", "--users", "600",
         "--posts", "6000", "--reads", "40", "--duration", "0.7", "--warmup", "0.2",
         "--lag-samples", "30", "--clients", "1,8", "--no-profile",
         "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    table = (tmp_path / "out" / "feed-small.md").read_text()
    assert (tmp_path / "out" / "feed-small.png").stat().st_size > 1000
    rows = _rows(table)
    assert set(rows) == set(MODES), table
    for mode, row in rows.items():
        assert_reads_measured(mode, row)
        assert _numbers(row["CPU ms/read HTTP server"])[0] > 0, (mode, row)
        assert all(n >= 0 for cell in row.values() for n in _numbers(cell)), (mode, row)
        assert _numbers(row["lag p99 s (push author)"])[0] < 30, (mode, "post never seen")
    stored = {mode: _numbers(row["feed store rows"])[0] for mode, row in rows.items()}
    assert stored["pull"] == 0, "pull stores no feeds"
    assert stored["push"] > stored["hybrid"] > 0, stored
