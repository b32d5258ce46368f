"""``python -m storage copy SOURCE_URL TARGET_URL``: move a whole database between backends.

The target is migrated to the current schema and must be empty; the source must be at the
current schema version. Rows keep their ids; PostgreSQL's identity counters are moved past
them. Row counts are verified table by table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from storage.backend import StorageError
from storage.db import Store
from storage.queries import Queries
from storage.sql import Dialect

log = logging.getLogger(__name__)

# Every table, parents before children (foreign keys). Leases are not copied: they belong to
# the workers of the old database.
TABLES = (
    "users",
    "rounds",
    "round_questions",
    "answers",
    "awards",
    "scores",
    "board_points",
    "cards",
    "reminders",
    "disputes",
    "pending_inputs",
    "inbox",
    "jobs",
    "chats",
    "early_votes",
    "daily_quizzes",
    "challenges",
    "challenge_attempts",
    "question_codes",
)
# Leases belong to the old database's workers; sign-ins to its dashboard sessions.
NOT_COPIED = ("inbox_leases", "leases", "schema_version", "login_tokens", "dashboard_sessions")
IDENTITY_TABLES = ("rounds", "answers", "disputes", "inbox")


def _columns(q: Queries, table: str) -> list[str]:
    return q.sql.columns(table)


def _booleans(q: Queries, table: str) -> set[str]:
    if q.dialect is not Dialect.POSTGRES:
        return set()
    rows = q.sql.all(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? AND data_type = 'boolean'",
        (table,),
    )
    return {r["column_name"] for r in rows}


def _convert(rows: Sequence[tuple[Any, ...]], columns: Sequence[str], booleans: set[str]) -> Any:
    flags = [i for i, c in enumerate(columns) if c in booleans]
    if not flags:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i in flags:
            if values[i] is not None:
                values[i] = bool(values[i])
        out.append(tuple(values))
    return out


def _reset_identity(q: Queries, table: str) -> None:
    if q.dialect is Dialect.POSTGRES:
        q.sql.one(
            "SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 1), "
            f"MAX(id) IS NOT NULL) FROM {table}",
            (table,),
        )


async def copy_database(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row; return the row count per table."""
    source = await Store.open(source_url, migrate=False)
    try:
        target = await Store.open(target_url)
        try:
            return await _copy(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: Store, target: Store) -> dict[str, int]:
    filled = {}
    for table in TABLES:
        if count := await target.read(partial(_count, table=table)):
            filled[table] = count
    if filled:
        raise StorageError(f"the target is not empty ({filled}); copy into an empty database")
    counts: dict[str, int] = {}
    for table in TABLES:
        columns = await source.read(partial(_columns, table=table))
        rows = await source.read(partial(_rows, table=table, columns=columns))
        booleans = await target.read(partial(_booleans, table=table))
        await target.write(
            partial(_insert, table=table, columns=columns, rows=rows, flags=booleans)
        )
        copied = await target.read(partial(_count, table=table))
        if copied != len(rows):
            raise StorageError(f"{table}: {len(rows)} rows in the source, {copied} copied")
        counts[table] = copied
        log.info("copied %s: %d rows", table, copied)
    return counts


def _count(q: Queries, table: str) -> int:
    return q.count_rows(table)


def _rows(q: Queries, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    return q.table_rows(table, columns)


def _insert(
    q: Queries, table: str, columns: list[str], rows: list[tuple[Any, ...]], flags: set[str]
) -> None:
    if rows:
        q.insert_rows(table, columns, _convert(rows, columns, flags))
    if table in IDENTITY_TABLES:
        _reset_identity(q, table)
