"""``python -m questions stats``: the item analysis of ``questions.stats`` from the answers
stored at DATABASE_URL (the bot's database, SQLite or PostgreSQL), printed as a table.

The database is only read: a missing SQLite file is an error, not a new empty database.
"""

from __future__ import annotations

import asyncio
import os
from typing import TextIO

from questions.model import Bank
from questions.stats import ItemStats, analyse, report
from storage import analytics
from storage.backend import StorageError
from storage.db import Store
from storage.queries import Queries
from storage.url import DEFAULT_DATABASE_URL

Reads = tuple[list[analytics.AnswerRow], dict[str, int]]


def _read(q: Queries) -> Reads:
    return analytics.answer_rows(q), analytics.open_dispute_counts(q)


async def item_stats(bank: Bank, database_url: str) -> list[ItemStats]:
    store = await Store.open(database_url, migrate=False)
    try:
        answers, disputes = await store.read(_read)
    finally:
        await store.close()
    return analyse(bank, answers, disputes)


def print_stats(bank: Bank, out: TextIO, err: TextIO, database_url: str | None = None) -> int:
    url = database_url or os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        items = asyncio.run(item_stats(bank, url))
    except StorageError as exc:
        err.write(f"{exc}\n")
        return 2
    out.write(report(items))
    return 0
