"""The SQLite store: one writer connection for transactions, one read-only connection for reads.

WAL lets the reader see every committed transaction without waiting for the writer. Writes go
through :meth:`Store.transaction` (statement by statement) or :meth:`Store.write` (a unit of work
in one trip, group-committed), serialised by one asyncio lock, so writes that belong together
commit (or roll back) together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.queries import Queries, Session
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.thread import in_thread
from storage.url import path_from_url

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")


class StorageError(Exception):
    """The database cannot be opened or migrated; the message says why in one line."""


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600) if it does not exist yet."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot create database file {path}: {exc.strerror}") from exc
    os.close(fd)


def preflight(url: str) -> Path:
    """Check, before the bot starts, that the database file can be created and read."""
    path = path_from_url(url)
    create_private_file(path)
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as conn:
            conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    return path


async def _configure(conn: aiosqlite.Connection, *, writer: bool) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    if writer:
        await conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives a crash of the process (kill -9); only a power
        # loss can roll back the last commits. See docs/decisions/0002-sqlite-durability.md.
        await conn.execute("PRAGMA synchronous = NORMAL")
    else:
        await conn.execute("PRAGMA query_only = ON")


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations the database has not seen yet; return the resulting version."""
    rows = await conn.execute_fetchall("PRAGMA user_version")
    version = int(next(iter(rows))[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the database has schema version {version}, newer than this code ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[number - 1]
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        log.info("database migrated to schema version %d", number)
    return SCHEMA_VERSION


def _commit_units(q: Queries, works: list[Callable[[Queries], Any]]) -> list[tuple[bool, Any]]:
    """In the database thread: all units in one transaction with one COMMIT.

    If a unit raises, the batch is rolled back and every unit runs again in a transaction of
    its own, so only the failing unit's caller sees the error.
    """
    conn = q.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        results: list[tuple[bool, Any]] = [(True, work(q)) for work in works]
        conn.execute("COMMIT")
    except Exception as exc:  # noqa: BLE001 - any unit's error goes back to its caller
        conn.execute("ROLLBACK")
        if len(works) == 1:
            return [(False, exc)]
        return [_commit_units(q, [work])[0] for work in works]
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return results


class Store:
    """Owns the connections. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.reads = Session(reader)
        self._pending: list[tuple[Callable[[Queries], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str) -> Store:
        path = path_from_url(url)
        create_private_file(path)
        writer = reader = None
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
            await _configure(writer, writer=True)
            await migrate(writer)
            reader = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True)
            await _configure(reader, writer=False)
        except sqlite3.Error as exc:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        except BaseException:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """One write transaction: commits when the block ends, rolls back if it raises."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def write(self, work: Callable[[Queries], T]) -> T:
        """Run a unit of work in a write transaction and return its result once committed.

        Units submitted while a batch is being written are committed together in the next
        batch (group commit): one trip to the database thread and one COMMIT for all of them.
        Each unit runs in its own SAVEPOINT, so a unit that raises is rolled back alone and its
        caller gets the exception; the others still commit.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        async with self._write_lock:
            while self._pending:
                batch, self._pending = self._pending, []
                works = [work for work, _ in batch]
                try:
                    results = await in_thread(self._writer, partial(_commit_units, works=works))
                except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                    results = [(False, exc)] * len(batch)
                for (_, future), (ok, value) in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)

    async def backup(self, target: Path) -> None:
        """Copy the live database with SQLite's online backup API into a new 0600 file."""
        if await asyncio.to_thread(target.exists):
            raise StorageError(f"backup target {target} already exists")
        await asyncio.to_thread(create_private_file, target)
        async with self._write_lock:
            dest = await aiosqlite.connect(target)
            try:
                await self._writer.backup(dest)
            finally:
                await dest.close()
