"""The `photofeed` command: serve, migrate."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from photofeed.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    """Flags override PHOTOFEED_* variables, which override the defaults."""
    overrides: dict[str, Any] = {key: value for key, value in vars(args).items()
                                 if value is not None and key in Settings.model_fields}
    return Settings(**overrides)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from photofeed.asgi import create_app

    settings = _settings(args)
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


def _migrate(args: argparse.Namespace) -> int:
    from photofeed.adapters.sql.migrate import current_revisions, migrate_all
    from photofeed.adapters.sql.router import ShardRouter

    settings = _settings(args)

    async def run() -> list[str | None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        router = ShardRouter.from_urls(settings.database_urls)
        try:
            await migrate_all(router)
            return await current_revisions(router)
        finally:
            await router.dispose()

    revisions = asyncio.run(run())
    print(f"migrated {len(revisions)} database(s) to {', '.join(map(str, set(revisions)))}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photofeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--role", choices=["read", "write", "all"])
    serve.set_defaults(run=_serve)
    migrate = commands.add_parser("migrate", help="bring every database to the newest schema")
    migrate.set_defaults(run=_migrate)
    for sub in (serve, migrate):
        sub.add_argument("--data-dir", dest="data_dir", type=Path)
        sub.add_argument("--database-url", dest="database_url")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
