"""The web app as people use it, in a real browser against a real server: two people sign
up, one shares a photo, the other follows, sees it, likes and comments on it, finds it by
its title; then the account goes private and newcomers are kept out until approved."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.browser import TIMEOUT_MS, Person
from tests.e2e.pictures import sunset_jpeg

TITLE = "Sunset over the pier"
UPLOAD_BYTES_PER_SECOND = 256 * 1024


def expect(locator: Any) -> Any:
    """Playwright's expect, imported late: without Playwright these tests skip, not crash."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)  # a busy 2-core CI machine is slow
    return playwright_expect(locator)


def drop_photo(person: Person, photo: bytes, name: str) -> None:
    """Drag a file onto the drop zone, as the browser delivers a drop from the desktop."""
    page = person.page
    transfer = page.evaluate_handle("""([data, name]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
        return transfer;
    }""", [base64.b64encode(photo).decode(), name])
    zone = page.locator("[data-drop]")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def share_photo(ann: Person) -> str:
    """Ann posts a photo; the progress bar moves while it uploads. Returns the post's path."""
    page = ann.page
    page.get_by_role("link", name="New post").first.click()
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    drop_photo(ann, sunset_jpeg(), "pier.jpg")
    expect(page.locator("[data-previews] img")).to_have_count(1)
    page.get_by_label("Alt text for pier.jpg").fill("A red sun sinking behind the pier")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Caption").fill("Last light of the summer #beach")
    page.get_by_label("Who can see it").select_option("public")
    # A slow uplink, so the upload lasts long enough to watch its progress.
    cdp = ann.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1,
        "uploadThroughput": UPLOAD_BYTES_PER_SECOND})
    page.get_by_role("button", name="Share").click()
    page.wait_for_function("() => { const bar = document.querySelector('progress');"
                           " return bar && bar.value > 0 && bar.value < 100; }")
    page.wait_for_url(re.compile(r"/@ann/\d+$"), timeout=30_000)
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("img", name="A red sun sinking behind the pier")).to_be_visible()
    return page.url.removeprefix(ann.base_url)


def follow(bob: Person, username: str, *, becomes: str) -> None:
    bob.go(f"/@{username}")
    button = bob.page.get_by_role("button", name=re.compile("^Follow"))
    button.click()
    expect(bob.page.get_by_role("button", name=becomes)).to_be_visible()


def see_in_feed(bob: Person) -> None:
    """The follow back-fills Bob's feed in the background; a reload or two shows it."""
    for _ in range(20):
        bob.go("/")
        if bob.page.get_by_role("heading", name=TITLE).count():
            break
        bob.page.wait_for_timeout(250)
    post = bob.page.locator("article.post", has_text=TITLE)
    expect(post).to_be_visible()
    expect(post.get_by_role("link", name="ann").first).to_be_visible()


def like_and_comment(bob: Person, path: str) -> None:
    page = bob.page
    post = page.locator("article.post", has_text=TITLE)
    post.get_by_role("button", name="Like").click()
    expect(post.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(post.locator(".likes")).to_have_text("1 like")
    bob.go(path)
    page.get_by_label("Add a comment").fill("Lovely colours!")
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".comment", has_text="Lovely colours!")).to_be_visible()
    page.reload()  # both were saved, not just drawn
    expect(page.locator(".comment", has_text="Lovely colours!")).to_be_visible()
    expect(page.locator(".likes")).to_have_text("1 like")
    like = page.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "true")
    like.click()  # changed their mind, and back
    expect(page.locator(".likes")).to_have_text("0 likes")
    like.click()
    expect(page.locator(".likes")).to_have_text("1 like")


def find_by_title(bob: Person) -> None:
    """Results come as one types, without pressing Enter."""
    page = bob.page
    bob.go("/search")
    field = page.get_by_label("Search people, hashtags and posts")
    for _ in range(20):  # the search index is filled by a worker just after posting
        field.fill("")
        field.press_sequentially("pier", delay=30)
        page.wait_for_timeout(400)
        if page.get_by_role("link", name=TITLE).count():
            break
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search\?q=pier$"))


def go_private(ann: Person) -> None:
    page = ann.page
    ann.go("/settings")
    page.get_by_label("Private account").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved. Your account is private.")


def test_two_people_share_follow_like_comment_search_and_go_private(
        people: Callable[..., Person], tmp_path: Path) -> None:
    ann, bob = people("ann"), people("bob")
    ann.sign_up()
    expect(ann.page.get_by_role("heading", name="Your feed is empty")).to_be_visible()
    bob.sign_up()
    path = share_photo(ann)
    follow(bob, "ann", becomes="Following")
    expect(bob.page.locator("[data-followers]")).to_have_text("1")
    see_in_feed(bob)
    like_and_comment(bob, path)
    find_by_title(bob)
    go_private(ann)

    visitor = people("visitor")
    visitor.expected_errors.append(re.compile("404"))
    visitor.go("/@ann")
    expect(visitor.page.get_by_role("heading", name="This account is private")).to_be_visible()
    expect(visitor.page.get_by_role("link", name=TITLE)).to_have_count(0)
    assert visitor.go(path).status == 404
    expect(visitor.page.get_by_text("not shared with you")).to_be_visible()

    cat = people("cat")
    cat.sign_up()
    follow(cat, "ann", becomes="Requested")
    expect(cat.page.get_by_role("heading", name="This account is private")).to_be_visible()
    ann.go("/follow_requests")
    ann.page.get_by_role("button", name="Approve").click()
    expect(ann.page.get_by_text("Approved")).to_be_visible()
    cat.go("/@ann")
    expect(cat.page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(cat.page.get_by_role("button", name="Following")).to_be_visible()
