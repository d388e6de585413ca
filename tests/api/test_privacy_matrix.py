"""Every visibility x author x viewer combination through the HTTP API, on SQLite.

One world is built once: a public and a locked author, and viewers who are strangers,
approved followers, pending requesters, mentioned, blocked by the author, blocking the
author, or nobody at all. Each author posts once in every visibility, with a photo and a
comment; then every viewer tries every read and a like, and what they get is checked
against tests/privacy.py's table: all eight posts in the profile grids and like counts,
a representative four of them in every single read.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from photofeed.domain.posts import VISIBILITIES
from tests.api.media_support import large_path, media_path, ready_photo
from tests.api.support import Person, register
from tests.privacy import SEES, VIEWERS, Viewer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
# Every viewer tries every read and a like on these four posts; the other four (which the
# unit matrix covers, and which read the same way as one of these) show up in the grids.
SLICE = {("public", False), ("private", False), ("direct", False), ("public", True)}
Expect = Callable[[bool, str], None]
# Who may not see these accounts' posts as a whole (but may see single posts naming them).
CLOSED_PROFILE_VIEWERS = {
    "pub": {"blocked", "blocker"},
    "lok": {"anonymous", "stranger", "pending", "mentioned", "blocked", "blocker"},
}


@dataclass(frozen=True)
class Posted:
    author: Person
    locked: bool
    visibility: str
    post_id: str
    comment_id: str
    media_id: str

    @property
    def seen_by(self) -> frozenset[Viewer]:
        return SEES[(self.visibility, self.locked)]


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


async def _build(client: httpx.AsyncClient, app: FastAPI) -> tuple[dict[str, Person],
                                                                    list[Posted]]:
    names = ("pub", "lok", "stranger", "follower", "pending", "mentioned", "blocked", "blocker")
    people = dict(zip(names, await asyncio.gather(
        *(register(client, name, locked=name == "lok") for name in names)), strict=True))
    pub, lok = people["pub"], people["lok"]
    follower, pending = people["follower"], people["pending"]
    for author in (pub, lok):
        await _ok(await client.post(f"/api/v1/accounts/{author.id}/follow",
                                    headers=follower.headers))
    await _ok(await client.post(f"/api/v1/follow_requests/{follower.id}/authorize",
                                headers=lok.headers))
    # A request left pending on a public account: asked while it was locked for a while.
    await _ok(await client.patch("/api/v1/accounts/update_credentials", headers=pub.headers,
                                 data={"locked": "true"}))
    for author in (pub, lok):
        asked = await _ok(await client.post(f"/api/v1/accounts/{author.id}/follow",
                                            headers=pending.headers))
        assert asked["requested"] is True
    await _ok(await client.patch("/api/v1/accounts/update_credentials", headers=pub.headers,
                                 data={"locked": "false"}))
    for author in (pub, lok):
        await _ok(await client.post(f"/api/v1/accounts/{people['blocked'].id}/block",
                                    headers=author.headers))
        await _ok(await client.post(f"/api/v1/accounts/{author.id}/block",
                                    headers=people["blocker"].headers))

    async def post(author: Person, locked: bool, visibility: str) -> Posted:
        media_id = await ready_photo(app, author.id)
        post = await _ok(await client.post("/api/v1/statuses", headers=author.headers, json={
            "status": f"{visibility} photo for @mentioned", "visibility": visibility,
            "media_ids": [media_id]}))
        comment = await _ok(await client.post("/api/v1/statuses", headers=author.headers,
                                              data={"status": "@mentioned thanks!",
                                                    "in_reply_to_id": post["id"]}))
        return Posted(author, locked, visibility, post["id"], comment["id"], media_id)

    return people, list(await asyncio.gather(*(
        post(author, locked, visibility)
        for author, locked in ((pub, False), (lok, True)) for visibility in VISIBILITIES)))


def _as(people: dict[str, Person], viewer: Viewer, author: Person) -> Person | None:
    return {"anonymous": None, "author": author}.get(viewer, people.get(viewer))


async def test_what_each_viewer_sees_and_may_like(client: httpx.AsyncClient,
                                                  app: FastAPI) -> None:
    people, posted = await _build(client, app)
    wrong: list[str] = []

    def expect(condition: bool, what: str) -> None:
        if not condition:
            wrong.append(what)

    async def try_everything(item: Posted, viewer: Viewer) -> None:
        person = _as(people, viewer, item.author)
        headers = person.headers if person else {}
        case = f"{viewer} on {item.author.username}'s {item.visibility} post"
        code = 200 if viewer in item.seen_by else 404
        shown = await client.get(f"/api/v1/statuses/{item.post_id}", headers=headers)
        expect(shown.status_code == code, f"{case}: status {shown.status_code}")
        if shown.status_code == 200:
            files = [media_path(m["url"]) for m in shown.json()["media_attachments"]]
            expect(files == [large_path(item.media_id)], f"{case}: media {files}")
        else:
            expect(item.media_id not in shown.text, f"{case}: media leaked")
        comment = await client.get(f"/api/v1/statuses/{item.comment_id}", headers=headers)
        expect(comment.status_code == code, f"{case}: comment {comment.status_code}")
        context = await client.get(f"/api/v1/statuses/{item.post_id}/context", headers=headers)
        expect(context.status_code == code, f"{case}: context {context.status_code}")
        if context.status_code == 200:
            below = [s["id"] for s in context.json()["descendants"]]
            expect(below == [item.comment_id], f"{case}: descendants {below}")
        likers = await client.get(f"/api/v1/statuses/{item.post_id}/favourited_by",
                                  headers=headers)
        expect(likers.status_code == code, f"{case}: favourited_by {likers.status_code}")
        liked = await client.post(f"/api/v1/statuses/{item.post_id}/favourite", headers=headers)
        like_code = 401 if person is None else code
        expect(liked.status_code == like_code, f"{case}: favourite {liked.status_code}")
        expect("error" in liked.json() if like_code != 200 else liked.json()["favourited"],
               f"{case}: favourite body {liked.text}")

    await asyncio.gather(*(try_everything(item, viewer) for item in posted
                           if (item.visibility, item.locked) in SLICE for viewer in VIEWERS))
    await _check_grids(client, people, posted, expect)
    await _check_likes_counted_only_where_allowed(client, people, posted, expect)
    assert not wrong, "\n".join(wrong)


async def _check_grids(client: httpx.AsyncClient, people: dict[str, Person],
                       posted: list[Posted], expect: Expect) -> None:
    for author in (people["pub"], people["lok"]):
        mine = [p for p in posted if p.author == author]
        for viewer in VIEWERS:
            person = _as(people, viewer, author)
            grid = await client.get(f"/api/v1/accounts/{author.id}/statuses",
                                    params={"limit": 40},
                                    headers=person.headers if person else {})
            expect(grid.status_code == 200, f"{viewer} grid of {author.username}: "
                                            f"{grid.status_code}")
            visible = [p for p in mine if viewer in p.seen_by]
            ids = {s["id"] for s in grid.json()}
            wanted = {p.post_id for p in visible} | {p.comment_id for p in visible}
            expect(ids == wanted, f"{viewer} grid of {author.username}: {len(ids)} posts, "
                                  f"wanted {len(wanted)}")
            files = {media_path(m["url"]) for s in grid.json() for m in s["media_attachments"]}
            expect(files == {large_path(p.media_id) for p in visible},
                   f"{viewer} grid of {author.username}: media {files}")
            if viewer not in CLOSED_PROFILE_VIEWERS[author.username]:
                continue
            # Paging must not name posts this viewer may not see (their IDs carry times).
            cursors = set(re.findall(r"_id=(\d+)", grid.headers.get("link", "")))
            expect(cursors <= wanted, f"{viewer} grid of {author.username}: cursors {cursors}")


async def _check_likes_counted_only_where_allowed(client: httpx.AsyncClient,
                                                  people: dict[str, Person],
                                                  posted: list[Posted], expect: Expect) -> None:
    for item in posted:
        tried = (item.visibility, item.locked) in SLICE
        likers = {viewer for viewer in item.seen_by if viewer != "anonymous" and tried}
        names = {(item.author.username if v == "author" else v) for v in likers}
        shown = (await client.get(f"/api/v1/statuses/{item.post_id}",
                                  headers=item.author.headers)).json()
        case = f"{item.author.username}'s {item.visibility} post"
        expect(shown["favourites_count"] == len(likers),
               f"{case}: {shown['favourites_count']} likes, wanted {len(likers)}")
        listed = (await client.get(f"/api/v1/statuses/{item.post_id}/favourited_by",
                                   headers=item.author.headers)).json()
        expect({a["username"] for a in listed} == names, f"{case}: liked by {listed}")
