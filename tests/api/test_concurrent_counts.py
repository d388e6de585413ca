"""Like and comment counters stay exact when many people act on one post at once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import ClientFactory
from tests.api.media_support import ready_photo
from tests.api.support import Person, register

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
PEOPLE = 6


async def test_racing_likes_comments_and_deletes_keep_counts_exact(
        client_with: ClientFactory) -> None:
    async with client_with(rate_limits="off") as client:
        people = await asyncio.gather(*(register(client, f"fan{i}") for i in range(PEOPLE)))
        author = await register(client, "star")
        await _race(client, author, list(people))


async def _race(client: httpx.AsyncClient, author: Person, people: list[Person]) -> None:
    post_id = (await client.post("/api/v1/statuses", headers=author.headers,
                                 data={"status": "like me"})).json()["id"]
    url = f"/api/v1/statuses/{post_id}"

    async def act(person: Person, verb: str) -> None:
        response = await client.post(f"{url}/{verb}", headers=person.headers)
        assert response.status_code == 200, response.text

    async def comment(person: Person) -> str:
        response = await client.post("/api/v1/statuses", headers=person.headers,
                                     data={"status": "wow", "in_reply_to_id": post_id})
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    async def counts() -> tuple[int, int]:
        shown = (await client.get(url, headers=author.headers)).json()
        return shown["favourites_count"], shown["replies_count"]

    async def likers() -> set[str]:
        response = await client.get(f"{url}/favourited_by", params={"limit": 80})
        return {a["username"] for a in response.json()}

    # Everyone likes it twice and comments, all at the same moment: one like each.
    comments = (await asyncio.gather(*(comment(p) for p in people),
                                     *(act(p, "favourite") for p in people for _ in "12"),
                                     ))[:len(people)]
    assert await counts() == (len(people), len(people))
    # Half take their like back while the other half like again; three delete comments.
    half = len(people) // 2
    deletes = [client.delete(f"/api/v1/statuses/{c}", headers=p.headers)
               for c, p in zip(comments[:3], people[:3], strict=True)]
    await asyncio.gather(*(act(p, "unfavourite") for p in people[:half]),
                         *(act(p, "favourite") for p in people[half:]), *deletes)
    assert await counts() == (len(people) - half, len(people) - 3)
    assert await likers() == {p.username for p in people[half:]}
    context = await client.get(f"{url}/context")
    assert len(context.json()["descendants"]) == len(people) - 3
    # Each person likes and unlikes at once: whichever wins, the count matches the likes.
    await asyncio.gather(*(act(p, verb) for p in people
                           for verb in ("favourite", "unfavourite")))
    final = await likers()
    assert (await counts())[0] == len(final)
    for person in people:
        shown = (await client.get(url, headers=person.headers)).json()
        assert shown["favourited"] == (person.username in final)


async def test_two_racing_posts_cannot_share_one_upload(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "racer")
    photo = await ready_photo(app, ann.id)
    racing = await asyncio.gather(*(client.post(
        "/api/v1/statuses", headers=ann.headers,
        json={"status": f"take {i}", "media_ids": [photo]}) for i in range(4)))
    assert sorted(r.status_code for r in racing) == [200, 422, 422, 422]
    grid = await client.get(f"/api/v1/accounts/{ann.id}/statuses")
    assert [len(s["media_attachments"]) for s in grid.json()] == [1]
