"""``python -m storage backup PATH`` — an online, consistent copy of the live database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from storage.db import StorageError, Store
from storage.url import DEFAULT_DATABASE_URL


async def _backup(url: str, target: Path) -> None:
    store = await Store.open(url)
    try:
        await store.backup(target)
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="copy the database (safe while the bot runs)")
    backup.add_argument("path", type=Path, help="a new file; it is created with mode 0600")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        asyncio.run(_backup(url, args.path))
    except (StorageError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"backed up to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
