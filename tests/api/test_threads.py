"""Comment threads and mentions: what deleting takes along, and whom a caption names."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.api.media_support import ready_photo
from tests.api.support import Person, register

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def _post(client: httpx.AsyncClient, person: Person, **fields: object) -> dict:
    response = await client.post("/api/v1/statuses", headers=person.headers, json=fields)
    assert response.status_code == 200, response.text
    return response.json()


async def test_deleting_a_comment_takes_the_replies_under_it(client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    post = await _post(client, ann, status="Photo")
    comment = await _post(client, bob, status="Nice", in_reply_to_id=post["id"])
    reply = await _post(client, ann, status="Thanks", in_reply_to_id=comment["id"])
    other = await _post(client, ann, status="Anyone else?", in_reply_to_id=post["id"])
    deleted = await client.delete(f"/api/v1/statuses/{comment['id']}", headers=bob.headers)
    assert deleted.status_code == 200
    assert (await client.get(f"/api/v1/statuses/{reply['id']}")).status_code == 404
    context = (await client.get(f"/api/v1/statuses/{post['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [other["id"]]
    assert (await client.get(f"/api/v1/statuses/{post['id']}")).json()["replies_count"] == 1
    for person, posts in ((ann, 2), (bob, 0)):
        account = (await client.get(f"/api/v1/accounts/{person.id}")).json()
        assert account["statuses_count"] == posts


async def test_a_blocked_commenter_can_still_delete_their_comment(
        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    post = await _post(client, ann, status="Photo")
    comment = await _post(client, bob, status="Rude remark", in_reply_to_id=post["id"])
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=ann.headers)
    assert (await client.get(f"/api/v1/statuses/{comment['id']}",
                             headers=bob.headers)).status_code == 404
    deleted = await client.delete(f"/api/v1/statuses/{comment['id']}", headers=bob.headers)
    assert deleted.status_code == 200
    assert (await client.get(f"/api/v1/statuses/{comment['id']}",
                             headers=ann.headers)).status_code == 404


async def test_mentions_name_local_people_once_and_nobody_elsewhere(
        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    twice = await _post(client, ann, status="Hi @Bob and @bob", visibility="direct")
    assert [m["username"] for m in twice["mentions"]] == ["bob"]
    # Someone on another server who shares Bob's name is not Bob: the post stays hidden.
    elsewhere = await _post(client, ann, status="Psst @bob@elsewhere.social",
                            visibility="direct")
    assert elsewhere["mentions"] == []
    assert (await client.get(f"/api/v1/statuses/{elsewhere['id']}",
                             headers=bob.headers)).status_code == 404
    assert (await client.get(f"/api/v1/statuses/{twice['id']}",
                             headers=bob.headers)).status_code == 200


async def test_media_and_reply_ids_may_come_as_json_numbers(client: httpx.AsyncClient,
                                                            app: FastAPI) -> None:
    ann = await register(client, "ann")
    photo = await ready_photo(app, ann.id)
    post = await _post(client, ann, status="Numbers", media_ids=[int(photo)])
    assert [m["id"] for m in post["media_attachments"]] == [photo]
    reply = await _post(client, ann, status="More", in_reply_to_id=int(post["id"]))
    assert reply["in_reply_to_id"] == post["id"]
