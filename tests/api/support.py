"""Helpers for API tests: register people and talk as them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

ALL_SCOPES = "read write follow push"


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def app_credentials(client: httpx.AsyncClient,
                          scopes: str = ALL_SCOPES) -> tuple[str, str]:
    response = await client.post("/api/v1/apps", data={
        "client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": scopes})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["client_id"], body["client_secret"]


async def register(client: httpx.AsyncClient, username: str, *, locked: bool = False,
                   scopes: str = ALL_SCOPES) -> Person:
    """Sign up through the API, as a Mastodon client would, and return the new person."""
    client_id, secret = await app_credentials(client, scopes)
    app_token = (await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
        "scope": scopes})).json()["access_token"]
    response = await client.post("/api/v1/accounts", headers={
        "Authorization": f"Bearer {app_token}"}, data={
        "username": username, "email": f"{username}@example.com",
        "password": "a long enough password", "agreement": "true"})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await client.get("/api/v1/accounts/verify_credentials",
                          headers={"Authorization": f"Bearer {token}"})
    person = Person(id=me.json()["id"], username=username, token=token)
    if locked:
        changed = await client.patch("/api/v1/accounts/update_credentials",
                                     headers=person.headers, data={"locked": "true"})
        assert changed.json()["locked"] is True
    return person
