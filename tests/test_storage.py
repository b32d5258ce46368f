"""The store on both backends: schema and migrations, SQLite's file handling, the unit-of-work
contract, the queries behind scores, /forget and the inbox, and the ``python -m storage`` tools.

Every test uses a real database (``any_db`` runs it on SQLite and on PostgreSQL); time comes
from a fixed start and ``timedelta``s, randomness from ``random.Random(seed)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sqlite3
import stat
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.engine import scoring
from bot.engine.quiz import QuizEngine
from bot.engine.study import StudyEngine
from bot.engine.views import Player, QuestionView, RoundRequest
from bot.testing.postgres import Postgres
from questions.model import Bank
from storage import auth as auth_rows
from storage import social
from storage.backend import StorageError
from storage.copy import IDENTITY_TABLES, NOT_COPIED, TABLES, copy_database
from storage.db import Store
from storage.models import ChatKind, RoundMode, as_time, to_text
from storage.queries import USER_TABLES, Queries
from storage.schema import POSTGRES_MIGRATIONS, SCHEMA_VERSION, SQLITE_MIGRATIONS
from storage.sql import Dialect
from storage.url import DatabaseUrlError, parse_database_url
from tests.conftest import FakeClock

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday of ISO week 2026-W48
S30 = timedelta(seconds=30)
ALICE, BOB, CAROL = Player(11, "Alice"), Player(22, "Bob"), Player(33, "Carol")
GROUP = -100_123


# helpers ------------------------------------------------------------------------------------


@pytest.fixture
async def store(any_db: str) -> AsyncIterator[Store]:
    opened = await Store.open(any_db)
    try:
        yield opened
    finally:
        await opened.close()


def schema_version(q: Queries) -> int:
    if q.dialect is Dialect.POSTGRES:
        return int(q.sql.value("SELECT MAX(version) FROM schema_version"))
    return int(q.sql.value("PRAGMA user_version"))


def table_names(q: Queries) -> set[str]:
    if q.dialect is Dialect.POSTGRES:
        rows = q.sql.all("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
    else:
        rows = q.sql.all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return {r["name"] for r in rows}


def index_names(q: Queries) -> set[str]:
    if q.dialect is Dialect.POSTGRES:
        rows = q.sql.all("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'")
    else:
        rows = q.sql.all("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {r["name"] for r in rows}


def names_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def exists(path: str) -> bool:
    return Path(path).exists()


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text, repr(text)
    return text


async def user_ids(store: Store) -> set[int]:
    rows = await store.read(lambda q: q.sql.all("SELECT id FROM users"))
    return {r["id"] for r in rows}


def empty_postgres(server: Postgres) -> str:
    """A new, empty PostgreSQL database (no schema at all), dropped with the run's others."""
    name = f"quizbot_{server.run}_{next(server.count)}"
    server.execute(f'CREATE DATABASE "{name}"')
    server.created.append(name)
    return server.url(name)


class WritersHeld:
    """Keep every writer thread of a store busy, so that the units submitted meanwhile are
    dispatched together as one batch when the writers are let go."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.holders: list[asyncio.Future[None]] = []
        self.submitted: list[asyncio.Future[Any]] = []

    def _hold(self, q: Queries) -> None:
        self.started.release()
        self.release.wait(30)

    async def __aenter__(self) -> WritersHeld:
        if self.store.backend.inline:
            # SQLite's units run in the event loop: there is no thread to hold, and units
            # submitted in one pass of the loop are committed together anyway.
            return self
        for _ in range(self.store.backend.writers):
            self.holders.append(asyncio.ensure_future(self.store.write(self._hold)))
        for _ in self.holders:
            assert await asyncio.to_thread(self.started.acquire, timeout=30)
        return self

    def submit(self, unit: Callable[[Queries], Any]) -> asyncio.Future[Any]:
        future = asyncio.ensure_future(self.store.write(unit))
        self.submitted.append(future)
        return future

    async def __aexit__(self, *exc: object) -> None:
        # One pass of the loop: every submitted task has queued its unit (``Store.write``
        # queues before its first await), so they all wait for the same next batch.
        loop = asyncio.get_running_loop()
        queued = loop.create_future()
        loop.call_soon(queued.set_result, None)
        await queued
        self.release.set()
        await asyncio.gather(*self.holders)


# schema and migrations ----------------------------------------------------------------------


async def test_a_fresh_database_is_migrated_to_the_schema_version(store: Store) -> None:
    assert await store.read(schema_version) == SCHEMA_VERSION
    tables = await store.read(table_names)
    assert set(TABLES) <= tables
    assert {"inbox_leases", "leases", "login_tokens", "dashboard_sessions"} <= tables
    assert {"answers_answered_at", "answers_question"} <= await store.read(index_names)


async def test_every_table_is_copied_or_deliberately_left_out(store: Store) -> None:
    tables = await store.read(table_names)
    assert tables - {"schema_version"} == set(TABLES) | (set(NOT_COPIED) - {"schema_version"})


async def test_opening_again_is_idempotent(any_db: str) -> None:
    first = await Store.open(any_db)
    await first.write(lambda q: q.upsert_user(1, "Ann", T0))
    await first.close()
    for migrate in (True, True, False):
        again = await Store.open(any_db, migrate=migrate)
        try:
            assert await again.read(schema_version) == SCHEMA_VERSION
            assert await user_ids(again) == {1}
            if again.dialect is Dialect.POSTGRES:
                rows = await again.read(lambda q: q.sql.all("SELECT version FROM schema_version"))
                assert sorted(r["version"] for r in rows) == list(range(1, SCHEMA_VERSION + 1))
        finally:
            await again.close()


async def test_a_newer_schema_version_is_refused(any_db: str) -> None:
    newer = SCHEMA_VERSION + 1
    if any_db.startswith("sqlite"):
        await (await Store.open(any_db)).close()
        path = parse_database_url(any_db).path
        assert path is not None
        with sqlite3.connect(path) as conn:
            conn.execute(f"PRAGMA user_version = {newer}")
        conn.close()
    else:
        with psycopg.connect(any_db, autocommit=True) as conn:
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (newer,))
    with pytest.raises(StorageError) as migrating:
        await Store.open(any_db)
    assert "newer" in one_line(migrating.value) and str(newer) in str(migrating.value)
    with pytest.raises(StorageError) as reading:
        await Store.open(any_db, migrate=False)
    assert str(newer) in one_line(reading.value)


def build_sqlite(path: Path, upto: int) -> sqlite3.Connection:
    """An SQLite database as an older release left it: migrations 1..upto only."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(SQLITE_MIGRATIONS[:upto], 1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return conn


