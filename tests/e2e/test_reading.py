"""Reading works with JavaScript off; with it on, new posts announce themselves."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.browser import Person
from tests.e2e.test_story import expect


def post_as(person: Person, text: str) -> None:
    """Post from the person's page through the API, the way the page scripts do."""
    person.page.evaluate("""async (text) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch("/api/v1/statuses", {
            method: "POST", body: JSON.stringify({ status: text }),
            headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } });
        if (!response.ok) throw new Error(await response.text());
    }""", text)


def wait_for_feed(person: Person, count: int) -> None:
    """Posts reach feeds through a background worker; wait until `count` have."""
    for _ in range(100):
        shown = person.page.evaluate("""async () => {
            const response = await fetch("/api/v1/timelines/home?limit=40");
            return (await response.json()).length;
        }""")
        if shown >= count:
            return
        person.page.wait_for_timeout(100)
    raise AssertionError(f"{person.name}'s feed never reached {count} posts")


def test_new_posts_banner_then_reading_without_javascript(
        people: Callable[..., Person]) -> None:
    dee, eve = people("dee"), people("eve")
    dee.sign_up()
    eve.sign_up()
    eve.go("/@dee")
    eve.page.get_by_role("button", name="Follow").click()
    expect(eve.page.get_by_role("button", name="Following")).to_be_visible()
    eve.go("/")
    expect(eve.page.get_by_role("heading", name="Your feed is empty")).to_be_visible()
    banner = eve.page.get_by_role("button", name="New posts")
    expect(banner).to_be_hidden()
    eve.page.wait_for_timeout(500)  # the stream is open
    post_as(dee, "Fresh from the oven #bread")
    expect(banner).to_be_visible()
    banner.click()
    expect(eve.page.locator("article.post", has_text="Fresh from the oven")).to_be_visible()
    for number in range(12):  # more than a page, so the feed has an "Older posts" link
        post_as(dee, f"Loaf number {number}")
    wait_for_feed(eve, 13)

    reader = people("eve-without-js", javascript=False)
    reader.name = "eve"
    reader.sign_in()  # a plain form: no script needed
    feed = reader.page.locator("article.post")
    expect(feed.first).to_contain_text("Loaf number 11")
    older = reader.page.get_by_role("link", name="Older posts")
    older.click()
    expect(reader.page.locator("article.post", has_text="Fresh from the oven")).to_be_visible()
    reader.page.locator("article.post", has_text="Fresh from the oven").locator("a.when").click()
    expect(reader.page.locator(".caption", has_text="Fresh from the oven")).to_be_visible()
    expect(reader.page.get_by_role("link", name="#bread")).to_be_visible()
    reader.go("/@dee")
    expect(reader.page.get_by_role("heading", name="dee")).to_be_visible()
    expect(reader.page.get_by_text("13 posts")).to_be_visible()


def test_infinite_scroll_loads_older_posts(people: Callable[..., Person]) -> None:
    fay = people("fay")
    fay.sign_up()
    for number in range(14):
        post_as(fay, f"Note {number}")
    wait_for_feed(fay, 14)
    fay.go("/")
    posts = fay.page.locator("article.post")
    expect(posts).to_have_count(10)
    fay.page.mouse.wheel(0, 20_000)
    expect(posts).to_have_count(14)
    expect(fay.page.get_by_text("You're all caught up.")).to_be_visible()
