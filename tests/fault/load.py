"""Mixed load from a separate process: posts, follows, likes and feed reads, for a while.

Usage: python -m tests.fault.load BASE_URL PEOPLE_JSON SECONDS OUT_JSON
Writes what was acknowledged and what failed (after one retry of a failed read).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CONCURRENCY = 6


async def _session(client: httpx.AsyncClient, people: list[dict[str, str]], until: float,
                   result: dict[str, list[Any]], rng: random.Random) -> None:
    while time.monotonic() < until:
        me = rng.choice(people)
        headers = {"Authorization": f"Bearer {me['token']}"}
        roll = rng.random()
        if roll < 0.3:
            key = f"{me['id']}-{rng.getrandbits(64)}"
            response = await _send(client, "POST", "/api/v1/statuses", headers | {
                "Idempotency-Key": key}, {"status": f"load {key}"}, result)
            if response is not None and response.status_code == 200:
                result["posts"].append([response.json()["id"], me["id"]])
        elif roll < 0.5:
            other = rng.choice(people)
            await _send(client, "POST", f"/api/v1/accounts/{other['id']}/follow", headers,
                        None, result, ok=(200, 409, 422))
        elif roll < 0.65 and result["posts"]:
            post_id, _ = rng.choice(result["posts"])
            await _send(client, "POST", f"/api/v1/statuses/{post_id}/favourite", headers,
                        None, result)
        else:
            await _send(client, "GET", "/api/v1/timelines/home", headers, None, result)


async def _send(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str],
                data: dict[str, str] | None, result: dict[str, list[Any]],
                ok: tuple[int, ...] = (200,)) -> httpx.Response | None:
    attempts = 2 if method == "GET" or "Idempotency-Key" in headers else 1
    for attempt in range(attempts):
        started = time.time()
        try:
            response = await client.request(method, path, headers=headers, data=data)
        except httpx.TransportError as error:
            failure: list[Any] = [method, path, type(error).__name__, started]
        else:
            if response.status_code in ok:
                result["ok"].append([method, started])
                return response
            failure = [method, path, response.status_code, started]
        if attempt + 1 == attempts:
            result["failed"].append(failure)
        else:
            result["retried"].append(failure)
    return None


async def main(base_url: str, people: list[dict[str, str]],
               seconds: float) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = {"posts": [], "ok": [], "failed": [], "retried": []}
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        await asyncio.gather(*(_session(client, people, until, result, random.Random(i))
                               for i in range(CONCURRENCY)))
    return result


if __name__ == "__main__":
    crowd = json.loads(Path(sys.argv[2]).read_text())
    outcome = asyncio.run(main(sys.argv[1], crowd, float(sys.argv[3])))
    Path(sys.argv[4]).write_text(json.dumps(outcome))
