"""photofeed shards show | move: the shard map, and moving logical shards between databases."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from photofeed.cli.common import settings_from


def add_parser(commands: Any) -> list[argparse.ArgumentParser]:
    shards = commands.add_parser("shards", help="show the shard map, move logical shards")
    actions = shards.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print the current shard map and moves")
    show.add_argument("--with-passwords", action="store_true",
                      help="print the map as a PHOTOFEED_SHARDS value with its passwords, "
                           "to copy into configuration")
    show.set_defaults(run=run_show)
    move = actions.add_parser(
        "move", help="move a range of logical shards to another database while serving")
    move.add_argument("range", help="logical shards FIRST-LAST, e.g. 1024-2047")
    move.add_argument("--to", dest="target", required=True, metavar="URL",
                      help="the PostgreSQL database to move them to (migrated first)")
    move.add_argument("--grace", type=float, metavar="SECONDS",
                      help="wait this long after the switch before deleting the old copy "
                           "(default: 5 x PHOTOFEED_SHARD_MAP_REFRESH_SECONDS, at least 2)")
    move.add_argument("--abort", action="store_true",
                      help="abandon the unfinished move of this range to this database "
                           "(its mover died before the switch): delete the copies on the "
                           "target, let writes to the range resume, mark it failed")
    move.set_defaults(run=run_move)
    return [show, move]  # both take the common --data-dir / --database-url flags


def run_show(args: argparse.Namespace) -> int:
    from photofeed.adapters.sql import shard_moves
    from photofeed.adapters.sql.shard_map import describe_map, replicas_by_database, safe_url
    from photofeed.bootstrap import make_router

    settings = settings_from(args)

    async def main() -> int:
        router = make_router(settings)
        try:
            await router.refresh()
            moves = await shard_moves.load(router.directory)
        finally:
            await router.dispose()
        print("logical shards  database")
        for shard_range in router.ranges:
            print(f"{shard_range.first:>5}-{shard_range.last:<5}   {safe_url(shard_range.url)}")
        for move in moves:
            print(f"move {move.id}: {move.first}-{move.last} {safe_url(move.source_url)} -> "
                  f"{safe_url(move.target_url)} {move.state} "
                  f"({move.updated_at:%Y-%m-%d %H:%M:%S} UTC)")
        value = describe_map(router.ranges, replicas_by_database(router.configured),
                             passwords=args.with_passwords)
        hidden = "" if args.with_passwords else " (passwords hidden: --with-passwords shows them)"
        print(f"as PHOTOFEED_SHARDS{hidden}: {value}")
        return 0

    return asyncio.run(main())


def run_move(args: argparse.Namespace) -> int:
    from photofeed.adapters.sql.engines import make_engine
    from photofeed.adapters.sql.migrate import migrate_engine
    from photofeed.adapters.sql.shard_map import normalise_url, safe_url
    from photofeed.adapters.sql.shard_mover import MoveRefused, ShardMover, parse_range, plan
    from photofeed.bootstrap import make_router

    settings = settings_from(args)
    grace = args.grace if args.grace is not None else \
        max(2.0, 5 * settings.shard_map_refresh_seconds)

    def report(line: str) -> None:
        print(line, flush=True)

    async def main() -> None:
        first, last = parse_range(args.range)
        router = make_router(settings)
        try:
            await router.refresh()
            move = plan(router.ranges, router.urls[0], first, last, args.target)
        finally:
            await router.dispose()
        mover = ShardMover(move, report=report, grace_seconds=grace)
        if args.abort:
            report(f"aborting the move of logical shards {first}-{last} to "
                   f"{safe_url(move.target_url)}")
            await mover.abort()
            return
        target = make_engine(normalise_url(args.target))
        try:
            report(f"migrating the target {safe_url(move.target_url)}")
            await asyncio.wait_for(migrate_engine(target), 60)
        except Exception as exc:
            raise MoveRefused(f"the target database {safe_url(move.target_url)} is unreachable "
                              f"or cannot be migrated: {exc}") from exc
        finally:
            await target.dispose()
        report(f"moving logical shards {first}-{last} from {safe_url(move.source_url)} to "
               f"{safe_url(move.target_url)}")
        await mover.run()

    try:
        asyncio.run(main())
    except (MoveRefused, ValueError) as exc:
        print(f"photofeed shards move: {exc}", file=sys.stderr)
        return 2
    return 0
