"""Post search end to end: ranking, prefixes, accents, hashtags, alt text, paging, deletion.

Runs on every backend (one SQLite file, two SQLite shards, PostgreSQL): FTS5 and tsvector
must give the same answers to these questions.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.media_support import ready_photo
from tests.api.search.helpers import drain, found, post, search
from tests.api.support import register


async def test_ranking_prefixes_accents_and_tags(app: FastAPI,
                                                 client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    # bm25 weighs a word by how rare it is in each database. Posts are spread evenly over
    # the databases, so at any real size their statistics agree; a dozen unrelated posts
    # keep a near-empty test shard from skewing them (a word in most of a database's
    # posts scores next to nothing there).
    for n in range(12):
        await post(client, ann, f"Filler {n}", title="Nothing to see")
    in_title = await post(client, ann, "Quiet morning, nothing else", title="Lake at dawn")
    # Newer, so recency favours it: the title match must still win.
    in_caption = await post(client, ann, "We walked to the lake and back", title="Walk")
    scattered = await post(client, ann, "A golden light, and later the hour of blue",
                           title="Evening")
    adjacent = await post(client, ann, "Golden hour over the water", title="Evening")
    creme = await post(client, ann, "Crème brûlée at the Café #Dessert", title="Sweet")
    photo = await ready_photo(app, ann.id, description="A heron standing in reeds")
    heron = await post(client, ann, "Spotted today", title="Birding",
                       media_ids=[photo])
    sunsets = await post(client, ann, "Beautiful sunsets all week", title="Sunsets")
    await drain(app)

    assert await found(client, "lake") == [in_title, in_caption]
    assert (await found(client, "golden hour"))[:2] == [adjacent, scattered]
    assert await found(client, '"golden hour"') == [adjacent]
    assert await found(client, "creme BRULEE") == [creme]
    assert await found(client, "café") == [creme]
    assert await found(client, "#dessert") == [creme]
    assert await found(client, "dessert ") == [creme], "a tag is a word of the post too"
    assert await found(client, "heron") == [heron], "alt text is searched"
    assert await found(client, "sunset ") == [sunsets], "stems: sunset finds sunsets"
    assert await found(client, "beautif") == [sunsets], "the last word is a prefix"
    assert await found(client, "beautif ") == [], "a finished word is not a prefix"
    assert await found(client, "lake", account_id=ann.id) == [in_title, in_caption]

    tags = (await search(client, "#dess", type="hashtags"))["hashtags"]
    assert [t["name"] for t in tags] == ["dessert"]
    assert len(tags[0]["history"]) == 7
    assert (tags[0]["history"][0]["uses"], tags[0]["history"][0]["accounts"]) == ("1", "1")
    one = await client.get("/api/v1/tags/Dessert")
    assert one.status_code == 200, one.text
    assert one.json()["name"] == "dessert"
    assert (await client.get("/api/v1/tags/unheardof")).status_code == 404


async def test_pages_fill_and_deleted_posts_vanish_at_once(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    bob = await register(client, "bob")
    posts = [await post(client, bob, f"Harbour boats, take {n}") for n in range(7)]
    await drain(app)

    pages = [await found(client, "harbour", limit="3", offset=str(start))
             for start in (0, 3, 6)]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(id_ for page in pages for id_ in page) == sorted(posts)
    assert pages[0] == posts[::-1][:3], "equal relevance: newest first"

    gone = posts[-1]
    response = await client.delete(f"/api/v1/statuses/{gone}", headers=bob.headers)
    assert response.status_code == 200, response.text
    assert gone not in await found(client, "harbour", limit="10"), "before the worker ran"
    await drain(app)
    assert sorted(await found(client, "harbour", limit="10")) == sorted(posts[:-1])
