"""A story with three people, checking at every step what each of them can and cannot see.

Ann and Bob have public accounts, Cat a private (locked) one. They follow, ask, get
approved and rejected, post in every visibility with photos, like, comment, block and
delete. After each step every person (and someone not signed in) looks at the posts.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from tests.api.media_support import ready_photo
from tests.api.support import Person, register

# Two SQLite shards put the three people (and their posts) on different databases; the
# privacy matrix covers the single-file case.
pytestmark = pytest.mark.parametrize("backend", ["sqlite-sharded", "postgres"], indirect=True)


@dataclass
class Story:
    client: httpx.AsyncClient
    app: FastAPI

    async def post(self, author: Person, caption: str, visibility: str = "public", *,
                   photo: bool = True, reply_to: str | None = None) -> tuple[str, str | None]:
        """Post (with a photo of one's own); the post's ID and its photo's media ID.

        Every URL of the photo's files holds that ID, signed or not.
        """
        media_ids = [await ready_photo(self.app, author.id)] if photo else []
        body: dict[str, object] = {"status": caption, "visibility": visibility,
                                   "media_ids": media_ids}
        if reply_to:
            body["in_reply_to_id"] = reply_to
        response = await self.client.post("/api/v1/statuses", headers=author.headers,
                                          json=body)
        assert response.status_code == 200, response.text
        return response.json()["id"], media_ids[0] if media_ids else None

    async def who_sees(self, post_id: str, *people: Person | None) -> set[str]:
        """Which of these people get the post (and only then its photo URLs)."""
        seen = set()
        for person in people:
            response = await self.client.get(f"/api/v1/statuses/{post_id}",
                                              headers=person.headers if person else {})
            assert response.status_code in (200, 404), response.text
            if response.status_code == 200:
                seen.add(person.username if person else "anonymous")
        return seen

    async def grid(self, owner: Person, viewer: Person | None) -> list[str]:
        response = await self.client.get(f"/api/v1/accounts/{owner.id}/statuses",
                                         headers=viewer.headers if viewer else {})
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    async def everything_seen_by(self, viewer: Person | None, *owners: Person) -> str:
        """All the JSON a person gets from the owners' grids and their posts' threads."""
        headers = viewer.headers if viewer else {}
        bodies = []
        for owner in owners:
            grid = await self.client.get(f"/api/v1/accounts/{owner.id}/statuses",
                                         headers=headers)
            bodies.append(grid.text)
            for status in grid.json():
                context = await self.client.get(f"/api/v1/statuses/{status['id']}/context",
                                                headers=headers)
                bodies.append(context.text)
        return "\n".join(bodies)

    async def account(self, person: Person) -> dict:
        return (await self.client.get(f"/api/v1/accounts/{person.id}")).json()

    async def act(self, person: Person, path: str, status: int = 200) -> dict:
        response = await self.client.post(path, headers=person.headers)
        assert response.status_code == status, response.text
        return response.json()


async def test_three_people(client: httpx.AsyncClient, app: FastAPI) -> None:
    story = Story(client, app)
    ann, bob = await register(client, "ann"), await register(client, "bob")
    cat = await register(client, "cat", locked=True)
    everyone = (ann, bob, cat, None)

    # Ann's public photo is for everybody; Cat's, on a private account, for Cat alone.
    sunset, sunset_photo = await story.post(ann, "Sunset #beach")
    kitten, kitten_photo = await story.post(cat, "My kitten")
    assert await story.who_sees(sunset, *everyone) == {"ann", "bob", "cat", "anonymous"}
    assert await story.who_sees(kitten, *everyone) == {"cat"}
    assert await story.grid(cat, bob) == []
    assert kitten_photo not in await story.everything_seen_by(bob, ann, cat)

    # Ann and Bob ask to follow Cat; Cat approves Ann and turns Bob down.
    for person in (ann, bob):
        asked = await story.act(person, f"/api/v1/accounts/{cat.id}/follow")
        assert (asked["following"], asked["requested"]) == (False, True)
    assert await story.who_sees(kitten, ann, bob) == set()  # asking is not following
    requests = await client.get("/api/v1/follow_requests", headers=cat.headers)
    assert {a["username"] for a in requests.json()} == {"ann", "bob"}
    await story.act(cat, f"/api/v1/follow_requests/{ann.id}/authorize")
    await story.act(cat, f"/api/v1/follow_requests/{bob.id}/reject")
    assert await story.who_sees(kitten, *everyone) == {"ann", "cat"}
    assert await story.grid(cat, ann) == [kitten]
    assert kitten_photo in await story.everything_seen_by(ann, cat)
    assert kitten_photo not in await story.everything_seen_by(bob, ann, cat)
    assert (await story.account(cat))["followers_count"] == 1

    # Bob follows Ann; her followers-only photo reaches him, not Cat; her direct one, Cat.
    await story.act(bob, f"/api/v1/accounts/{ann.id}/follow")
    friends, friends_photo = await story.post(ann, "For friends", "private")
    note, note_photo = await story.post(ann, "Psst @cat", "direct")
    assert await story.who_sees(friends, *everyone) == {"ann", "bob"}
    assert await story.who_sees(note, *everyone) == {"ann", "cat"}
    assert await story.grid(ann, None) == [sunset]
    assert await story.grid(ann, bob) == [friends, sunset]
    assert await story.grid(ann, cat) == [note, sunset]
    assert note_photo not in await story.everything_seen_by(bob, ann)
    assert friends_photo not in await story.everything_seen_by(cat, ann)
    seen_signed_out = await story.everything_seen_by(None, ann)
    assert friends_photo not in seen_signed_out
    assert note_photo not in seen_signed_out

    # Likes and comments: Bob may like Ann's photo but not Cat's, which he cannot see.
    liked = await story.act(bob, f"/api/v1/statuses/{sunset}/favourite")
    assert (liked["favourited"], liked["favourites_count"]) == (True, 1)
    refused = await story.act(bob, f"/api/v1/statuses/{kitten}/favourite", 404)
    assert "error" in refused
    cat_view = (await client.get(f"/api/v1/statuses/{kitten}", headers=cat.headers)).json()
    assert cat_view["favourites_count"] == 0
    comment, _ = await story.post(bob, "Gorgeous!", photo=False, reply_to=sunset)
    # Cat's comment, from a private account, reaches only Cat's followers (Ann).
    cats_comment, _ = await story.post(cat, "Envy", photo=False, reply_to=sunset)
    assert await story.who_sees(comment, *everyone) == {"ann", "bob", "cat", "anonymous"}
    assert await story.who_sees(cats_comment, *everyone) == {"ann", "cat"}
    context = await client.get(f"/api/v1/statuses/{sunset}/context", headers=bob.headers)
    assert [s["id"] for s in context.json()["descendants"]] == [comment]
    # A comment under Ann's followers-only photo stays with its thread: Cat cannot see it.
    reply, _ = await story.post(bob, "Nice one", photo=False, reply_to=friends)
    assert await story.who_sees(reply, *everyone) == {"ann", "bob"}
    shown = (await client.get(f"/api/v1/statuses/{sunset}", headers=ann.headers)).json()
    assert (shown["favourites_count"], shown["replies_count"]) == (1, 2)

    # Ann blocks Bob: they stop seeing each other, the follow ends, and it cannot resume.
    await story.act(ann, f"/api/v1/accounts/{bob.id}/block")
    assert await story.who_sees(sunset, bob) == set()
    assert await story.who_sees(friends, bob) == set()
    assert await story.grid(ann, bob) == []
    seen_by_bob = await story.everything_seen_by(bob, ann)
    assert sunset_photo not in seen_by_bob
    assert friends_photo not in seen_by_bob
    await story.act(bob, f"/api/v1/statuses/{sunset}/favourite", 404)
    await story.act(bob, f"/api/v1/accounts/{ann.id}/follow", 403)
    assert (await story.account(ann))["followers_count"] == 0
    bobs_grid = await story.grid(bob, ann)
    assert bobs_grid == [], "Ann blocked Bob, so Bob's posts are hidden from her too"

    # Ann deletes her public photo: it goes with every comment on it, for everyone.
    deleted = await client.delete(f"/api/v1/statuses/{sunset}", headers=ann.headers)
    assert deleted.status_code == 200
    for post_id in (sunset, comment, cats_comment):
        assert await story.who_sees(post_id, *everyone) == set()
    assert await story.grid(ann, cat) == [note]
    assert await story.grid(cat, cat) == [kitten]
    assert (await story.account(ann))["statuses_count"] == 2
    assert (await story.account(cat))["statuses_count"] == 1
    assert (await story.account(bob))["statuses_count"] == 1  # his reply under "friends"
    assert sunset_photo not in await story.everything_seen_by(cat, ann, cat)
