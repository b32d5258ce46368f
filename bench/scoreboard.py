"""Scoreboards at scale: ``/top`` (the top ten, the player's own rank and the board's size,
one read through the engine) on a database with a million players, on both backends."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, Stopwatch, percentile
from bot.engine import scoring
from bot.engine.quiz import QuizEngine
from questions.loader import load_default_bank
from storage.db import Store
from storage.models import to_text

TARGET_MS = 5.0


def _points(users: int) -> Iterator[tuple[int, int]]:
    """Skewed like real play: most players a few points, a few very many."""
    rng = random.Random(42)
    for uid in range(1, users + 1):
        yield uid, min(int(rng.paretovariate(1.3)) - 1, 5000)


def _fill_sqlite(path: Path, users: int, week: str) -> None:
    now = to_text(datetime.now(UTC))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # the generator only
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        ((uid, f"player {uid}", now, now) for uid in range(1, users + 1)),
    )
    for board, share in (("all", 1), (week, 3)):
        conn.executemany(
            "INSERT INTO scores (board, user_id, points, answered, time_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                (board, uid, p // share, p + 3, p * 900 + uid % 997)
                for uid, p in _points(users)
                if uid % share == 0
            ),
        )
        conn.execute(
            "INSERT INTO board_points (board, points, users) "
            "SELECT board, points, COUNT(*) FROM scores WHERE board = ? GROUP BY points",
            (board,),
        )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _fill_postgres(url: str, users: int, week: str) -> None:
    import psycopg  # noqa: PLC0415 - the optional driver

    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO users (id, name, created_at, updated_at) "
            "SELECT g, 'player ' || g, now(), now() FROM generate_series(1, %s) g",
            (users,),
        )
        with conn.cursor().copy(
            "COPY scores (board, user_id, points, answered, time_ms) FROM STDIN"
        ) as copy:
            for board, share in (("all", 1), (week, 3)):
                for uid, p in _points(users):
                    if uid % share == 0:
                        copy.write_row((board, uid, p // share, p + 3, p * 900 + uid % 997))
        conn.execute(
            "INSERT INTO board_points (board, points, users) "
            "SELECT board, points, COUNT(*) FROM scores GROUP BY board, points"
        )
    # As after any bulk load: vacuum, and let the checkpoint happen before measuring.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        with contextlib.suppress(psycopg.Error):  # needs a privileged role
            conn.execute("CHECKPOINT")


async def _measure(store: Store, users: int, week: str, repeats: int, label: str) -> list[Row]:
    quiz = QuizEngine(load_default_bank(), store, rng=random.Random(1))
    samples = {"top": 1, "middle": users // 2, "bottom": users}
    rows = []
    for scope, board in (("all", "all-time"), ("week", f"weekly ({week})")):
        for _ in range(10):  # every pooled connection has prepared the statement once
            for user_id in samples.values():
                await quiz.board(scope, user_id)
        timings: list[float] = []
        for _ in range(repeats):
            for user_id in samples.values():
                with Stopwatch() as watch:
                    shown = await quiz.board(scope, user_id)
                timings.append(watch.seconds * 1000)
        assert shown.players > 0  # noqa: S101
        p50, p99 = percentile(timings, 50), percentile(timings, 99)
        rows.append(
            Row(
                f"/top + own rank, {label}, {board} board, {users:,} players",
                f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                f"{len(timings)} reads (top, middle and bottom players)",
                None,
                f"p99 < {TARGET_MS:.0f} ms",
                p99 < TARGET_MS,
            )
        )
    return rows


async def sqlite_boards(users: int, repeats: int) -> list[Row]:
    week = scoring.week_board(scoring.current_week(datetime.now(UTC)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "boards.sqlite3"
        await (await Store.open(f"sqlite:///{path}")).close()
        start = time.perf_counter()
        _fill_sqlite(path, users, week)
        filled = time.perf_counter() - start
        store = await Store.open(f"sqlite:///{path}")
        rows = await _measure(store, users, week, repeats, f"SQLite (filled in {filled:.0f} s)")
        await store.close()
    return rows


async def postgres_boards(url: str | None, users: int, repeats: int) -> list[Row]:
    if url is None:
        return [
            Row(
                f"/top + own rank, PostgreSQL, {users:,} players",
                "not run: no PostgreSQL server",
                "—",
                None,
                f"p99 < {TARGET_MS:.0f} ms",
                False,
            )
        ]
    week = scoring.week_board(scoring.current_week(datetime.now(UTC)))
    start = time.perf_counter()
    _fill_postgres(url, users, week)
    filled = time.perf_counter() - start
    store = await Store.open(url)
    try:
        return await _measure(
            store, users, week, repeats, f"PostgreSQL (filled in {filled:.0f} s)"
        )
    finally:
        await store.close()