async def test_a_failing_sqlite_migration_rolls_back_completely(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    conn = build_sqlite(path, 3)
    conn.execute("CREATE TABLE login_tokens (token_hash TEXT)")  # migration 4 will clash
    conn.close()
    with pytest.raises(StorageError) as failed:
        await Store.open(f"sqlite:///{path}")
    assert "migration 4" in one_line(failed.value)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    # Migration 4 created two indexes before it reached the clashing table: gone as well.
    created_by_4 = {
        "answers_answered_at",
        "answers_question",
        "dashboard_sessions",
        "daily_quizzes",
        "challenges",
        "challenge_attempts",
        "question_codes",
    }
    assert not names & created_by_4
    assert {"awards", "inbox", "login_tokens"} <= names


async def test_a_failing_postgresql_migration_rolls_back_completely(
    postgres: Postgres | None,
) -> None:
    if postgres is None:
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL)")
    url = empty_postgres(postgres)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for number, script in enumerate(POSTGRES_MIGRATIONS[:3], 1):
            with conn.transaction():
                conn.execute(script)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
        conn.execute("CREATE TABLE login_tokens (token_hash TEXT)")
    with pytest.raises(StorageError) as failed:
        await Store.open(url)
    assert "migration 4" in one_line(failed.value)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (3,)
        found = conn.execute(
            "SELECT to_regclass('answers_answered_at'), to_regclass('answers_question'), "
            "to_regclass('dashboard_sessions'), to_regclass('daily_quizzes'), "
            "to_regclass('challenges'), to_regclass('question_codes')"
        ).fetchone()
    assert found == (None,) * 6


async def test_the_upgrade_from_schema_2_recounts_the_old_totals_once_per_question(
    tmp_path: Path, bank: Bank
) -> None:
    """A populated database of schema 2, where every right answer had earned a point, is
    brought to the current schema: points once per question and board, the console's player
    off the boards, reminders in the user's zone, and totals a recount agrees with."""
    q_a, q_b, q_c = (q.id for q in bank.questions[:3])
    path = tmp_path / "old.sqlite3"
    conn = build_sqlite(path, 2)
    w48, w49 = T0, T0 + timedelta(days=7)
    t48, t49 = to_text(w48), to_text(w49)
    conn.executemany(
        "INSERT INTO users (id, name, streak_current, streak_best, last_active_day, blocked, "
        "created_at, updated_at) VALUES (?, ?, 1, 1, '2026-12-02', 0, ?, ?)",
        [(0, "console", t48, t48), (11, "Alice", t48, t48), (22, "Bob", t48, t48)],
    )
    conn.executemany(
        "INSERT INTO rounds (id, chat_id, chat_kind, owner_id, state, position, size, label, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 'finished', 2, 2, ?, ?, ?)",
        [
            (1, 11, "private", 11, "", t48, t48),
            (2, 11, "private", 11, "review", t48, t48),
            (3, GROUP, "group", 22, "", t49, t49),
            (4, 0, "private", 0, "", t48, t48),
        ],
    )
    answers = [  # id, round, position, question, user, chat, correct, ms, at, week
        (1, 1, 0, q_a, 11, 11, 1, 1000, t48, "2026-W48"),
        (2, 1, 1, q_b, 11, 11, 0, 2000, t48, "2026-W48"),
        (3, 2, 0, q_a, 11, 11, 1, 3000, t48, "2026-W48"),  # q_a right again
        (4, 2, 1, q_b, 11, 11, 1, 500, t48, "2026-W48"),
        (5, 3, 0, q_a, 11, GROUP, 1, 700, t49, "2026-W49"),  # q_a right a third time
        (6, 3, 0, q_a, 22, GROUP, 1, 900, t49, "2026-W49"),
        (7, 3, 1, q_c, 22, GROUP, 0, 100, t49, "2026-W49"),
        (8, 4, 0, q_a, 0, 0, 1, 100, t48, "2026-W48"),  # the console's player
    ]
    conn.executemany(
        "INSERT INTO answers (id, round_id, position, question_id, user_id, chat_id, chosen, "
        "correct, elapsed_ms, answered_at, week) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        answers,
    )
    old_scores = [  # the old rule: a point for every right answer
        ("all", 0, 1, 1, 100),
        ("all", 11, 4, 5, 5200),
        ("all", 22, 1, 2, 900),
        ("week:2026-W48", 0, 1, 1, 100),
        ("week:2026-W48", 11, 3, 4, 4500),
        ("week:2026-W49", 11, 1, 1, 700),
        ("week:2026-W49", 22, 1, 2, 900),
        (f"chat:{GROUP}", 11, 1, 1, 700),
        (f"chat:{GROUP}", 22, 1, 2, 900),
    ]
    conn.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?)", old_scores)
    conn.executemany(
        "INSERT INTO board_points VALUES (?, ?, ?)",
        [
            (board, points, users)
            for (board, points), users in Counter((b, p) for b, _, p, _, _ in old_scores).items()
        ],
    )
    conn.executemany(
        "INSERT INTO reminders (user_id, chat_id, minute_utc, offset_minutes) VALUES (?, ?, ?, ?)",
        [(0, 0, 600, 0), (11, 11, 1380, 180), (22, 22, 30, -330)],
    )
    conn.close()

    store = await Store.open(f"sqlite:///{path}")
    try:
        assert await store.read(schema_version) == SCHEMA_VERSION
        scores = {(b, u): (p, n, t) for b, u, p, n, t in await store.read(Queries.all_scores)}
        assert scores == {
            ("all", 11): (2, 5, 1500),  # q_a (answer 1) and q_b (answer 4)
            ("all", 22): (1, 2, 900),
            ("week:2026-W48", 11): (2, 4, 1500),
            ("week:2026-W49", 11): (1, 1, 700),  # a new week: q_a earns its weekly point
            ("week:2026-W49", 22): (1, 2, 900),
            (f"chat:{GROUP}", 11): (1, 1, 700),
            (f"chat:{GROUP}", 22): (1, 2, 900),
            (f"chatweek:{GROUP}:2026-W49", 11): (1, 1, 700),
            (f"chatweek:{GROUP}:2026-W49", 22): (1, 2, 900),
        }
        awards = {(b, u, qid): a for b, u, qid, a in await store.read(Queries.all_awards)}
        assert awards == {
            ("all", 11, q_a): 1,
            ("all", 11, q_b): 4,
            ("all", 22, q_a): 6,
            ("week:2026-W48", 11, q_a): 1,
            ("week:2026-W48", 11, q_b): 4,
            ("week:2026-W49", 11, q_a): 5,
            ("week:2026-W49", 22, q_a): 6,
            (f"chat:{GROUP}", 11, q_a): 5,
            (f"chat:{GROUP}", 22, q_a): 6,
            (f"chatweek:{GROUP}:2026-W49", 11, q_a): 5,
            (f"chatweek:{GROUP}:2026-W49", 22, q_a): 6,
        }
        assert await store.read(lambda q: q.board_size("all")) == 2  # not the console
        assert await store.read(lambda q: q.board_entry("all", 0)) is None
        assert [e.user_id for e in await store.read(lambda q: q.top("all"))] == [11, 22]
        reminders = await store.read(Queries.reminders)
        assert [(r.user_id, r.local_minute, r.tz) for r in reminders] == [
            (0, 600, "UTC"),
            (11, 120, "+03:00"),  # 23:00 UTC at +03:00 is 02:00 local
            (22, 1140, "-05:30"),  # 00:30 UTC at -05:30 is 19:00 local
        ]
        modes = await store.read(lambda q: [q.get_round(i).mode for i in (1, 2)])
        assert modes == [RoundMode.QUIZ, RoundMode.REVIEW]
        assert await store.read(scoring.recount_mismatches) == []

        # The upgraded database goes on under the new rule: q_a earns Alice nothing more.
        quiz = QuizEngine(bank, store, clock=FakeClock(w49), rng=random.Random(1))
        view = await start(quiz, ALICE, [q_a])
        outcome = await quiz.answer(view.round_id, 0, view.correct_shown, ALICE)
        assert outcome.correct and outcome.points == 0
        assert await store.read(lambda q: q.board_entry("all", 11).points) == 2
        assert await store.read(scoring.recount_mismatches) == []
    finally:
        await store.close()


