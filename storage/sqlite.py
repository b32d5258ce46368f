"""The SQLite backend (the embedded default): stdlib ``sqlite3`` in the store's threads.

WAL lets readers see every committed transaction without waiting for the writer;
``synchronous=NORMAL`` keeps every commit across a crash of the process (ADR 0002). Files
are opened through escaped ``file:`` URIs, so a ``#`` or ``%`` in a name stays a name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from storage.backend import Backend, StorageError
from storage.models import to_text
from storage.schema import SCHEMA_VERSION, SQLITE_MIGRATIONS
from storage.sql import Dialect
from storage.url import DatabaseUrl

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

# Times go to SQLite as ISO-8601 UTC text (sortable); PostgreSQL's driver takes datetimes.
sqlite3.register_adapter(datetime, to_text)


def make_private_dirs(directory: Path) -> None:
    """Create missing directories owner-only (0700), whatever the umask."""
    missing = []
    for parent in (directory, *directory.parents):
        if parent.exists():
            break
        missing.append(parent)
    for path in reversed(missing):
        path.mkdir(mode=0o700)
        path.chmod(0o700)


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600) if it does not exist."""
    try:
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot create database file {path}: {exc.strerror}") from exc
    os.close(fd)


def _check_regular(path: Path) -> bool:
    """True if the file exists; refuse anything but a regular file (/dev/null, a folder):
    SQLite would write its journal beside it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageError(f"cannot use database file {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        raise StorageError(f"{path} is not a regular file; DATABASE_URL must name a file")
    return True


def _damage(conn: sqlite3.Connection) -> str | None:
    """None if ``PRAGMA quick_check`` finds nothing, else its first finding on one line."""
    found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(20)").fetchall()]
    if found == ["ok"]:
        return None
    first = " ".join(found[0].split())[:200]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return first + more


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the database has not seen yet; return the resulting version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the database has schema version {version}, newer than this code ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        script = SQLITE_MIGRATIONS[number - 1]
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StorageError(f"database migration {number} failed: {exc}") from exc
        log.info("database migrated to schema version %d", number)
    return SCHEMA_VERSION


class SqliteBackend(Backend):
    dialect = Dialect.SQLITE
    writers = 1
    readers = 2
    inline = True

    def __init__(self, url: DatabaseUrl) -> None:
        assert url.path is not None  # noqa: S101
        self.url = url
        self.path = url.path

    def _connect(self, *, read_only: bool, busy_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.url.sqlite_uri(read_only=read_only),
            uri=True,
            isolation_level=None,  # autocommit: transactions are explicit
            check_same_thread=False,  # each connection stays in the thread that opened it
            timeout=busy_ms / 1000,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        conn.execute("PRAGMA foreign_keys = ON")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
        return conn

    def prepare(self, migrate_schema: bool) -> None:
        exists = _check_regular(self.path)
        if not exists and not migrate_schema:
            raise StorageError(f"database file {self.path} does not exist")
        if not exists:
            create_private_file(self.path)
        try:
            with contextlib.closing(self._connect(read_only=not migrate_schema)) as conn:
                damage = _damage(conn)
                if damage:
                    raise StorageError(
                        f"database {self.path} is damaged ({damage}); restore a backup"
                    )
                if migrate_schema:
                    conn.execute("PRAGMA journal_mode = WAL")
                    migrate(conn)
                else:
                    self._require_current(conn)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from exc

    def _require_current(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version != SCHEMA_VERSION:
            raise StorageError(
                f"database {self.path} has schema version {version}, this code needs "
                f"{SCHEMA_VERSION}: start the bot on it once to migrate it"
            )

    def open_writer(self) -> sqlite3.Connection:
        conn = self._connect(read_only=False)
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives a crash of the process (kill -9); only a power
        # loss can roll back the last commits. See docs/decisions/0002-sqlite-durability.md.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def open_reader(self) -> sqlite3.Connection:
        return self._connect(read_only=True)

    def open_inline_writer(self) -> sqlite3.Connection:
        """The event loop's writer: it never waits for a lock (the store hands a locked
        moment to the writer thread, which does) and never checkpoints on a commit (the
        store has the writer thread do that too)."""
        conn = self._connect(read_only=False, busy_ms=0)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def open_inline_reader(self) -> sqlite3.Connection:
        return self._connect(read_only=True, busy_ms=0)

    def is_busy(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF in (
            sqlite3.SQLITE_BUSY,
            sqlite3.SQLITE_LOCKED,
        )

    def wal_bytes(self) -> int:
        try:
            return self.path.with_name(self.path.name + "-wal").stat().st_size
        except OSError:
            return 0

    def checkpoint(self, conn: Any) -> None:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def begin(self, conn: Any) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def commit(self, conn: Any) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def backup(self, target: Path) -> None:
        backup_file(self.url, target)


def backup_file(url: DatabaseUrl, target: Path) -> None:
    """Copy a live SQLite database with its online backup API into a new 0600 file.

    The source is opened read-only and never created or migrated; a missing source is an
    error (a mistyped DATABASE_URL must not "back up" an empty new database).
    """
    assert url.path is not None  # noqa: S101
    if not _check_regular(url.path):
        raise StorageError(f"database file {url.path} does not exist")
    if target.exists():
        raise StorageError(f"backup target {target} already exists")
    try:
        with contextlib.closing(
            sqlite3.connect(url.sqlite_uri(read_only=True), uri=True, timeout=5)
        ) as source:
            damage = _damage(source)
            if damage:
                raise StorageError(f"database {url.path} is damaged ({damage}); not backed up")
            create_private_file(target)
            with contextlib.closing(sqlite3.connect(target)) as dest:
                source.backup(dest)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot back up {url.path}: {exc}") from exc
