"""Storage write path: our Store (async, one trip per unit) vs raw sqlite3, same statements."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bench.common import Row, Stopwatch
from storage.db import Store
from storage.queries import Queries
from storage.schema import MIGRATIONS

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _seed(q: Queries, users: int) -> None:
    for uid in range(1, users + 1):
        q.upsert_user(uid, f"u{uid}", NOW)
    q.create_round(
        chat_id=1,
        chat_kind="private",
        owner_id=1,
        questions=[("q", [0, 1])],
        open_period=None,
        label="",
        now=NOW,
    )


def _answer(q: Queries, index: int, users: int) -> None:
    """The storage writes of one answer: the answer row and its totals on two boards."""
    uid = index % users + 1
    correct = index % 3 != 0
    q.insert_answer(
        round_id=1,
        position=index,
        question_id=f"q{index}",
        user_id=uid,
        chat_id=1,
        chosen=0,
        correct=correct,
        elapsed_ms=1500,
        answered_at=NOW + timedelta(seconds=index),
        week="2026-W48",
    )
    for board in ("all", "week:2026-W48"):
        q.add_to_board(board, uid, int(correct), 1500 if correct else 0)


def _raw(path: Path, answers: int, users: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    for script in MIGRATIONS:
        conn.executescript(script)
    q = Queries(conn)
    conn.execute("BEGIN")
    _seed(q, users)
    conn.execute("COMMIT")
    with Stopwatch() as watch:
        for index in range(answers):
            conn.execute("BEGIN IMMEDIATE")
            _answer(q, index, users)
            conn.execute("COMMIT")
    conn.close()
    return answers / watch.seconds


async def _ours(path: Path, answers: int, users: int) -> float:
    store = await Store.open(f"sqlite:///{path}")
    await store.write(lambda q: _seed(q, users))
    with Stopwatch() as watch:
        for index in range(answers):  # awaited one by one: no group commit helps here
            await store.write(partial(_answer, index=index, users=users))
    await store.close()
    return answers / watch.seconds


async def storage_write(answers: int, users: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        raw = _raw(Path(tmp) / "raw.sqlite3", answers, users)
        ours = await _ours(Path(tmp) / "ours.sqlite3", answers, users)
    ratio = ours / raw
    return Row(
        f"Storage write path ({answers:,} answers, commit each)",
        f"{ours:,.0f} answers/s Store.write (async)",
        f"{raw:,.0f} answers/s raw sqlite3",
        ratio,
        "≥ 0.3",
        ratio >= 0.3,
    )
