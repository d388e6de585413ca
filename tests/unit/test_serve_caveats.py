"""What `photofeed serve` tells someone who starts several processes."""

from __future__ import annotations

from pathlib import Path

from photofeed.cli.serve import multi_process_caveats
from photofeed.config import Settings


def test_several_processes_without_a_shared_event_bus_are_warned(tmp_path: Path) -> None:
    embedded = Settings(data_dir=tmp_path)
    postgres = Settings(data_dir=tmp_path, database_url="postgresql://pf@db1/pf")
    shared = postgres.model_copy(update={"events_url": "redis://127.0.0.1:6379/0"})
    assert multi_process_caveats(postgres, 1) == []
    assert multi_process_caveats(shared, 2) == []
    # Processes sharing SQLite files share its event log, however the map names them.
    assert multi_process_caveats(embedded, 2) == []
    mapped = Settings(data_dir=tmp_path, shards=f"0-8191=sqlite:///{tmp_path / 'a.sqlite3'}")
    assert multi_process_caveats(mapped, 2) == []
    [caveat] = multi_process_caveats(postgres, 2)
    assert "PHOTOFEED_EVENTS_URL" in caveat
    assert "streaming" in caveat
    assert "revoked access token" in caveat
