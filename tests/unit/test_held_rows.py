"""HeldRows: rows kept by (database, ID, version), the least recently used dropped first."""

from __future__ import annotations

from photofeed.adapters.sql.row_versions import HeldRows


def test_a_row_is_held_at_its_version_and_database_only() -> None:
    held: HeldRows[str] = HeldRows(10)
    held.put(0, 7, 100, "seven at 100")
    assert held.get(0, 7, 100) == "seven at 100"
    assert held.get(0, 7, 101) is None  # changed since
    assert held.get(1, 7, 100) is None  # another database counts its own versions


def test_the_least_recently_used_row_goes_first() -> None:
    held: HeldRows[str] = HeldRows(2)
    held.put(0, 1, 1, "one")
    held.put(0, 2, 1, "two")
    assert held.get(0, 1, 1) == "one"  # now the most recently used
    held.put(0, 3, 1, "three")
    assert held.get(0, 2, 1) is None
    assert (held.get(0, 1, 1), held.get(0, 3, 1)) == ("one", "three")


def test_a_row_read_at_a_newer_version_takes_the_older_ones_place() -> None:
    held: HeldRows[str] = HeldRows(2)
    held.put(0, 1, 1, "one")
    held.put(0, 2, 1, "two")
    held.get(0, 1, 1)
    held.put(0, 1, 2, "one, liked")  # no room taken: "two" stays
    assert (held.get(0, 1, 1), held.get(0, 1, 2)) == (None, "one, liked")
    assert held.get(0, 2, 1) == "two"