# SQLite files -------------------------------------------------------------------------------


async def test_an_sqlite_file_is_private_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    store = await Store.open(f"sqlite:///{path}")
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for run in (store.read, store.write):
            assert await run(lambda q: q.sql.value("PRAGMA journal_mode")) == "wal"
            assert await run(lambda q: q.sql.value("PRAGMA foreign_keys")) == 1
        with pytest.raises(sqlite3.IntegrityError):  # the foreign key is enforced
            await store.write(
                lambda q: q.sql.run(
                    "INSERT INTO round_questions (round_id, position, question_id, option_order) "
                    "VALUES (404, 0, 'x', '0')"
                )
            )
        with pytest.raises(sqlite3.OperationalError):  # readers are read-only
            await store.read(lambda q: q.upsert_user(1, "Ann", T0))
    finally:
        await store.close()
    assert path.read_bytes()[18:20] == b"\x02\x02"  # WAL is recorded in the file header


async def test_missing_directories_are_created_private_whatever_the_umask(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a" / "b" / "quiz.sqlite3"
    previous = os.umask(0)
    try:
        store = await Store.open(f"sqlite:///{path}")
        await store.write(lambda q: q.upsert_user(1, "Ann", T0))
        await store.close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["quiz#1.sqlite3", "quiz%41.sqlite3", "100%#%23 x.sqlite3"])
async def test_hash_and_percent_in_a_file_name_open_that_very_file(
    tmp_path: Path, name: str
) -> None:
    url = f"sqlite:///{tmp_path / name}"
    store = await Store.open(url)
    await store.write(lambda q: q.upsert_user(1, "Ann", T0))
    await store.close()
    assert names_in(tmp_path) == [name]  # no "quiz" (cut at #), no "quizA" (%41 decoded)
    again = await Store.open(url, migrate=False)
    try:
        assert await user_ids(again) == {1}
    finally:
        await again.close()


@pytest.mark.parametrize("kind", ["/dev/null", "fifo", "directory"])
async def test_a_non_regular_file_is_refused_with_one_line(tmp_path: Path, kind: str) -> None:
    if kind == "/dev/null":
        path = Path("/dev/null")
    else:
        path = tmp_path / "quiz.sqlite3"
        if kind == "fifo":
            os.mkfifo(path)
        else:
            path.mkdir()
    journal_before = exists(f"{path}-journal")
    with pytest.raises(StorageError) as refused:
        await Store.open(f"sqlite:///{path}")
    assert "not a regular file" in one_line(refused.value)
    assert str(path) in str(refused.value)
    for suffix in ("-journal", "-wal", "-shm"):
        if suffix == "-journal" and journal_before:
            continue  # a leftover of something else: nothing to conclude from it
        assert not exists(f"{path}{suffix}")
    if kind != "/dev/null":
        assert names_in(tmp_path) == ["quiz.sqlite3"]


