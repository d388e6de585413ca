"""Screenshots of the feed, a post and a profile at phone and desktop widths, for the docs.

Run on demand (it is not a test): `python -m tests.e2e.screenshots [OUT_DIR]`. It seeds a
fresh instance in a temporary directory with `photofeed seed`, serves it, signs in as the
first demo person in Debian's headless Chromium, and writes PNGs (default docs/screenshots).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conftest import serving
from tests.e2e.browser import launch

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 860)}
ALL_IMAGES_LOADED = ("() => [...document.images].filter((i) => i.loading !== 'lazy' ||"
                     " i.getBoundingClientRect().top < innerHeight)"
                     ".every((i) => i.complete && i.naturalWidth > 0)")


def seed(data_dir: Path) -> None:
    env = dict(os.environ, PHOTOFEED_PASSWORD_TIME_COST="1", PHOTOFEED_PASSWORD_MEMORY_KIB="64")
    subprocess.run([sys.executable, "-m", "photofeed.cli", "seed", "--data-dir", str(data_dir),
                    "--users", "8", "--posts", "3"], check=True, env=env)


def shoot(page: Any, path: str, target: Path) -> None:
    page.goto(path)
    page.wait_for_function(ALL_IMAGES_LOADED)
    page.wait_for_timeout(300)  # fonts and the last paint
    page.screenshot(path=str(target))
    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def take(base_url: str, out: Path) -> None:
    with launch() as browser:
        for label, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          base_url=base_url)
            page = context.new_page()
            page.goto("/signin")
            page.get_by_label("Username or e-mail").fill("ada")
            page.get_by_label("Password").fill("photofeed-demo")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base_url}/")
            # A friend's post with a carousel if there is one: it shows off the most.
            friends = page.locator("article.post:not(:has(a.author[href$='/@ada']))")
            post = friends.filter(has=page.locator(".dots")).or_(friends).first
            post_path = post.locator("a.when").get_attribute("href") or "/"
            friend = post_path.split("/")[1]
            shoot(page, "/", out / f"feed-{label}.png")
            shoot(page, post_path, out / f"post-{label}.png")
            shoot(page, f"/{friend}", out / f"profile-{label}.png")
            context.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        seed(data_dir)
        with serving(data_dir) as base_url:
            take(base_url, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
