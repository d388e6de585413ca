"""A real headless Chromium (Debian's `chromium`) driven by Playwright, against a real server.

Without the browser or Playwright these tests skip and say what to install; in CI
(PHOTOFEED_REQUIRE_SERVICES=1) they fail instead. A failing test leaves a screenshot of
every page it had open in its pytest tmp directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Person, launch
from tests.services import unavailable

FAILED = pytest.StashKey[bool]()
INSTALL_HINT = ("install Debian's chromium (apt-get install -y chromium) and the dev extras "
                "(pip install -e '.[dev]', which bring Playwright)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module: Playwright's sync API keeps an event loop running while it
    is open, which the asyncio tests of other modules must not find."""
    try:
        with launch() as chromium:
            yield chromium
    except (ImportError, FileNotFoundError) as error:
        unavailable("Chromium for the browser tests", INSTALL_HINT, error)


@pytest.fixture
def people(browser: Any, module_live_server: str, request: pytest.FixtureRequest,
           tmp_path: Path) -> Iterator[Callable[..., Person]]:
    """Makes browser windows, each with its own cookies: one person, or a visitor."""
    opened: list[Person] = []

    def open_window(name: str, **options: Any) -> Person:
        person = Person(browser, module_live_server, name, **options)
        opened.append(person)
        return person

    yield open_window
    failed = request.node.stash.get(FAILED, True)
    for number, person in enumerate(opened, 1):
        if failed:
            shot = person.screenshot(tmp_path / f"{number}-{person.name}.png")
            print(f"screenshot of {person.name}'s window: {shot}")
        person.close()
    if not failed:
        for person in opened:
            assert person.console_errors == [], f"{person.name}'s console had errors"
