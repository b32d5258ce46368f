"""``python -m storage backup PATH`` (an online copy of the live SQLite file) and
``python -m storage copy SOURCE_URL TARGET_URL`` (move between SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from storage.backend import StorageError
from storage.copy import copy_database
from storage.sqlite import backup_file
from storage.url import DEFAULT_DATABASE_URL, parse_database_url


def _backup(target: Path) -> None:
    url = parse_database_url(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)
    if url.path is None:
        raise StorageError("backup copies SQLite files; for PostgreSQL use pg_dump")
    backup_file(url, target)
    print(f"backed up {url.display()} to {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="copy the SQLite database (safe while running)")
    backup.add_argument("path", type=Path, help="a new file; it is created with mode 0600")
    copy = commands.add_parser("copy", help="copy a whole database into an empty one")
    copy.add_argument("source", help="DATABASE_URL to read, e.g. sqlite:////data/quiz.sqlite3")
    copy.add_argument("target", help="an empty database, e.g. postgresql://u:p@host:5432/db")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        if args.command == "backup":
            _backup(args.path)
        else:
            counts = asyncio.run(copy_database(args.source, args.target))
            total = sum(counts.values())
            print(f"copied {total} rows in {len(counts)} tables; every count verified")
    except (StorageError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
