"""photofeed worker: a feed worker consuming the outbox until told to stop."""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import timedelta
from typing import Any

import prometheus_client

from photofeed import bootstrap, logs
from photofeed.cli.common import settings_from
from photofeed.workers.periodic import run_periodically
from photofeed.workers.runner import OutboxWorker


def add_parser(commands: Any) -> argparse.ArgumentParser:
    worker = commands.add_parser("worker", help="run a feed worker (as many as you like)")
    worker.add_argument("--metrics-port", dest="metrics_port", type=int,
                        help="serve this worker's Prometheus metrics (event lag, media "
                             "processing time) at http://HOST:PORT/metrics")
    worker.set_defaults(run=run)
    return worker  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    logs.configure()
    settings = settings_from(args)
    if args.metrics_port is not None:
        # A daemon thread: it goes with the process, which leaves once its batch is done.
        prometheus_client.start_http_server(args.metrics_port, addr=settings.host)

    async def main() -> None:
        container = await bootstrap.build(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Finish the batch in hand, then leave; unfinished leases lapse for others.
            loop.add_signal_handler(sig, stop.set)
        worker = OutboxWorker(container.outbox, container.handlers,
                              lease=timedelta(seconds=settings.outbox_lease_seconds))
        print(f"photofeed worker {worker.owner} started", flush=True)
        try:
            await asyncio.gather(worker.run_forever(stop),
                                 run_periodically(container.periodic_jobs, stop))
        finally:
            await container.close()

    asyncio.run(main())
    return 0
