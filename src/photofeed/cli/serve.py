"""photofeed serve: the web UI and API."""

from __future__ import annotations

import argparse
import socket
from typing import Any

from photofeed.cli.common import settings_from


def add_parser(commands: Any) -> argparse.ArgumentParser:
    serve = commands.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--role", choices=["read", "write", "all"])
    serve.set_defaults(run=run)
    return serve  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from photofeed.asgi import create_app

    settings = settings_from(args)
    # Bind before starting so the printed URL carries the real port, even for --port 0.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    port = sock.getsockname()[1]
    if not settings.public_url:
        settings = settings.model_copy(update={"port": port})
    config = uvicorn.Config(create_app(settings), log_level="info", server_header=False,
                            proxy_headers=False)
    print(f"photofeed is listening on {settings.base_url}/", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
