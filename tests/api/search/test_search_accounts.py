"""People search: name prefixes, people one follows first, and nothing private revealed."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.search.helpers import drain, search
from tests.api.support import register


async def _names(client: httpx.AsyncClient, q: str, headers: dict[str, str],
                 **params: str) -> list[str]:
    response = await client.get("/api/v1/accounts/search", params={"q": q, **params},
                                headers=headers)
    assert response.status_code == 200, response.text
    return [account["acct"] for account in response.json()]


async def test_people_by_name_followed_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await register(client, "me")
    anna, annabel, _ann = [await register(client, n) for n in ("anna", "annabel", "ann")]
    marie = await register(client, "marie")
    hidden = await register(client, "annhidden")
    enemy = await register(client, "annoying")
    for who, fields in ((marie, {"display_name": "Anne-Marie Dupont"}),
                        (hidden, {"discoverable": "false"})):
        response = await client.patch("/api/v1/accounts/update_credentials",
                                      headers=who.headers, data=fields)
        assert response.status_code == 200, response.text
    follow = await client.post(f"/api/v1/accounts/{annabel.id}/follow", headers=me.headers)
    assert follow.status_code == 200, follow.text
    block = await client.post(f"/api/v1/accounts/{me.id}/block", headers=enemy.headers)
    assert block.status_code == 200, block.text
    await drain(app)

    names = await _names(client, "ann", me.headers)
    assert names[:2] == ["annabel", "ann"], "followed first, then the exact name"
    assert set(names) == {"annabel", "ann", "anna", "marie"}, "no blocker, no opted-out"
    assert await _names(client, "dupont", me.headers) == ["marie"], "any word of the name"
    assert await _names(client, "ann", me.headers, following="true") == ["annabel"]
    assert await _names(client, "annhidden", me.headers) == ["annhidden"], "exact name"
    assert await _names(client, "anna@example.com", me.headers) == [], "not by e-mail"
    assert await _names(client, "@anna@testserver", {}) == ["anna", "annabel"]
    assert await _names(client, "ANNA", {}, limit="1") == ["anna"]
    everyone = await _names(client, "ann", {})
    assert everyone == ["ann", "annabel", "anna", "marie", "annoying"], "anonymous: no blocks"
    assert await _names(client, "ann", {}, limit="2", offset="3") == everyone[3:5]

    # toot's `follow` searches with resolve=true and takes the account whose acct is exact.
    body = await search(client, "anna", me, type="accounts", resolve="true")
    exact = [a for a in body["accounts"] if a["acct"] == "anna"]
    assert [a["id"] for a in exact] == [anna.id]
    assert all("email" not in account for account in body["accounts"])
