"""Fixtures of the fuzz run: a real server, an account on it, and the run's figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.conftest import serving

# The name tests/conftest.py sums for the summary line.
FIGURES_PROPERTY = "schemathesis_figures"


class Figures(Counter[str]):
    """What one test sent and got back."""

    def answered(self, status: int) -> None:
        self["requests sent"] += 1
        self[f"{status // 100}xx"] += 1


@pytest.fixture
def figures(record_property: Callable[[str, object], None]) -> Iterator[Figures]:
    """Counts kept on the test's report, so they add up across xdist workers too."""
    counted = Figures()
    try:
        yield counted
    finally:
        record_property(FIGURES_PROPERTY, dict(counted))


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`photofeed serve` with rate limits off: the fuzzer sends thousands of writes."""
    with serving(tmp_path_factory.mktemp("fuzz"), env={"PHOTOFEED_RATE_LIMITS": "off"}) as url:
        yield url


@pytest.fixture(scope="session")
def fuzz_token(fuzz_server: str) -> str:
    """A signed-up account's token with every scope, so authorised paths are exercised."""
    scopes = "read write follow push"
    with httpx.Client(base_url=fuzz_server, timeout=30) as http:
        app = http.post("/api/v1/apps", data={"client_name": "fuzz", "scopes": scopes,
                                              "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
        app_token = http.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app.json()["client_id"],
            "client_secret": app.json()["client_secret"], "scope": scopes}).json()
        signed_up = http.post("/api/v1/accounts", headers={
            "Authorization": f"Bearer {app_token['access_token']}"}, data={
            "username": "fuzzer", "email": "fuzzer@example.com",
            "password": "a long enough password", "agreement": "true"})
        assert signed_up.status_code == 200, signed_up.text
        token = str(signed_up.json()["access_token"])
        # Something to find: a post of the fuzzer's own, visible by ID to the fuzzer.
        http.post("/api/v1/statuses", headers={"Authorization": f"Bearer {token}"},
                  data={"status": "fuzz #seed"})
        return token
