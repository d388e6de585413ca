"""Posts, likes, replies, follow requests and paging, driven by an unmodified Mastodon.py."""

from __future__ import annotations

from mastodon import Mastodon

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "a long enough password"


def _sign_up(url: str, client_id: str, secret: str, username: str) -> Mastodon:
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
    api.create_account(username, PASSWORD, f"{username}@example.com", agreement=True,
                       scopes=SCOPES)
    return api


def test_mastodon_py_posts_follows_and_pages(live_server: str) -> None:
    client_id, secret = Mastodon.create_app("photofeed tests", scopes=SCOPES,
                                            api_base_url=live_server)
    ann = _sign_up(live_server, client_id, secret, "ann")
    _sign_up(live_server, client_id, secret, "cat")
    # Cat comes back later and signs in with a password, as a script would.
    cat = Mastodon(client_id=client_id, client_secret=secret, api_base_url=live_server)
    cat.log_in("cat@example.com", PASSWORD, scopes=SCOPES)
    cat_id = cat.me().id
    cat.account_update_credentials(locked=True)

    asked = ann.account_follow(cat_id)
    assert (asked.requested, asked.following) == (True, False)
    assert [a.acct for a in cat.follow_requests()] == ["ann"]
    approved = cat.follow_request_authorize(ann.me().id)
    assert approved.followed_by is True
    assert cat.follow_requests() == []

    posts = [cat.status_post(f"Photo {n} #cats", visibility="private") for n in range(5)]
    assert posts[0].tags[0].name == "cats"
    liked = ann.status_favourite(posts[-1])
    assert (liked.favourited, liked.favourites_count) == (True, 1)
    reply = ann.status_reply(posts[-1], "So cute!")
    assert reply.in_reply_to_id == posts[-1].id
    assert reply.visibility == "private"  # Mastodon.py keeps the post's visibility
    assert [m.acct for m in reply.mentions] == ["cat"]

    # Ann pages through Cat's profile, two posts at a time, with the Link header.
    seen = []
    page = ann.account_statuses(cat_id, limit=2, exclude_replies=True)
    while page:
        seen += [status.id for status in page]
        page = ann.fetch_next(page)
    assert seen == [post.id for post in reversed(posts)]
    assert ann.account_statuses(cat_id)[0].favourited is True
