"""The store's write path against the driver doing the same statements by hand.

A unit like an answer's core: insert the answer, add to the player's score, move the round
on. Through the store, 64 concurrent callers each await their unit's commit (as handlers
do: group commit, an acknowledgement after COMMIT). By hand, one connection runs the same
statements, one transaction per unit, as fast as it can.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import Row, Stopwatch
from storage.db import Store
from storage.models import to_text
from storage.queries import Queries
from storage.sql import to_postgres

CALLERS = 64
TARGET = 0.3

INSERT_ANSWER = (
    "INSERT INTO answers (round_id, position, question_id, user_id, chat_id, chosen, correct, "
    "elapsed_ms, answered_at, week) VALUES (?, ?, ?, ?, ?, 0, ?, 900, ?, '2026-W49')"
)
ADD_SCORE = (
    "INSERT INTO scores (board, user_id, points, answered, time_ms) VALUES ('all', ?, 1, 1, 900) "
    "ON CONFLICT (board, user_id) DO UPDATE SET points = scores.points + 1, "
    "answered = scores.answered + 1, time_ms = scores.time_ms + 900"
)
MOVE_ROUND = "UPDATE rounds SET position = ?, updated_at = ? WHERE id = ?"


def _params(i: int, users: int, now: Any) -> list[tuple[str, tuple[Any, ...]]]:
    user = i % users + 1
    return [
        (INSERT_ANSWER, (user, i // users, f"q{i}", user, user, True, now)),
        (ADD_SCORE, (user,)),
        (MOVE_ROUND, (i // users + 1, now, user)),
    ]


def _unit(q: Queries, i: int, users: int, now: Any) -> None:
    for sql, params in _params(i, users, now):
        q.sql.run(sql, params)


def _seed(q: Queries, users: int, now: datetime) -> None:
    for uid in range(1, users + 1):
        q.sql.run(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (uid, f"player {uid}", now, now),
        )
        q.sql.run(
            "INSERT INTO rounds (id, chat_id, chat_kind, owner_id, state, size, created_at, "
            "updated_at) VALUES (?, ?, 'private', ?, 'active', 10, ?, ?)",
            (uid, uid, uid, now, now),
        )


async def _through_store(url: str, units: int, users: int, first: int) -> float:
    store = await Store.open(url)
    now = datetime.now(UTC)
    await store.write(partial(_seed, users=users, now=now))
    next_unit = iter(range(first, first + units))

    async def caller() -> None:
        for i in next_unit:
            await store.write(partial(_unit, i=i, users=users, now=now))

    with Stopwatch() as watch:
        await asyncio.gather(*(caller() for _ in range(CALLERS)))
    await store.close()
    return units / watch.seconds


def _sqlite_by_hand(path: Path, units: int, users: int, first: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    now = to_text(datetime.now(UTC))
    start = time.perf_counter()
    for i in range(first, first + units):
        conn.execute("BEGIN IMMEDIATE")
        for sql, params in _params(i, users, now):
            conn.execute(sql, params)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return units / seconds


def _postgres_by_hand(url: str, units: int, users: int, first: int) -> float:
    import psycopg  # noqa: PLC0415 - the optional driver

    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        for i in range(first, first + units):
            with conn.transaction():
                for sql, params in _params(i, users, now):
                    conn.execute(to_postgres(sql), params)
        seconds = time.perf_counter() - start
    return units / seconds


async def sqlite_write_path(units: int, users: int = 500) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "write.sqlite3"
        store_rate = await _through_store(f"sqlite:///{path}", units, users, 0)
        hand_rate = await asyncio.to_thread(_sqlite_by_hand, path, units, users, units)
    ratio = store_rate / hand_rate
    return Row(
        f"Write path, SQLite ({units:,} answer-like units of 3 statements)",
        f"{store_rate:,.0f} units/s through the store ({CALLERS} concurrent callers)",
        f"{hand_rate:,.0f} units/s by hand (sqlite3, one transaction each)",
        ratio,
        f"≥ {TARGET}",
        ratio >= TARGET,
    )


async def postgres_write_path(url: str | None, units: int, users: int = 500) -> Row:
    name = f"Write path, PostgreSQL ({units:,} answer-like units of 3 statements)"
    if url is None:
        return Row(name, "not run: no PostgreSQL server", "—", None, f"≥ {TARGET}", False)
    store_rate = await _through_store(url, units, users, 0)
    hand_rate = await asyncio.to_thread(_postgres_by_hand, url, units, users, units)
    ratio = store_rate / hand_rate
    return Row(
        name,
        f"{store_rate:,.0f} units/s through the store ({CALLERS} concurrent callers)",
        f"{hand_rate:,.0f} units/s by hand (psycopg, one transaction each)",
        ratio,
        f"≥ {TARGET}",
        ratio >= TARGET,
    )
