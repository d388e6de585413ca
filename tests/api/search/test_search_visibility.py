"""Nobody finds a post they may not see: each visibility against each relationship.

Search is a discovery feature, so it finds less than a viewer may open: public posts for
everyone who may see them, other visibilities only for the author and their followers,
and direct messages never.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.search.helpers import drain, found, post
from tests.api.support import Person, register

# Who finds each post: (author, visibility) -> viewers.
FINDS = {
    ("ann", "public"): {"anonymous", "stranger", "follower", "pending", "ann", "lou"},
    ("ann", "unlisted"): {"follower", "ann"},
    ("ann", "private"): {"follower", "ann"},
    ("ann", "direct"): set(),
    # Lou's account is locked: only approved followers, whatever the visibility.
    ("lou", "public"): {"follower", "lou"},
    ("lou", "private"): {"follower", "lou"},
}


async def _act(client: httpx.AsyncClient, who: Person, path: str) -> None:
    response = await client.post(path, headers=who.headers)
    assert response.status_code == 200, response.text


async def test_each_visibility_for_each_relationship(app: FastAPI,
                                                     client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    lou = await register(client, "lou", locked=True)
    people = {name: await register(client, name)
              for name in ("stranger", "follower", "pending", "blocked")}
    for author in (ann, lou):
        await _act(client, people["follower"], f"/api/v1/accounts/{author.id}/follow")
        await _act(client, author, f"/api/v1/accounts/{people['blocked'].id}/block")
    await _act(client, people["pending"], f"/api/v1/accounts/{lou.id}/follow")
    await _act(client, lou, f"/api/v1/follow_requests/{people['follower'].id}/authorize")
    ids = {}
    for (author_name, visibility) in FINDS:
        author = ann if author_name == "ann" else lou
        ids[(author_name, visibility)] = await post(
            client, author, f"Zebra crossing, {visibility} @follower", visibility=visibility)
    await drain(app)

    viewers: dict[str, Person | None] = {"anonymous": None, "ann": ann, "lou": lou, **people}
    for name, viewer in viewers.items():
        expected = {ids[key] for key, finders in FINDS.items() if name in finders}
        assert set(await found(client, "zebra", viewer, limit="40")) == expected, name

    # Hidden at once: locking the account hides its public posts from strangers before
    # any worker has run.
    changed = await client.patch("/api/v1/accounts/update_credentials", headers=ann.headers,
                                 data={"locked": "true"})
    assert changed.status_code == 200, changed.text
    assert await found(client, "zebra", people["stranger"]) == []
    assert ids[("ann", "public")] in await found(client, "zebra", people["follower"])