@pytest.mark.parametrize("damage", ["header", "pages", "everything"])
async def test_a_corrupted_file_is_refused_at_open_with_one_line(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "quiz.sqlite3"
    store = await Store.open(f"sqlite:///{path}")
    await store.write(lambda q: q.upsert_user(1, "Ann", T0))
    await store.close()
    data = bytearray(path.read_bytes())
    noise = random.Random(damage).randbytes(len(data))
    if damage == "header":
        data[:100] = noise[:100]
    elif damage == "pages":
        data[4096:] = noise[4096:]  # the first page (the schema's root) stays intact
    else:
        data[:] = noise
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as refused:
        await Store.open(f"sqlite:///{path}")
    assert str(path) in one_line(refused.value)
    assert path.read_bytes() == bytes(data)  # refused before anything was written to it


async def damaged_in_the_middle(path: Path) -> bytes:
    """A database of a few hundred pages with bytes in the middle of its users' table
    overwritten: the header and the schema are intact, so opening it works and only the
    integrity check finds the damage."""
    store = await Store.open(f"sqlite:///{path}")
    await store.write(lambda q: [q.upsert_user(i, "x" * 200, T0) for i in range(1, 2001)])
    await store.close()
    return damage_middle(path)


def damage_middle(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 + 1000  # inside pages, not on their headers
    data[middle : middle + 8192] = random.Random("middle").randbytes(8192)
    path.write_bytes(bytes(data))
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        [report] = conn.execute("PRAGMA quick_check(1)").fetchone()
    assert report != "ok"
    return bytes(data)


async def test_damage_only_the_integrity_check_finds_is_refused_with_one_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quiz.sqlite3"
    data = await damaged_in_the_middle(path)
    with pytest.raises(StorageError) as refused:
        await Store.open(f"sqlite:///{path}")
    assert " is damaged (" in str(refused.value)  # found by PRAGMA quick_check
    assert path.read_bytes() == data
    one_line(refused.value)


# the unit-of-work contract ------------------------------------------------------------------


async def test_units_submitted_together_all_commit(store: Store) -> None:
    results = await asyncio.gather(
        *(
            store.write(partial(Queries.upsert_user, user_id=i, name=f"U{i}", now=T0))
            for i in range(1, 41)
        )
    )
    assert results == [None] * 40
    assert await user_ids(store) == set(range(1, 41))


async def test_units_held_back_together_are_committed_in_one_batch(store: Store) -> None:
    ran: list[int] = []

    def unit(user_id: int, q: Queries) -> Any:
        ran.append(user_id)
        q.upsert_user(user_id, f"U{user_id}", T0)
        if q.dialect is Dialect.POSTGRES:
            return q.sql.value("SELECT txid_current()")
        return None

    async with WritersHeld(store) as held:
        futures = [held.submit(partial(unit, i)) for i in range(1, 11)]
    results = await asyncio.gather(*futures)
    assert sorted(ran) == list(range(1, 11))  # each ran once: nothing failed
    assert len(set(results)) == 1  # one transaction (PostgreSQL's id; None on SQLite)
    assert await user_ids(store) == set(range(1, 11))


async def test_contract_a_failing_unit_fails_only_its_caller_and_its_batch_mates_run_again(
    store: Store,
) -> None:
    """The documented consequence of group commit (storage/db.py): a unit that raises rolls
    its whole batch back, and every unit of the batch runs again in a transaction of its own.
    A healthy unit that ran before the failing one therefore runs twice, and only its second
    run commits (units must have no effects outside the database); the failing unit fails
    again alone; a unit after it had not run yet and runs once, alone."""
    runs: dict[str, list[int]] = {"first": [], "failing": [], "last": []}

    def healthy(name: str, user_id: int, q: Queries) -> str:
        runs[name].append(user_id)
        q.upsert_user(user_id, name, T0)
        return name

    def failing(q: Queries) -> None:
        runs["failing"].append(99)
        q.upsert_user(99, "half-done", T0)  # written, then rolled back
        raise RuntimeError("this unit fails")

    async with WritersHeld(store) as held:
        first = held.submit(partial(healthy, "first", 1))
        bad = held.submit(failing)
        last = held.submit(partial(healthy, "last", 2))
    assert await first == "first"
    assert await last == "last"
    with pytest.raises(RuntimeError, match="this unit fails"):
        await bad
    assert runs == {"first": [1, 1], "failing": [99, 99], "last": [2]}
    assert await user_ids(store) == {1, 2}


async def test_a_rolled_back_batch_discards_its_deferred_histogram_moves(store: Store) -> None:
    def join(user_id: int, points: int, fail: bool, q: Queries) -> None:
        q.upsert_user(user_id, f"U{user_id}", T0)
        q.add_to_boards(user_id, [("all", points, 10)])
        if fail:
            raise RuntimeError("rolled back after moving the histogram")

    async with WritersHeld(store) as held:
        good = [held.submit(partial(join, i, 1, False)) for i in (1, 2)]
        bad = held.submit(partial(join, 3, 5, True))
    await asyncio.gather(*good)
    with pytest.raises(RuntimeError):
        await bad
    with pytest.raises(RuntimeError):  # alone this time: its moves must not linger either
        await store.write(partial(join, 4, 7, True))
    await store.write(partial(join, 5, 2, False))
    assert await store.read(Queries.histogram) == {("all", 1): 2, ("all", 2): 1}
    assert await store.read(lambda q: q.board_size("all")) == 3
    assert await store.read(lambda q: q.board_entry("all", 1).rank) == 2


async def test_reads_see_committed_writes_and_the_store_refuses_work_once_closed(
    any_db: str,
) -> None:
    store = await Store.open(any_db)
    for i in range(1, 6):
        await store.write(partial(Queries.upsert_user, user_id=i, name=f"U{i}", now=T0))
        assert await store.read(lambda q, i=i: q.get_user(i).name) == f"U{i}"
    assert await store.healthy() is True
    await store.close()
    assert await store.healthy() is False
    with pytest.raises(StorageError):
        await store.write(lambda q: q.upsert_user(9, "late", T0))
    with pytest.raises(StorageError):
        await store.read(lambda q: q.get_user(1))


async def test_a_dropped_postgresql_database_is_not_healthy(postgres: Postgres | None) -> None:
    if postgres is None:
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL)")
    url = postgres.fresh()
    store = await Store.open(url)
    try:
        assert await store.healthy() is True
        postgres.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        assert await store.healthy() is False
    finally:
        await store.close()


# answers, awards, ranks ---------------------------------------------------------------------


def new_round(
    q: Queries, owner: int, chat_id: int | None = None, kind: ChatKind = ChatKind.PRIVATE
) -> int:
    q.upsert_user(owner, f"U{owner}", T0)
    return q.create_round(
        chat_id=owner if chat_id is None else chat_id,
        chat_kind=kind,
        owner_id=owner,
        questions=[("q-one", (0, 1)), ("q-two", (1, 0))],
        open_period=None,
        label="",
        mode=RoundMode.QUIZ,
        now=T0,
    )


def answer_row(q: Queries, round_id: int, question: str, user: int, correct: bool) -> int | None:
    return q.insert_answer(
        round_id=round_id,
        position=0,
        question_id=question,
        user_id=user,
        chat_id=user,
        chosen=0,
        correct=correct,
        elapsed_ms=1200,
        answered_at=T0,
        week="2026-W48",
    )


async def test_an_answer_is_unique_per_round_question_and_user(store: Store) -> None:
    round_id = await store.write(partial(new_round, owner=1))
    other = await store.write(partial(new_round, owner=1, chat_id=5))
    first = await store.write(lambda q: answer_row(q, round_id, "q-one", 1, True))
    assert isinstance(first, int)
    assert await store.write(lambda q: answer_row(q, round_id, "q-one", 1, False)) is None
    assert await store.write(lambda q: answer_row(q, round_id, "q-two", 1, False)) is not None
    assert await store.write(lambda q: answer_row(q, other, "q-one", 1, False)) is not None
    [kept, *_] = await store.read(lambda q: q.round_answers(round_id))
    assert (kept.id, kept.correct) == (first, True)  # the second tap changed nothing
    assert len(await store.read(lambda q: q.round_answers(round_id))) == 2


async def test_claim_awards_returns_a_board_only_the_first_time(store: Store) -> None:
    round_id = await store.write(partial(new_round, owner=1))
    other = await store.write(partial(new_round, owner=1, chat_id=5))
    a1 = await store.write(lambda q: answer_row(q, round_id, "q-one", 1, True))
    a2 = await store.write(lambda q: answer_row(q, other, "q-one", 1, True))
    assert a1 is not None and a2 is not None
    boards = ["all", "week:2026-W48"]
    assert await store.write(lambda q: q.claim_awards(1, "q-one", a1, boards)) == set(boards)
    assert await store.write(lambda q: q.claim_awards(1, "q-one", a2, boards)) == set()
    assert await store.write(
        lambda q: q.claim_awards(1, "q-one", a2, ["all", "week:2026-W49"])
    ) == {"week:2026-W49"}
    assert await store.write(lambda q: q.claim_awards(1, "q-one", a2, [])) == set()
    awards = {(b, qid): a for b, _, qid, a in await store.read(Queries.all_awards)}
    assert awards == {
        ("all", "q-one"): a1,
        ("week:2026-W48", "q-one"): a1,
        ("week:2026-W49", "q-one"): a2,
    }


async def test_ranks_on_a_board_of_hundreds_share_equal_points(store: Store, bank: Bank) -> None:
    rng = random.Random(2026)
    users = range(1, 301)
    points = {u: rng.randint(0, 12) for u in users}
    times = {u: rng.randint(1, 5) * 1000 for u in users}

    def play(user_id: int, q: Queries) -> None:
        q.upsert_user(user_id, f"U{user_id}", T0)
        q.add_to_boards(user_id, [("all", 0, 0)])  # an answer without a point first
        for _ in range(points[user_id]):
            q.add_to_boards(user_id, [("all", 1, times[user_id] // max(points[user_id], 1))])

    await asyncio.gather(*(store.write(partial(play, u)) for u in users))

    def above(user_id: int) -> int:
        return sum(points[v] > points[user_id] for v in users)

    scores = await store.read(Queries.all_scores)
    assert Counter((b, p) for b, _, p, _, _ in scores) == Counter(
        await store.read(Queries.histogram)
    )
    assert await store.read(lambda q: q.board_size("all")) == 300
    for user_id in users:
        entry = await store.read(lambda q, u=user_id: q.board_entry("all", u))
        assert entry is not None
        assert (entry.rank, entry.points) == (1 + above(user_id), points[user_id])
    top = await store.read(lambda q: q.top("all", 25))
    assert [e.rank for e in top] == [1 + above(e.user_id) for e in top]
    keys = [(-e.points, e.time_ms, e.user_id) for e in top]
    assert keys == sorted(keys)  # most points first, the faster time first among equals
    best = sorted(users, key=lambda u: (-points[u], times[u] // max(points[u], 1) * points[u], u))
    assert [e.user_id for e in top] == best[:25]

    quiz = QuizEngine(bank, store, clock=FakeClock(T0))
    outsider = max(users, key=lambda u: (above(u), u))  # one of the last
    board = await quiz.board("all", outsider)
    assert outsider not in {e.user_id for e in board.top}
    assert board.me is not None and board.me.rank == 1 + above(outsider)
    assert board.players == 300


# /forget ------------------------------------------------------------------------------------


async def start(
    quiz: QuizEngine, player: Player, ids: Sequence[str], chat_id: int | None = None
) -> QuestionView:
    outcome = await quiz.start_round(
        player.id if chat_id is None else chat_id,
        ChatKind.PRIVATE,
        player,
        RoundRequest(question_ids=list(ids)),
    )
    assert outcome.view is not None, outcome
    return outcome.view


async def play_private(
    quiz: QuizEngine, player: Player, answers: Sequence[tuple[str, bool]]
) -> int:
    """A private round of these questions, answered right or wrong; returns its id."""
    view = await start(quiz, player, [qid for qid, _ in answers])
    for position, (_, right) in enumerate(answers):
        current = await quiz.current(view.round_id)
        assert current is not None and current.position == position
        shown = (
            current.correct_shown if right else (current.correct_shown + 1) % len(current.order)
        )
        outcome = await quiz.answer(view.round_id, position, shown, player)
        assert outcome.correct is right
    return view.round_id


async def play_group(
    quiz: QuizEngine,
    chat_id: int,
    starter: Player,
    votes: Sequence[Sequence[tuple[Player, bool]]],
    ids: Sequence[str],
) -> int:
    """A group round: for each question a poll, these votes, then the poll closes."""
    outcome = await quiz.start_round(
        chat_id, ChatKind.GROUP, starter, RoundRequest(question_ids=list(ids), open_period=30)
    )
    assert outcome.view is not None
    round_id = outcome.view.round_id
    for position, voters in enumerate(votes):
        view = await quiz.current(round_id)
        assert view is not None and view.position == position
        poll_id = f"poll-{round_id}-{position}"
        await quiz.poll_sent(view, chat_id, 500 + position, poll_id, 30)
        for player, right in voters:
            shown = view.correct_shown if right else (view.correct_shown + 1) % len(view.order)
            result = await quiz.answer_poll(poll_id, player, [shown])
            assert result.correct is right
        assert await quiz.close_question(round_id, position) is not None
    return round_id


def add_challenge(q: Queries, token: str, owner: int, round_id: int) -> None:
    social.add_challenge(q, token, owner, round_id, 1, 2, 3000, T0, T0 + timedelta(days=7))


def add_attempt(q: Queries, token: str, user: int, round_id: int, reported: bool) -> None:
    assert social.add_attempt(q, token, user, round_id)
    if reported:
        assert social.mark_reported(q, token, user)


async def test_forget_user_removes_every_row_of_the_user_and_keeps_the_ranks_right(
    any_db: str, bank: Bank, clock: FakeClock
) -> None:
    q1, q2, q3 = (q.id for q in bank.questions[:3])
    store = await Store.open(any_db)
    try:
        quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(3))
        study = StudyEngine(quiz)
        alice_round = await play_private(quiz, ALICE, [(q1, True), (q2, True)])
        bob_round = await play_private(quiz, BOB, [(q1, True), (q2, False)])
        await play_private(quiz, CAROL, [(q1, True)])
        group_round = await play_group(quiz, GROUP, ALICE, [[(ALICE, True), (BOB, False)]], [q3])
        await study.set_reminder(ALICE, ALICE.id, 8 * 60, "Europe/Kyiv")
        await study.await_dispute(ALICE, alice_round, 0)
        dispute = await study.take_dispute_text(ALICE, "the quote is cut short")
        await study.await_dispute(ALICE, alice_round, 1)  # left pending
        await store.write(lambda q: add_challenge(q, "alice-challenge", ALICE.id, alice_round))
        await store.write(lambda q: add_challenge(q, "bob-challenge", BOB.id, bob_round))
        await store.write(lambda q: add_attempt(q, "alice-challenge", BOB.id, bob_round, True))
        await store.write(lambda q: add_attempt(q, "bob-challenge", ALICE.id, alice_round, False))
        before = await store.read(lambda q: q.count_user_rows(ALICE.id))
        assert all(before[t] for t in USER_TABLES), before  # a row in every table to forget
        assert await store.read(lambda q: q.board_entry("all", BOB.id).rank) == 2

        assert await study.forget(ALICE.id) is True

        after = await store.read(lambda q: q.count_user_rows(ALICE.id))
        assert after == dict.fromkeys(after, 0)
        assert set(USER_TABLES) <= set(after)
        assert await store.read(lambda q: q.count_rows("challenge_attempts")) == 0  # Bob's too
        assert await store.read(lambda q: social.attempt(q, "alice-challenge", BOB.id)) is None
        assert await store.read(lambda q: social.get_challenge(q, "alice-challenge")) is None
        bobs = await store.read(lambda q: social.get_challenge(q, "bob-challenge"))
        assert bobs is not None and bobs.owner_id == BOB.id
        assert await store.read(lambda q: q.count_rows("challenges")) == 1
        assert await store.read(lambda q: q.get_round(alice_round)) is None
        group = await store.read(lambda q: q.get_round(group_round))
        assert group is not None and group.owner_id is None  # the group's round stays
        assert [a.user_id for a in await store.read(lambda q: q.round_answers(group_round))] == [
            BOB.id
        ]
        [kept] = (await study.open_disputes()).disputes
        assert (kept.id, kept.user_id, kept.text) == (dispute, None, "the quote is cut short")
        assert await store.read(lambda q: q.get_job("reminder:11")) is None

        for board in ("all", "week:2026-W48"):
            entries = {
                u: await store.read(lambda q, u=u, b=board: q.board_entry(b, u))
                for u in (BOB.id, CAROL.id)
            }
            assert {u: e.rank for u, e in entries.items() if e} == {BOB.id: 1, CAROL.id: 1}
            assert await store.read(lambda q, b=board: q.board_size(b)) == 2
        assert await store.read(lambda q: q.board_size(f"chat:{GROUP}")) == 1
        assert await store.read(scoring.recount_mismatches) == []
        assert await study.forget(ALICE.id) is False  # nothing left to forget
    finally:
        await store.close()


async def test_forget_user_also_removes_the_early_votes_that_name_the_user(store: Store) -> None:
    await store.write(lambda q: q.upsert_user(ALICE.id, ALICE.name, T0))
    await store.write(lambda q: q.add_early_vote("poll-1", ALICE.id, ALICE.name, 2, T0))
    assert await store.write(lambda q: q.forget_user(ALICE.id)) is True
    left = await store.read(
        lambda q: q.sql.value("SELECT COUNT(*) FROM early_votes WHERE user_id = ?", (ALICE.id,))
    )
    assert left == 0


# the inbox, leases and timed jobs -----------------------------------------------------------


async def test_inbox_add_ignores_a_repeated_update_id(store: Store) -> None:
    items = [(1, 7, "update", '{"n": 1}'), (1, 7, "update", '{"n": 1}'), (2, 8, "update", "{}")]
    assert await store.write(lambda q: q.inbox_add(items, T0)) == 2
    assert await store.write(lambda q: q.inbox_add([(2, 8, "update", "{}")], T0)) == 0
    own = [(None, 7, "poll-close", "{}"), (None, 7, "poll-close", "{}")]
    assert await store.write(lambda q: q.inbox_add(own, T0)) == 2  # the bot's work: no id
    pending = await store.read(lambda q: q.inbox_items(7, 0, 10))
    assert [(i.update_id, i.kind) for i in pending] == [
        (1, "update"),
        (None, "poll-close"),
        (None, "poll-close"),
    ]
    assert await store.read(Queries.inbox_pending_count) == 4


async def test_a_key_is_leased_by_one_owner_at_a_time(store: Store) -> None:
    until = T0 + timedelta(seconds=30)
    assert await store.write(lambda q: q.lease_key(7, "w1", until, T0)) is True
    assert await store.write(lambda q: q.lease_key(7, "w2", until, T0)) is False
    later = T0 + timedelta(seconds=29)
    assert await store.write(lambda q: q.lease_key(7, "w2", later + S30, later)) is False
    assert await store.write(lambda q: q.lease_key(7, "w1", until + S30, T0)) is True
    assert await store.write(lambda q: q.lease_key(8, "w2", until, T0)) is True  # another key
    expired = until + timedelta(seconds=30)  # w1's renewed lease runs out here
    assert await store.write(lambda q: q.lease_key(7, "w2", expired + S30, expired))
    assert await store.write(lambda q: q.lease_key(7, "w1", expired + S30, expired)) is False

    await store.write(lambda q: q.inbox_add([(1, 7, "update", "{}"), (2, 9, "update", "{}")], T0))
    assert await store.read(lambda q: q.inbox_keys_with_work("w1", expired, 10)) == [9]
    assert await store.read(lambda q: q.inbox_keys_with_work("w2", expired, 10)) == [7, 9]


async def test_release_key_refuses_while_newer_items_are_pending(store: Store) -> None:
    await store.write(lambda q: q.inbox_add([(1, 7, "update", "{}")], T0))
    [first] = await store.read(lambda q: q.inbox_items(7, 0, 10))
    assert await store.write(lambda q: q.lease_key(7, "w1", T0 + S30, T0))
    await store.write(lambda q: q.inbox_done([first.id], T0))
    await store.write(lambda q: q.inbox_add([(2, 7, "update", "{}")], T0))  # arrives meanwhile
    assert await store.write(lambda q: q.release_key(7, "w1", first.id)) is False
    [second] = await store.read(lambda q: q.inbox_items(7, first.id, 10))
    assert await store.write(lambda q: q.release_key(7, "w2", second.id)) is False  # not w2's
    await store.write(lambda q: q.inbox_done([second.id], T0))
    assert await store.write(lambda q: q.release_key(7, "w1", second.id)) is True
    assert await store.write(lambda q: q.lease_key(7, "w2", T0 + S30, T0)) is True


def schedule(q: Queries, names: Sequence[str], at: datetime) -> None:
    for name in names:
        q.schedule_job(name, "poll-close", 7, at, "{}")


async def test_take_due_jobs_returns_each_due_job_once(store: Store) -> None:
    await store.write(lambda q: schedule(q, ["a"], T0 - timedelta(minutes=1)))
    await store.write(lambda q: schedule(q, ["b"], T0 - S30))
    await store.write(lambda q: schedule(q, ["c"], T0 - timedelta(minutes=2)))
    await store.write(lambda q: schedule(q, ["later"], T0 + timedelta(minutes=5)))
    first = await store.write(lambda q: q.take_due_jobs(T0, 2))
    assert [j.name for j in first] == ["c", "a"]  # oldest first, at most the limit
    assert [j.name for j in await store.write(lambda q: q.take_due_jobs(T0, 10))] == ["b"]
    assert await store.write(lambda q: q.take_due_jobs(T0, 10)) == []
    assert await store.read(Queries.next_job_at) == T0 + timedelta(minutes=5)
    due = await store.write(lambda q: q.take_due_jobs(T0 + timedelta(minutes=5), 10))
    assert [(j.name, j.run_at) for j in due] == [("later", T0 + timedelta(minutes=5))]


async def test_two_postgresql_workers_take_every_due_job_exactly_once(pg_url: str) -> None:
    """Two stores on one database (two workers), each taking in all its writer threads."""
    names = [f"job-{i:03d}" for i in range(240)]
    stores = [await Store.open(pg_url), await Store.open(pg_url)]
    try:
        await stores[0].write(
            lambda q: [
                q.schedule_job(n, "poll-close", i, T0 - timedelta(seconds=i), "{}")
                for i, n in enumerate(names)
            ]
        )

        async def taker(store: Store) -> list[str]:
            taken: list[str] = []
            while batch := await store.write(lambda q: q.take_due_jobs(T0, 7)):
                taken += [job.name for job in batch]
            return taken

        # Every writer connection of both stores is open and busy: the takers start together.
        async with WritersHeld(stores[0]), WritersHeld(stores[1]):
            takers = [
                asyncio.ensure_future(taker(store))
                for store in stores
                for _ in range(store.backend.writers)
            ]
        results = await asyncio.gather(*takers)
    finally:
        for store in stores:
            await store.close()
    taken = [name for result in results for name in result]
    twice = sorted(name for name, n in Counter(taken).items() if n > 1)
    missed = sorted(set(names) - set(taken))
    assert (twice, missed) == ([], [])
    assert len(taken) == len(names)
    per_store = len(results) // 2
    by_store = [sum(map(len, results[:per_store])), sum(map(len, results[per_store:]))]
    assert all(by_store), by_store  # both workers took some


# python -m storage --------------------------------------------------------------------------


async def run_storage(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "storage",
        *args,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return await proc.wait(), out.decode(), err.decode()


async def test_backup_copies_a_live_database_into_a_new_private_file(
    db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "quiz-backup.sqlite3"
    store = await Store.open(db_url)
    try:
        await store.write(lambda q: q.upsert_user(1, "Ann", T0))  # still in the WAL
        previous = os.umask(0)
        try:
            code, out, err = await run_storage("backup", str(target), env={"DATABASE_URL": db_url})
        finally:
            os.umask(previous)
        assert (code, err) == (0, ""), err
        assert str(target) in out
        await store.write(lambda q: q.upsert_user(2, "Ben", T0))  # the live one goes on
    finally:
        await store.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    copy = await Store.open(f"sqlite:///{target}", migrate=False)
    try:
        assert await user_ids(copy) == {1}
        assert await copy.read(schema_version) == SCHEMA_VERSION
    finally:
        await copy.close()


async def test_backup_refuses_an_existing_target(db_url: str, tmp_path: Path) -> None:
    await (await Store.open(db_url)).close()
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"keep me")
    code, _, err = await run_storage("backup", str(target), env={"DATABASE_URL": db_url})
    assert code == 2
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == b"keep me"


async def test_backup_refuses_a_database_url_whose_file_does_not_exist(tmp_path: Path) -> None:
    source = tmp_path / "typo" / "quiz.sqlite3"
    target = tmp_path / "backup.sqlite3"
    code, _, err = await run_storage(
        "backup", str(target), env={"DATABASE_URL": f"sqlite:///{source}"}
    )
    assert code == 2
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
    assert names_in(tmp_path) == []  # no target, no source, not even its directory


async def test_backup_refuses_a_damaged_database(tmp_path: Path) -> None:
    source = tmp_path / "quiz.sqlite3"
    await damaged_in_the_middle(source)
    target = tmp_path / "backup.sqlite3"
    code, _, err = await run_storage(
        "backup", str(target), env={"DATABASE_URL": f"sqlite:///{source}"}
    )
    assert code == 2, err
    assert not target.exists()


async def populate(store: Store, bank: Bank, clock: FakeClock) -> None:
    """Rows in every copied table, with true and false flags and times."""
    q1, q2, q3 = (q.id for q in bank.questions[:3])
    quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(5))
    study = StudyEngine(quiz)
    alice_round = await play_private(quiz, ALICE, [(q1, True), (q2, False)])
    clock.advance(minutes=3)
    bob_round = await play_private(quiz, BOB, [(q1, True)])
    await play_group(quiz, GROUP, BOB, [[(ALICE, True), (BOB, False)]], [q3])
    await quiz.start_round(CAROL.id, ChatKind.PRIVATE, CAROL, RoundRequest(question_ids=[q2]))
    await study.set_reminder(ALICE, ALICE.id, 7 * 60 + 30, "Europe/Kyiv")
    await study.await_dispute(ALICE, alice_round, 1)
    solved = await study.take_dispute_text(ALICE, "the options overlap")
    assert solved is not None
    await study.resolve_dispute(solved, 1, "fixed, thanks")
    await study.await_dispute(ALICE, alice_round, 0)
    await study.take_dispute_text(ALICE, "still open")
    await study.await_dispute(BOB, bob_round, 0)  # pending
    await quiz.set_member_count(GROUP, 5)

    def rest(q: Queries) -> None:
        q.inbox_add([(1001, ALICE.id, "update", '{"update_id": 1001}')], T0)
        q.inbox_add([(None, GROUP, "poll-close", '{"round": 3}')], T0)
        [item, *_] = q.inbox_items(ALICE.id, 0, 1)
        q.inbox_done([item.id], T0 + timedelta(seconds=2))
        q.add_early_vote("early-poll", CAROL.id, CAROL.name, 1, T0)
        q.lease_key(ALICE.id, "old-worker", T0 + timedelta(seconds=30), T0)
        q.take_lease("poller", "old-worker", T0 + timedelta(seconds=30), T0)
        social.set_daily(q, GROUP, 9 * 60, "Europe/Berlin", 5, 30, BOB.id, T0)
        add_challenge(q, "alice-challenge", ALICE.id, alice_round)
        add_attempt(q, "alice-challenge", BOB.id, bob_round, True)
        assert social.add_question_code(q, "k3x9", q1)

    await store.write(rest)
    await quiz.mark_blocked(BOB.id)  # last: playing again would clear it


def dump(q: Queries) -> dict[str, list[tuple[Any, ...]]]:
    """Every copied table's rows as (column, value) pairs in column-name order, sorted."""
    out = {}
    for table in TABLES:
        columns = sorted(q.sql.columns(table))
        rows = q.table_rows(table, columns)
        out[table] = sorted((tuple(zip(columns, row, strict=True)) for row in rows), key=repr)
    return out


def resolved_disputes(q: Queries) -> list[tuple[str | None, datetime]]:
    rows = q.sql.all("SELECT reply, resolved_at FROM disputes WHERE resolved_at IS NOT NULL")
    return [(r["reply"], as_time(r["resolved_at"])) for r in rows]


def column_types(q: Queries) -> dict[tuple[str, str], str]:
    rows = q.sql.all(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    return {(r["table_name"], r["column_name"]): r["data_type"] for r in rows}


def typed(
    tables: dict[str, list[tuple[Any, ...]]], types: dict[tuple[str, str], str]
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows with PostgreSQL's types: SQLite's 0/1 as bool, its ISO text as aware datetimes."""

    def convert(table: str, column: str, value: Any) -> Any:
        kind = types[(table, column)]
        if value is None:
            return None
        if kind == "boolean":
            assert isinstance(value, bool) or value in (0, 1), (table, column, value)
            return bool(value)
        if kind == "timestamp with time zone":
            moment = datetime.fromisoformat(value) if isinstance(value, str) else value
            return moment.astimezone(UTC)
        return value

    return {
        table: sorted((tuple((c, convert(table, c, v)) for c, v in row) for row in rows), key=repr)
        for table, rows in tables.items()
    }


MAX_ID = {table: f"SELECT MAX(id) FROM {table}" for table in IDENTITY_TABLES}  # noqa: S608


async def test_copy_moves_a_populated_database_to_postgresql_and_back(
    db_url: str, pg_url: str, tmp_path: Path, bank: Bank, clock: FakeClock
) -> None:
    source = await Store.open(db_url)
    try:
        await populate(source, bank, clock)
        original = await source.read(dump)
    finally:
        await source.close()
    assert all(original[t] for t in TABLES), [t for t in TABLES if not original[t]]

    counts = await copy_database(db_url, pg_url)
    assert counts == {t: len(rows) for t, rows in original.items()}

    back_url = f"sqlite:///{tmp_path / 'back' / 'quiz.sqlite3'}"
    code, out, err = await run_storage("copy", pg_url, back_url)
    assert (code, err) == (0, ""), err
    assert f"in {len(TABLES)} tables" in out

    pg = await Store.open(pg_url)
    back = await Store.open(back_url, migrate=False)
    try:
        on_pg, types = await pg.read(dump), await pg.read(column_types)
        assert await back.read(dump) == original  # SQLite -> PostgreSQL -> SQLite: the same
        # On PostgreSQL every flag is a boolean and every time the same instant.
        assert typed(on_pg, types) == typed(original, types)
        bob = await pg.read(lambda q: q.get_user(BOB.id))
        assert bob is not None and bob.blocked is True
        assert await pg.read(resolved_disputes) == [("fixed, thanks", T0 + timedelta(minutes=3))]
        flags = {c.last_correct for c in await pg.read(lambda q: q.user_cards(ALICE.id))}
        assert flags == {True, False}
        assert await pg.read(scoring.recount_mismatches) == []
        assert await back.read(scoring.recount_mismatches) == []

        # Identity counters continue past the copied ids.
        highest = {t: await pg.read(lambda q, t=t: q.sql.value(MAX_ID[t])) for t in MAX_ID}
        assert all(highest.values()), highest
        round_id = await pg.write(partial(new_round, owner=44))
        answer_id = await pg.write(lambda q: answer_row(q, round_id, "q-one", 44, True))
        dispute_id = await pg.write(lambda q: q.add_dispute("q-one", 44, "new", T0))
        await pg.write(lambda q: q.inbox_add([(5005, 44, "update", "{}")], T0))
        [item] = await pg.read(lambda q: q.inbox_items(44, 0, 10))
        assert (round_id, answer_id, dispute_id, item.id) == (
            highest["rounds"] + 1,
            highest["answers"] + 1,
            highest["disputes"] + 1,
            highest["inbox"] + 1,
        )
    finally:
        await pg.close()
        await back.close()


async def test_copy_refuses_a_non_empty_target(db_url: str, tmp_path: Path) -> None:
    source = await Store.open(db_url)
    await source.write(lambda q: q.upsert_user(1, "Ann", T0))
    await source.close()
    target_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    target = await Store.open(target_url)
    await target.write(lambda q: q.upsert_user(2, "Ben", T0))
    await target.close()
    with pytest.raises(StorageError, match="not empty"):
        await copy_database(db_url, target_url)
    code, _, err = await run_storage("copy", db_url, target_url)
    assert code == 2 and "not empty" in err
    target = await Store.open(target_url)
    try:
        assert await user_ids(target) == {2}  # untouched
    finally:
        await target.close()


# DATABASE_URL -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///quiz.sqlite3", Path("quiz.sqlite3")),
        ("sqlite:///data/quiz.sqlite3", Path("data/quiz.sqlite3")),
        ("sqlite:////abs/path/quiz.sqlite3", Path("/abs/path/quiz.sqlite3")),
        ("sqlite:///quiz#1%41.sqlite3", Path("quiz#1%41.sqlite3")),
    ],
)
def test_sqlite_urls_name_a_file(url: str, path: Path) -> None:
    parsed = parse_database_url(url)
    assert (parsed.backend, parsed.path, parsed.dsn) == ("sqlite", path, None)
    assert parsed.display() == str(path)
    assert parsed.sqlite_uri(read_only=True).endswith("?mode=ro")
    assert "#" not in parsed.sqlite_uri(read_only=False)


@pytest.mark.parametrize(
    ("url", "dsn", "display"),
    [
        (
            "postgresql://quiz:s3cret@db.example:5433/quiz",
            "postgresql://quiz:s3cret@db.example:5433/quiz",
            "postgresql://quiz@db.example:5433/quiz",
        ),
        (
            "postgres://quiz:s3cret@db.example/quiz?sslmode=require",
            "postgresql://quiz:s3cret@db.example/quiz?sslmode=require",
            "postgresql://quiz@db.example/quiz",
        ),
        (
            "POSTGRESQL://localhost/quiz",
            "postgresql://localhost/quiz",
            "postgresql://localhost/quiz",
        ),
    ],
)
def test_postgresql_urls_keep_the_dsn_and_display_no_password(
    url: str, dsn: str, display: str
) -> None:
    parsed = parse_database_url(url)
    assert (parsed.backend, parsed.path, parsed.dsn) == ("postgresql", None, dsn)
    assert parsed.display() == display


@pytest.mark.parametrize(
    "url",
    [
        "mysql://quiz:s3cret@db.example/quiz",
        "sqlite://quiz:s3cret@db.example/quiz",
        "postgresql://quiz:s3cret@db.example:port/quiz",
        "postgresql://quiz:s3cret@db.example:99999/quiz",
        "postgresql://quiz:s3cret@db.example",
        "postgresql://quiz:s3cret@db.example/",
        "sqlite:///",
        "sqlite:///data/",
        "sqlite:///:memory:",
        "sqlite:///quiz.sqlite3?mode=ro",
        "quiz.sqlite3",
        "",
    ],
)
async def test_malformed_urls_raise_a_message_without_the_password(url: str) -> None:
    with pytest.raises(DatabaseUrlError) as parsing:
        parse_database_url(url)
    assert "s3cret" not in one_line(parsing.value)
    assert "DATABASE_URL" in str(parsing.value)
    with pytest.raises(StorageError) as opening:
        await Store.open(url)
    assert "s3cret" not in str(opening.value)


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://quiz:s3cret@127.0.0.1:5432/quiz?no_such_option=1", "s3cret"),
        ("postgresql://quiz:s3%zzcret@127.0.0.1:5432/quiz", "zzcret"),  # a bad %-escape
    ],
)
async def test_a_postgresql_url_libpq_cannot_parse_is_refused_with_a_storage_error(
    url: str, password: str
) -> None:
    with pytest.raises(StorageError) as refused:
        await Store.open(url)
    assert password not in one_line(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://quiz:s3cret/x@db.example/quiz",
        "postgresql://quiz:s3cret#x@db.example/quiz",
        "postgresql://quiz:s3cret?x@db.example/quiz",
    ],
)
def test_a_password_with_url_syntax_in_it_stays_hidden(url: str) -> None:
    with pytest.raises(DatabaseUrlError) as parsing:
        parse_database_url(url)
    assert "s3cret" not in str(parsing.value)


async def test_a_unit_meeting_another_processs_write_lock_commits_once_the_lock_is_gone(
    tmp_path: Path,
) -> None:
    """SQLite units run in the event loop and never wait there: while another connection
    (the dashboard, a backup) holds the write lock, the unit is handed to the writer thread,
    which waits for the lock; the loop keeps serving reads meanwhile."""
    path = tmp_path / "locked.sqlite3"
    store = await Store.open(f"sqlite:///{path}")
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        pending = asyncio.ensure_future(store.write(lambda q: q.upsert_user(7, "Ann", now)))
        await asyncio.sleep(0.2)  # the unit is waiting in the writer thread, not failing
        assert not pending.done()
        assert await store.read(lambda q: q.get_user(7)) is None  # reads go on
        other.execute("COMMIT")
        await asyncio.wait_for(pending, 10)
        user = await store.read(lambda q: q.get_user(7))
        assert user is not None
        assert user.name == "Ann"
    finally:
        other.close()
        await store.close()


async def test_tidy_forgets_what_served_its_purpose_and_nothing_else(
    store: Store, bank: Bank, clock: FakeClock
) -> None:
    from bot.runtime.core import tidy  # noqa: PLC0415

    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    old, recent, soon = now - timedelta(days=2), now - timedelta(hours=1), now + timedelta(hours=1)
    quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(3))
    round_id = await play_private(quiz, ALICE, [(bank.questions[0].id, True)])

    def seed(q: Queries) -> None:
        q.inbox_add([(1, 5, "update", "{}"), (2, 5, "update", "{}"), (3, 5, "update", "{}")], old)
        ids = [r["id"] for r in q.sql.all("SELECT id FROM inbox ORDER BY id")]
        q.inbox_done(ids[:1], old)
        q.inbox_done(ids[1:2], recent)  # handled an hour ago: Telegram may still re-send it
        q.add_early_vote("gone-poll", BOB.id, "Bob", 1, old)
        q.add_early_vote("live-poll", BOB.id, "Bob", 1, recent)
        social.add_challenge(q, "expired-ch", ALICE.id, round_id, 1, 1, 900, old, recent)
        social.add_challenge(q, "live-ch", ALICE.id, round_id, 1, 1, 900, old, soon)
        auth_rows.add_login_token(q, "expired-link", ALICE.id, recent)
        auth_rows.add_login_token(q, "live-link", ALICE.id, soon)
        auth_rows.add_session(q, "expired-session", ALICE.id, "csrf", recent)
        auth_rows.add_session(q, "live-session", ALICE.id, "csrf", soon)

    await store.write(seed)
    removed = await store.write(partial(tidy, now=now))
    assert removed == 5  # one of each kind

    def left(q: Queries) -> dict[str, list[Any]]:
        def column(sql: str) -> list[Any]:
            return [next(iter(dict(r).values())) for r in q.sql.all(sql)]

        return {
            "inbox": column("SELECT update_id FROM inbox ORDER BY id"),
            "votes": column("SELECT poll_id FROM early_votes"),
            "challenges": column("SELECT token FROM challenges"),
            "links": column("SELECT token_hash FROM login_tokens"),
            "sessions": column("SELECT session_hash FROM dashboard_sessions"),
        }

    assert await store.read(left) == {
        "inbox": [2, 3],  # the unhandled one stays, of course
        "votes": ["live-poll"],
        "challenges": ["live-ch"],
        "links": ["live-link"],
        "sessions": ["live-session"],
    }


async def test_a_session_names_its_admin_when_they_have_played(store: Store) -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    def seed(q: Queries) -> None:
        q.upsert_user(ALICE.id, "Alice <i>", now)
        auth_rows.add_session(q, "alice-session", ALICE.id, "csrf", now + timedelta(hours=1))
        auth_rows.add_session(q, "stranger-session", 999, "csrf", now + timedelta(hours=1))

    await store.write(seed)
    alice = await store.read(lambda q: auth_rows.get_session(q, "alice-session", now))
    stranger = await store.read(lambda q: auth_rows.get_session(q, "stranger-session", now))
    assert alice is not None and alice.user_name == "Alice <i>"
    assert stranger is not None and (stranger.user_id, stranger.user_name) == (999, None)
