"""Following, follow requests, blocks, and the counts and lists they change."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.support import Person, register


async def _relationship(client: httpx.AsyncClient, viewer: Person, other: Person) -> dict:
    response = await client.get("/api/v1/accounts/relationships",
                                params={"id[]": other.id}, headers=viewer.headers)
    assert response.status_code == 200, response.text
    [rel] = response.json()
    return rel


async def _account(client: httpx.AsyncClient, person: Person) -> dict:
    return (await client.get(f"/api/v1/accounts/{person.id}")).json()


async def test_following_a_public_account_counts_on_both_sides(
        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    assert response.status_code == 200
    assert response.json()["following"] is True
    assert (await _account(client, ann))["following_count"] == 1
    assert (await _account(client, bob))["followers_count"] == 1
    assert (await _relationship(client, bob, ann))["followed_by"] is True
    listed = await client.get(f"/api/v1/accounts/{bob.id}/followers")
    assert [a["username"] for a in listed.json()] == ["ann"]

    again = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    assert again.status_code == 409
    assert (await _account(client, bob))["followers_count"] == 1

    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=ann.headers)
    assert (await _account(client, bob))["followers_count"] == 0
    assert (await _account(client, ann))["following_count"] == 0
    assert (await client.get(f"/api/v1/accounts/{bob.id}/followers")).json() == []


async def test_private_account_approves_and_rejects_requests(client: httpx.AsyncClient) -> None:
    cat = await register(client, "cat", locked=True)
    ann, bob = await register(client, "ann"), await register(client, "bob")
    for person in (ann, bob):
        asked = await client.post(f"/api/v1/accounts/{cat.id}/follow", headers=person.headers)
        assert asked.json()["requested"] is True
        assert asked.json()["following"] is False
    pending = await client.get("/api/v1/follow_requests", headers=cat.headers)
    assert sorted(a["username"] for a in pending.json()) == ["ann", "bob"]
    # Nobody but approved followers sees a private account's connections.
    assert (await client.get(f"/api/v1/accounts/{cat.id}/followers",
                             headers=ann.headers)).status_code == 403

    approved = await client.post(f"/api/v1/follow_requests/{ann.id}/authorize",
                                 headers=cat.headers)
    assert approved.status_code == 200
    assert approved.json()["followed_by"] is True
    rejected = await client.post(f"/api/v1/follow_requests/{bob.id}/reject", headers=cat.headers)
    assert rejected.json()["followed_by"] is False
    twice = await client.post(f"/api/v1/follow_requests/{bob.id}/reject", headers=cat.headers)
    assert twice.status_code == 404

    assert (await _relationship(client, ann, cat))["following"] is True
    assert (await _relationship(client, bob, cat))["requested"] is False
    assert (await _account(client, cat))["followers_count"] == 1
    assert (await client.get("/api/v1/follow_requests", headers=cat.headers)).json() == []
    visible = await client.get(f"/api/v1/accounts/{cat.id}/followers", headers=ann.headers)
    assert [a["username"] for a in visible.json()] == ["ann"]


async def test_block_ends_follows_both_ways_and_prevents_new_ones(
        client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=bob.headers)
    blocked = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=ann.headers)
    assert blocked.json()["blocking"] is True
    assert blocked.json()["following"] is False
    assert blocked.json()["followed_by"] is False
    assert (await _relationship(client, bob, ann))["blocked_by"] is True
    for person in (ann, bob):
        assert (await _account(client, person))["followers_count"] == 0
        assert (await _account(client, person))["following_count"] == 0
    refused = await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=bob.headers)
    assert refused.status_code == 403
    await client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=ann.headers)
    allowed = await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=bob.headers)
    assert allowed.json()["following"] is True


async def test_remove_from_followers(client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=ann.headers)
    removed = await client.post(f"/api/v1/accounts/{ann.id}/remove_from_followers",
                                headers=bob.headers)
    assert removed.json()["followed_by"] is False
    assert (await _relationship(client, ann, bob))["following"] is False


async def test_bad_follow_requests_change_nothing(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    itself = await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=ann.headers)
    assert itself.status_code == 422
    for bad in ("123", "abc", "-5", "99999999999999999999"):
        response = await client.post(f"/api/v1/accounts/{bad}/follow", headers=ann.headers)
        assert response.status_code == 404, bad
        assert "error" in response.json()
    anonymous = await client.post(f"/api/v1/accounts/{ann.id}/follow")
    assert anonymous.status_code == 401
    assert (await _account(client, ann))["following_count"] == 0


async def test_following_list_pages_with_link_header(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    others = [await register(client, f"user{i}") for i in range(5)]
    for other in others:
        await client.post(f"/api/v1/accounts/{other.id}/follow", headers=ann.headers)
    seen: list[str] = []
    url: str | None = f"/api/v1/accounts/{ann.id}/following?limit=2"
    while url:
        response = await client.get(url)
        page = response.json()
        if not page:
            break
        seen += [a["username"] for a in page]
        links = response.headers["link"]
        assert links.index('rel="next"') < links.index('rel="prev"')
        url = links.split(">", 1)[0].lstrip("<")
    assert seen == [f"user{i}" for i in reversed(range(5))]


async def test_racing_follow_and_unfollow_keep_counts_exact(client: httpx.AsyncClient) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    url = f"/api/v1/accounts/{bob.id}"
    racing = await asyncio.gather(*(client.post(f"{url}/follow", headers=ann.headers)
                                    for _ in range(6)))
    assert sorted(r.status_code for r in racing) == [200] + [409] * 5
    assert (await _account(client, bob))["followers_count"] == 1
    await asyncio.gather(*(client.post(f"{url}/unfollow", headers=ann.headers)
                           for _ in range(6)))
    assert (await _account(client, bob))["followers_count"] == 0
    assert (await _account(client, ann))["following_count"] == 0
