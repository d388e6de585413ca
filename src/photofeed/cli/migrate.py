"""photofeed migrate: bring every database to the newest schema."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from photofeed.cli.common import settings_from


def add_parser(commands: Any) -> argparse.ArgumentParser:
    migrate = commands.add_parser("migrate", help="bring every database to the newest schema")
    migrate.set_defaults(run=run)
    return migrate  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    from photofeed.adapters.sql.migrate import current_revisions, migrate_all
    from photofeed.bootstrap import make_router

    settings = settings_from(args)

    async def run() -> list[str | None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        router = make_router(settings)
        try:
            await router.check_reachable()
            await migrate_all(router)
            if await router.refresh():  # databases that shard moves brought in
                await migrate_all(router)
            return await current_revisions(router)
        finally:
            await router.dispose()

    revisions = asyncio.run(run())
    print(f"migrated {len(revisions)} database(s) to {', '.join(map(str, set(revisions)))}")
    return 0
