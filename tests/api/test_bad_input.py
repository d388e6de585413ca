"""Bad requests about posts and follows: a clear 4xx JSON error each, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.helpers import error_body
from tests.api.media_support import ready_photo
from tests.api.support import Person, register

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def _state(client: httpx.AsyncClient, *people: Person) -> list[Any]:
    """What the people would notice changing: counts, profile grids, pending requests."""
    seen: list[Any] = []
    for person in people:
        account = (await client.get(f"/api/v1/accounts/{person.id}")).json()
        seen.append({key: account[key] for key in
                     ("statuses_count", "followers_count", "following_count")})
        grid = await client.get(f"/api/v1/accounts/{person.id}/statuses",
                                headers=person.headers)
        seen.append([(s["id"], s["favourites_count"], s["replies_count"],
                      [m["id"] for m in s["media_attachments"]]) for s in grid.json()])
        requests = await client.get("/api/v1/follow_requests", headers=person.headers)
        seen.append([a["id"] for a in requests.json()])
    return seen


async def test_bad_posts_are_refused_and_change_nothing(client: httpx.AsyncClient,
                                                       app: FastAPI) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    photos = [await ready_photo(app, ann.id) for _ in range(11)]
    bobs_photo = await ready_photo(app, bob.id)
    before = await _state(client, ann, bob)
    bad: list[tuple[str, dict[str, Any], int]] = [
        ("unknown media", {"media_ids": ["123456789012"]}, 422),
        ("someone else's media", {"media_ids": [bobs_photo]}, 422),
        ("a media id that is no ID", {"media_ids": ["../etc"]}, 422),
        ("more than 10 media", {"media_ids": photos}, 422),
        ("the same media twice", {"media_ids": [photos[0], photos[0]]}, 422),
        ("a caption over 2200 characters", {"status": "x" * 2201}, 422),
        ("a title over 200 characters", {"title": "t" * 201}, 422),
        ("no caption and no media", {"status": "   "}, 422),
        ("an unknown visibility", {"visibility": "friends"}, 422),
        ("a reply to no post", {"in_reply_to_id": "123456789012"}, 404),
    ]
    for what, fields, status in bad:
        response = await client.post("/api/v1/statuses", headers=ann.headers,
                                     json={"status": "caption"} | fields)
        assert response.status_code == status, (what, response.text)
        error_body(response, status)
    too_long = await client.post("/api/v1/statuses", headers=ann.headers,
                                 data={"status": "x" * 2201})
    assert error_body(too_long, 422)["details"]["status"][0]["error"] == "ERR_TOO_LONG"
    assert await _state(client, ann, bob) == before

    # Nothing refused was used up: the same uploads make good posts, at the limits.
    full = await client.post("/api/v1/statuses", headers=ann.headers,
                             json={"status": "y" * 2200, "media_ids": photos[:10]})
    assert full.status_code == 200, full.text
    assert [m["id"] for m in full.json()["media_attachments"]] == photos[:10]
    bobs = await client.post("/api/v1/statuses", headers=bob.headers,
                             data={"status": "mine", "media_ids[]": bobs_photo})
    assert bobs.status_code == 200, bobs.text
    # ...and once in a post, an upload cannot go into another one.
    after_posting = await _state(client, ann, bob)
    reused = await client.post("/api/v1/statuses", headers=ann.headers,
                               json={"status": "again", "media_ids": [photos[0]]})
    assert "not an unused upload" in error_body(reused, 422)["error"]
    assert await _state(client, ann, bob) == after_posting


async def test_bad_interactions_are_refused_and_change_nothing(
        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    cat = await register(client, "cat", locked=True)
    hidden = (await client.post("/api/v1/statuses", headers=cat.headers,
                                data={"status": "only for my followers"})).json()["id"]
    shown = (await client.post("/api/v1/statuses", headers=ann.headers,
                               data={"status": "hello"})).json()["id"]
    await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=bob.headers)
    await client.post(f"/api/v1/accounts/{cat.id}/follow", headers=bob.headers)
    before = await _state(client, ann, bob, cat)
    bad: list[tuple[str, Person, str, str, int]] = [
        ("like a post one may not see", bob, "POST", f"/api/v1/statuses/{hidden}/favourite",
         404),
        ("unlike it", bob, "POST", f"/api/v1/statuses/{hidden}/unfavourite", 404),
        ("list who liked it", bob, "GET", f"/api/v1/statuses/{hidden}/favourited_by", 404),
        ("like a post that does not exist", bob, "POST",
         "/api/v1/statuses/123456789012/favourite", 404),
        ("follow oneself", ann, "POST", f"/api/v1/accounts/{ann.id}/follow", 422),
        ("follow twice", bob, "POST", f"/api/v1/accounts/{ann.id}/follow", 409),
        ("ask twice", bob, "POST", f"/api/v1/accounts/{cat.id}/follow", 409),
        ("approve someone who did not ask", cat, "POST",
         f"/api/v1/follow_requests/{ann.id}/authorize", 404),
        ("delete someone else's post", bob, "DELETE", f"/api/v1/statuses/{shown}", 404),
        ("delete a post one may not see", ann, "DELETE", f"/api/v1/statuses/{hidden}", 404),
        ("delete a post that does not exist", ann, "DELETE", "/api/v1/statuses/1234", 404),
    ]
    for what, person, method, path, status in bad:
        response = await client.request(method, path, headers=person.headers)
        assert response.status_code == status, (what, response.text)
        error_body(response, status)
    comment = await client.post("/api/v1/statuses", headers=bob.headers,
                                data={"status": "hi", "in_reply_to_id": hidden})
    error_body(comment, 404)
    assert await _state(client, ann, bob, cat) == before
    assert (await client.get(f"/api/v1/statuses/{shown}")).status_code == 200
