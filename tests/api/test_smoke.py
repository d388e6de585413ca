from __future__ import annotations

import httpx


async def test_instance_answers_with_and_without_trailing_slash(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance/"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.json()["version"].startswith("4.")
