"""Launching Debian's Chromium through Playwright, and a browser window per person."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers), no GPU, and nothing that phones home or updates itself.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "a long enough password"
TIMEOUT_MS = 10_000


@contextmanager
def launch() -> Iterator[Any]:
    """The browser; FileNotFoundError or ImportError say what is missing."""
    from playwright.sync_api import sync_playwright  # optional: skip without it

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        raise FileNotFoundError(f"{CHROMIUM} is missing")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Person:
    """One browser window with its own cookies, and everything its console said."""

    def __init__(self, browser: Any, base_url: str, name: str, *, javascript: bool = True,
                 width: int = 1280, height: int = 900) -> None:
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(java_script_enabled=javascript,
                                           viewport={"width": width, "height": height})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        # Pages we open on purpose to see them refused answer 404; the browser says so.
        self.expected_errors: list[re.Pattern[str]] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and not any(p.search(text) for p in self.expected_errors):
            self.console_errors.append(text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def sign_up(self) -> None:
        self.go("/signup")
        page = self.page
        page.get_by_label("Username").fill(self.name)
        page.get_by_label("E-mail").fill(f"{self.name}@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("I agree to this server's rules").check()
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url(self.base_url + "/")

    def sign_in(self) -> None:
        self.go("/signin")
        self.page.get_by_label("Username or e-mail").fill(self.name)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base_url + "/")

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
