"""Scoreboards at scale: /top (top 10) plus own rank on a filled database."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import Row, Stopwatch, percentile
from storage.db import Store
from storage.schema import MIGRATIONS, SCHEMA_VERSION

WEEK = "week:2026-W48"


def fill(path: Path, users: int, answers: int) -> tuple[float, dict[str, list[int]]]:
    """Users with totals on the global and weekly boards (skewed like real play), the rank
    histogram, and ``answers`` answer rows. Returns seconds taken and sample users by board."""
    rng = random.Random(42)
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")  # generator only
    for script in MIGRATIONS:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
        ((uid, f"player {uid}") for uid in range(1, users + 1)),
    )
    totals: dict[str, list[tuple[int, int]]] = {"all": [], WEEK: []}
    for uid in range(1, users + 1):
        points = int(rng.paretovariate(1.3)) - 1  # most players few points, a few many
        totals["all"].append((uid, min(points, 5000)))
        if uid % 3 == 0:
            totals[WEEK].append((uid, min(points, 5000) // 4))
    for board, rows in totals.items():
        conn.executemany(
            "INSERT INTO scores (board, user_id, points, answered, time_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            ((board, uid, p, p + 3, p * 1000 + uid % 997) for uid, p in rows),
        )
        conn.execute(
            "INSERT INTO board_points (board, points, users) "
            "SELECT board, points, COUNT(*) FROM scores WHERE board = ? GROUP BY points",
            (board,),
        )
    conn.execute(
        "INSERT INTO rounds (id, chat_id, chat_kind, owner_id, state, size, created_at, "
        "updated_at) VALUES (1, 1, 'private', 1, 'finished', 1, 'x', 'x')"
    )
    conn.executemany(
        "INSERT INTO answers (round_id, position, question_id, user_id, chat_id, chosen, "
        "correct, elapsed_ms, answered_at, week) VALUES (1, ?, ?, ?, 1, 0, 1, 900, 'x', 'w')",
        ((i, f"q{i}", i % users + 1) for i in range(answers)),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    samples = {}
    for board, rows in totals.items():
        ordered = sorted(rows, key=lambda r: (-r[1], r[0]))
        samples[board] = [ordered[0][0], ordered[len(ordered) // 2][0], ordered[-1][0]]
    return time.perf_counter() - start, samples


async def scoreboards(users: int, answers: int, repeats: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "boards.sqlite3"
        seconds, samples = fill(path, users, answers)
        size_mib = path.stat().st_size / 2**20
        store = await Store.open(f"sqlite:///{path}")
        for board, label in (("all", "global"), (WEEK, "weekly")):
            for where, user_id in zip(("top", "middle", "bottom"), samples[board], strict=True):
                timings = []
                for _ in range(repeats):
                    with Stopwatch() as watch:
                        await store.reads.top(board, 10)
                        await store.reads.board_entry(board, user_id)
                    timings.append(watch.seconds * 1000)
                p50, p99 = percentile(timings, 50), percentile(timings, 99)
                rows.append(
                    Row(
                        f"/top + own rank, {label} board, {where} user",
                        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                        f"{users:,} users, {answers:,} answers ({size_mib:,.0f} MiB, "
                        f"filled in {seconds:.0f} s)",
                        None,
                        "p99 < 5 ms",
                        p99 < 5,
                    )
                )
        await store.close()
    return rows
