"""A first walk through posting, commenting and liking."""

from __future__ import annotations

import httpx

from tests.api.support import register


async def test_post_comment_like_and_delete(client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    created = await client.post("/api/v1/statuses", headers=ann.headers, json={
        "status": "Sunset at the pier\nwith #Beach vibes, hi @bob", "visibility": "public"})
    assert created.status_code == 200, created.text
    post = created.json()
    assert post["title"] == "Sunset at the pier"
    assert [t["name"] for t in post["tags"]] == ["beach"]
    assert [m["username"] for m in post["mentions"]] == ["bob"]
    comment = await client.post("/api/v1/statuses", headers=bob.headers, data={
        "status": "lovely", "in_reply_to_id": post["id"]})
    assert comment.status_code == 200, comment.text
    liked = await client.post(f"/api/v1/statuses/{post['id']}/favourite", headers=bob.headers)
    assert liked.json()["favourited"] is True
    assert liked.json()["favourites_count"] == 1
    assert liked.json()["replies_count"] == 1
    context = (await client.get(f"/api/v1/statuses/{post['id']}/context")).json()
    assert [s["content"] for s in context["descendants"]] == ["<p>lovely</p>"]
    grid = await client.get(f"/api/v1/accounts/{ann.id}/statuses")
    assert [s["id"] for s in grid.json()] == [post["id"]]
    assert (await client.get(f"/api/v1/accounts/{ann.id}")).json()["statuses_count"] == 1
    refused = await client.delete(f"/api/v1/statuses/{post['id']}", headers=bob.headers)
    assert refused.status_code == 404
    deleted = await client.delete(f"/api/v1/statuses/{post['id']}", headers=ann.headers)
    assert deleted.json()["text"].startswith("Sunset")
    assert (await client.get(f"/api/v1/statuses/{post['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/statuses/{comment.json()['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/accounts/{ann.id}")).json()["statuses_count"] == 0
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).json()["statuses_count"] == 0


async def test_idempotency_key_returns_the_first_post(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    headers = ann.headers | {"Idempotency-Key": "retry-1"}
    first = await client.post("/api/v1/statuses", headers=headers, data={"status": "once"})
    again = await client.post("/api/v1/statuses", headers=headers, data={"status": "once"})
    assert first.json()["id"] == again.json()["id"]
    grid = await client.get(f"/api/v1/accounts/{ann.id}/statuses")
    assert len(grid.json()) == 1
