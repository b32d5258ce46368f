"""The SQLite store: one writer connection for transactions, one read-only connection for reads.

WAL lets the reader see every committed transaction without waiting for the writer. All writes go
through :meth:`Store.transaction`, serialised by an asyncio lock, so writes that belong together
commit (or roll back) together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.queries import Session
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.url import path_from_url

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


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


class Store:
    """Owns the connections. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.reads = Session(reader)

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
