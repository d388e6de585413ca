"""The `photofeed` command: serve, worker, migrate, feeds rebuild, shards show | move."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from photofeed.cli import feeds, migrate, seed, serve, shards, worker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photofeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (serve, worker, migrate, feeds, shards, seed):
        added = module.add_parser(commands)
        for sub in added if isinstance(added, list) else [added]:
            sub.add_argument("--data-dir", dest="data_dir", type=Path,
                             help="where the SQLite file and media live (default ./data)")
            sub.add_argument("--database-url", dest="database_url",
                             help="comma-separated database URLs, one per shard database")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
