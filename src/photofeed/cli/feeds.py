"""photofeed feeds rebuild: recompute stored feeds from the graph and the posts."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from photofeed import bootstrap
from photofeed.cli.common import settings_from


def add_parser(commands: Any) -> argparse.ArgumentParser:
    feeds = commands.add_parser("feeds", help="manage the stored News Feeds")
    actions = feeds.add_subparsers(dest="action", required=True)
    rebuild = actions.add_parser("rebuild", help="rebuild feeds from the source of truth")
    rebuild.add_argument("--user", help="only this username (default: everyone)")
    rebuild.set_defaults(run=run)
    return rebuild  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args).model_copy(update={"inprocess_workers": False})

    async def main() -> int:
        container = await bootstrap.build(settings)
        try:
            if args.user:
                account = await container.accounts.lookup(args.user, domain=settings.domain)
                readers = [account.id]
            else:
                readers = await container.accounts.all_ids()
            total = 0
            for done, reader in enumerate(readers, 1):
                total += await container.fanout.rebuild(reader)
                if done % 1000 == 0 or done == len(readers):
                    print(f"\rrebuilt {done}/{len(readers)} feeds", end="", flush=True)
            print(f"\n{total} feed entries written")
            return 0
        finally:
            await container.close()

    return asyncio.run(main())
