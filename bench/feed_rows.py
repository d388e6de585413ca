"""Rows of the synthetic graph in the shapes of photofeed's tables, ready for executemany."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np

from feed_graph import DAY_MS, VISIBILITIES, Graph
from photofeed import ids
from photofeed.adapters.sql import codec
from photofeed.domain.media import MediaAttachment, Variant
from photofeed.domain.oauth import secret_hash

# (table, its columns, the rows in primary-key order)
Rows = tuple[str, tuple[str, ...], Iterator[tuple[Any, ...]]]
CLIENT_ID = "photofeed-bench-feed"
SCOPES = "read write follow push"
TAGS = ("sunset", "travel", "food", "cats", "street", "portrait", "nature", "city")
_MEDIA_ID, _OWNER_ID, _POST_ID = 111_111_111_111_111_111, 222_222_222_222_222_222, \
    333_333_333_333_333_333
_WHEN = datetime(2000, 1, 1, tzinfo=UTC)


def sql_time(ms: int) -> str:
    """The text form SQLAlchemy stores datetimes in on SQLite."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _media_template() -> str:
    # One photo with the variants the media pipeline makes, serialised the way the post
    # store does; each post then swaps in its own IDs and time.
    variants = {name: Variant(key=f"{_MEDIA_ID}/{name}.{ext}", width=w, height=h,
                              mime=f"image/{ext}", size=w * h // 8)
                for name, ext, w, h in (("original", "jpeg", 4032, 3024),
                                        ("large", "webp", 1080, 810),
                                        ("small", "webp", 320, 240))}
    media = MediaAttachment(
        id=_MEDIA_ID, account_id=_OWNER_ID, type="image", status="ready", variants=variants,
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj", description="", focus=None, duration=None,
        fps=None, post_id=_POST_ID, created_at=_WHEN)
    return codec.media_list_to_json((media,))


def account_rows(graph: Graph) -> list[Rows]:
    users = graph.params.users
    statuses = np.bincount(graph.post_author, minlength=users)
    last_post = np.zeros(users, dtype=np.int64)
    np.maximum.at(last_post, graph.post_author, np.arange(len(graph.post_ids)))
    recent, away = sql_time(graph.built_ms - 600_000), sql_time(graph.built_ms - 60 * DAY_MS)

    def accounts() -> Iterator[tuple[Any, ...]]:
        for i in range(users):
            account_id = int(graph.account_ids[i])
            created = sql_time(ids.ms_of(account_id))
            last_status = sql_time(ids.ms_of(int(graph.post_ids[last_post[i]]))) \
                if statuses[i] else None
            yield (account_id, f"u{i}", f"u{i}", f"u{i}@bench.invalid", "!", f"User {i}", "",
                   None, bool(graph.locked[i]), False, True, "en", created, created,
                   int(graph.followers_count[i]), int(graph.following_count[i]),
                   int(statuses[i]), last_status, away if graph.inactive[i] else recent)

    emails = ((f"u{i}@bench.invalid", int(graph.account_ids[i])) for i in range(users))
    return [("accounts", ("id", "username", "username_key", "email", "password_hash",
                          "display_name", "note", "avatar_key", "locked", "bot", "discoverable",
                          "locale", "created_at", "updated_at", "followers_count",
                          "following_count", "statuses_count", "last_status_at",
                          "last_active_at"), accounts()),
            ("account_emails", ("email_key", "account_id"), emails)]


def follow_rows(graph: Graph) -> list[Rows]:
    account_ids = graph.account_ids.tolist()
    src, dst = graph.follow_src.tolist(), graph.follow_dst.tolist()
    # The version only has to grow per edge; the edge's position does.
    follows = ((account_ids[s], account_ids[d], "accepted", n + 1)
               for n, (s, d) in enumerate(zip(src, dst, strict=True)))
    columns = ("account_id", "target_id", "state", "version")
    return [("follows", columns, follows)]


def post_rows(graph: Graph) -> list[Rows]:
    template = _media_template()
    when = _WHEN.isoformat()
    likes = np.random.default_rng(graph.params.seed + 2).zipf(2.0, len(graph.post_ids)) - 1
    account_ids = graph.account_ids.tolist()
    authors = graph.post_author.tolist()
    post_ids = graph.post_ids.tolist()

    def posts() -> Iterator[tuple[Any, ...]]:
        for n, post_id in enumerate(post_ids):
            author = account_ids[authors[n]]
            ms = ids.ms_of(post_id)
            media = template.replace(str(_MEDIA_ID), str(post_id + 1)).replace(
                str(_OWNER_ID), str(author)).replace(str(_POST_ID), str(post_id)).replace(
                when, datetime.fromtimestamp(ms / 1000, UTC).isoformat())
            tag = TAGS[n % len(TAGS)]
            yield (post_id, author, f"Photo {n}", f"Out and about, day {n % 365} #{tag}",
                   VISIBILITIES[graph.post_visibility[n]], False, "", "en", None, None,
                   post_id, media, "[]", f'["{tag}"]', sql_time(ms), None,
                   min(int(likes[n]), 100_000), 0)

    return [("posts", ("id", "account_id", "title", "caption", "visibility", "sensitive",
                       "spoiler_text", "language", "in_reply_to_id", "in_reply_to_account_id",
                       "root_id", "media_json", "mentions_json", "tags_json", "created_at",
                       "edited_at", "favourites_count", "replies_count"), posts())]


def reader_tokens(graph: Graph, readers: int) -> list[tuple[str, int]]:
    """(bearer token, account number) for the accounts the benchmark reads as."""
    rng = np.random.default_rng(graph.params.seed + 1)
    eligible = np.where(~graph.inactive & (graph.following_count > 0))[0]
    chosen = rng.choice(eligible, size=min(readers, len(eligible)), replace=False)
    return [(f"bench-{int(i)}-" + hashlib.sha256(f"{graph.params.key}/{i}".encode())
             .hexdigest()[:24], int(i)) for i in chosen]


def token_rows(graph: Graph, readers: int) -> list[Rows]:
    created = sql_time(graph.built_ms)
    app = iter([(CLIENT_ID, int(graph.account_ids[0]) + 1, secret_hash(CLIENT_ID), "bench",
                 None, "urn:ietf:wg:oauth:2.0:oob", SCOPES, created)])
    tokens = ((secret_hash(token), CLIENT_ID, int(graph.account_ids[i]), SCOPES, created,
               None, None) for token, i in reader_tokens(graph, readers))
    return [("oauth_apps", ("client_id", "id", "client_secret_hash", "name", "website",
                            "redirect_uris", "scopes", "created_at"), app),
            ("oauth_tokens", ("token_hash", "client_id", "account_id", "scopes", "created_at",
                              "expires_at", "revoked_at"), tokens)]


# Tables that follow from the ones above, filled by SQLite itself: far faster than
# sending the same values through Python again.
DERIVED = [
    "INSERT INTO followers (target_id, account_id, state, version) "
    "SELECT target_id, account_id, state, version FROM follows ORDER BY target_id, account_id",
    "INSERT INTO account_posts (account_id, post_id, is_reply, has_media, visibility, pinned) "
    "SELECT account_id, id, 0, 1, visibility, 0 FROM posts ORDER BY account_id, id",
    "INSERT INTO post_tags (tag, post_id) "
    "SELECT json_extract(tags_json, '$[0]'), id FROM posts ORDER BY 1, 2",
]
