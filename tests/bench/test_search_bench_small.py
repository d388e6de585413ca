"""The search benchmark runs end to end on a small data set and reports sane figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "search.py"


def test_search_bench_small(tmp_path: Path) -> None:
    out = tmp_path / "search.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--small", "--queries", "30", "--data-dir",
         str(tmp_path / "data"), "--json", str(out)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "p99 ms" in done.stdout
    report = json.loads(out.read_text())
    assert (report["posts"], report["queries"]) == (10_000, 30)
    rows = report["results"]
    assert set(rows) == {f"{level} {kind}" for level in ("index", "service")
                         for kind in ("one-word", "two-word", "prefix", "phrase")}
    for name, row in rows.items():
        assert 0 < row["p50_ms"] <= row["p99_ms"] <= row["max_ms"], name
        assert 0 <= row["mean_hits"] <= 20, name
    for kind in ("one-word", "two-word", "prefix", "phrase"):
        assert rows[f"index {kind}"]["mean_hits"] > 0, f"{kind} queries should find posts"
        assert rows[f"service {kind}"]["mean_hits"] > 0, kind
