"""Search as an unmodified Mastodon.py sees it, against a real `photofeed serve`."""

from __future__ import annotations

import time

from mastodon import Mastodon

SCOPES = ["read", "write", "follow", "push"]


def test_mastodon_py_search_v2(live_server: str) -> None:
    client_id, secret = Mastodon.create_app("photofeed tests", scopes=SCOPES,
                                            api_base_url=live_server)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=live_server)
    api.create_account("ann", "a long enough password", "ann@example.com", agreement=True,
                       scopes=SCOPES)
    posted = api.status_post("Lighthouse at dusk #coast")
    # The in-process worker indexes the post through the outbox: allow it a moment.
    deadline = time.monotonic() + 10
    while not (found := api.search_v2("lighthouse", result_type="statuses").statuses):
        assert time.monotonic() < deadline, "the post was not indexed within 10 s"
        time.sleep(0.1)
    assert [s.id for s in found] == [posted.id]

    everything = api.search_v2("coast")
    assert [t.name for t in everything.hashtags] == ["coast"]
    assert [s.id for s in everything.statuses] == [posted.id]
    assert [a.acct for a in api.search_v2("an", result_type="accounts").accounts] == ["ann"]
    assert api.search_v2("nothing like it").statuses == []
