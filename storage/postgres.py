"""The PostgreSQL backend (scale-out): psycopg 3's synchronous API in the store's threads.

Install the driver with the ``postgres`` extra. Each pool thread owns one connection in
autocommit mode; units of work open their transaction explicitly, so a batch is one
``BEGIN … COMMIT``. Migrations run under an advisory lock, so workers that start together
migrate once. See docs/decisions/0004-storage-backends.md for the driver choice.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from storage.backend import Backend, StorageError
from storage.schema import POSTGRES_MIGRATIONS, SCHEMA_VERSION
from storage.sql import Dialect
from storage.url import DatabaseUrl

try:
    import psycopg
    from psycopg import errors
    from psycopg.rows import dict_row
except ImportError:  # pragma: no cover - the extra is not installed
    psycopg = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x51_75_69_7A  # any constant shared by every worker of this bot
CONNECT_TIMEOUT = 10


class PostgresBackend(Backend):
    dialect = Dialect.POSTGRES
    writers = 8
    readers = 4

    def __init__(self, url: DatabaseUrl) -> None:
        if psycopg is None:
            raise StorageError(
                "PostgreSQL needs the driver: pip install -e '.[postgres]' (psycopg 3)"
            )
        assert url.dsn is not None  # noqa: S101
        self.url = url
        self.dsn = url.dsn

    def _connect(self, *, read_only: bool = False) -> Any:
        try:
            conn = psycopg.connect(
                self.dsn,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="article-quiz-bot",
            )
        except psycopg.ProgrammingError:  # libpq cannot parse it; its words may quote secrets
            raise StorageError(
                f"DATABASE_URL is not a connection URL PostgreSQL understands: "
                f"{self.url.display()} (check its parameters and %-escapes)"
            ) from None
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split())[:300].replace(self.dsn, self.url.display())
            raise StorageError(
                f"cannot connect to PostgreSQL at {self.url.display()}: {reason}"
            ) from None
        if read_only:
            conn.execute("SET default_transaction_read_only = on")
        return conn

    def prepare(self, migrate_schema: bool) -> None:
        with contextlib.closing(self._connect()) as conn:
            if migrate_schema:
                self._migrate(conn)
            else:
                version = self._version(conn)
                if version != SCHEMA_VERSION:
                    raise StorageError(
                        f"database {self.url.display()} has schema version {version}, this "
                        f"code needs {SCHEMA_VERSION}: start the bot on it once to migrate it"
                    )

    @staticmethod
    def _version(conn: Any) -> int:
        exists = conn.execute("SELECT to_regclass('schema_version') AS t").fetchone()["t"]
        if exists is None:
            return 0
        row = conn.execute("SELECT MAX(version) AS v FROM schema_version").fetchone()
        return int(row["v"] or 0)

    def _migrate(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"the database has schema version {version}, newer than this code "
                    f"({SCHEMA_VERSION})"
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                try:
                    with conn.transaction():
                        conn.execute(POSTGRES_MIGRATIONS[number - 1])
                        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
                except psycopg.Error as exc:
                    raise StorageError(f"database migration {number} failed: {exc}") from exc
                log.info("database migrated to schema version %d", number)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    def open_writer(self) -> Any:
        return _prepared(self._connect())

    def open_reader(self) -> Any:
        return _prepared(self._connect(read_only=True))

    def begin(self, conn: Any) -> None:
        conn.execute("BEGIN")

    def commit(self, conn: Any) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        conn.execute("ROLLBACK")

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, errors.DeadlockDetected | errors.SerializationFailure)

    def is_broken(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _prepared(conn: Any) -> Any:
    """Every statement is prepared on its first run on the connection: planning a query
    costs more than running it here (psycopg keeps the 100 most recent)."""
    conn.prepare_threshold = 0
    return conn
