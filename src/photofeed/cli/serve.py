"""photofeed serve: the web UI and API, on granian.

granian (a Rust HTTP server) is the server because of media: it sends files named by
`http.response.pathsend` from Rust, which serves a 200 KB photo several times faster than
any Python server writing the bytes itself (bench/media.py measures it). Each worker
process builds the application from the settings this command resolved, passed to it in
one environment variable.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from starlette.types import ASGIApp

from photofeed.cli.common import settings_from
from photofeed.config import Settings

SETTINGS_ENV = "PHOTOFEED_SERVE_SETTINGS_JSON"


def add_parser(commands: Any) -> argparse.ArgumentParser:
    serve = commands.add_parser("serve", help="run the web UI and API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int, help="0 picks a free port (printed at start)")
    serve.add_argument("--role", choices=["read", "write", "all"])
    serve.add_argument("--max-connections", dest="max_connections", type=int,
                       help="requests one server process handles at once; more get a 503 "
                            "with Retry-After (default 500)")
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes (each runs the app; default 1)")
    serve.set_defaults(run=run)
    return serve  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    # Imported here, before granian forks its workers, so they start without importing.
    import photofeed.asgi  # noqa: F401

    settings = settings_from(args)
    port = settings.port or _free_port(settings.host)
    taken = _cannot_listen(settings.host, port)
    if taken:
        # Said plainly, instead of granian's traceback from deep inside its start-up.
        print(f"photofeed: cannot listen on {settings.host}:{port}: {taken}", file=sys.stderr)
        return 1
    if not settings.public_url:
        settings = settings.model_copy(update={"port": port})
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    server = Server(f"{__name__}:app_from_environment", factory=True,
                    address=settings.host, port=port, interface=Interfaces.ASGI,
                    workers=max(1, args.workers), loop=Loops.auto, log_access=False,
                    workers_kill_timeout=settings.shutdown_grace_seconds,
                    # granian's own static route stays off: media goes through the app's
                    # front layer, which checks privacy and answers Range and 304.
                    static_path_mount=None)
    # Said once granian has bound the socket, before its workers start: connections made
    # from then on wait in the socket's queue rather than being refused.
    server.on_startup(lambda: print(f"photofeed is listening on {settings.base_url}/",
                                    flush=True))
    server.serve()
    return 0


def app_from_environment() -> ASGIApp:
    """The application, in a granian worker process, from the settings `run` resolved.

    Media requests are answered before the framework sees them (api/media_serving.py).
    """
    from photofeed import logs
    from photofeed.api.media_serving import MediaFront
    from photofeed.asgi import create_app

    logs.configure()
    app = create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))
    return MediaFront(app, root=app)


def _probe(host: str) -> socket.socket:
    """A TCP socket of the address family of `host`, to try binding with."""
    return socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_STREAM)


def _free_port(host: str) -> int:
    """A port nothing listens on now, for --port 0."""
    with _probe(host) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port (in use, no such address), or None."""
    with _probe(host) as probe:
        # As a listening server binds: a port whose old connections linger is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None
