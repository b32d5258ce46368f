"""One DB-API connection with the four calls the queries need, in either dialect.

Queries are written once, with ``?`` placeholders and SQL that SQLite and PostgreSQL both
accept. For psycopg the text is translated once per statement (``?`` to ``%s``, ``%`` to
``%%``) and cached; nothing else differs at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

Params = Sequence[Any]


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgresql"


class _Cursor(Protocol):
    rowcount: int

    def fetchall(self) -> list[Any]: ...


class _Connection(Protocol):
    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (our SQL never has ``?`` inside literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


class Sql:
    """Statements on one connection. Used only in the connection's own thread."""

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self.conn: _Connection = conn
        self.dialect = dialect
        self._pg = dialect is Dialect.POSTGRES

    def _execute(self, sql: str, params: Params) -> _Cursor:
        if self._pg:
            return self.conn.execute(to_postgres(sql), tuple(params))  # type: ignore[no-any-return]
        return self.conn.execute(sql, params)  # type: ignore[no-any-return]

    def all(self, sql: str, params: Params = ()) -> list[Any]:
        return self._execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> Any:
        rows = self._execute(sql, params).fetchall()  # run to completion (RETURNING too)
        return rows[0] if rows else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (e.g. a COUNT), or None."""
        row = self.one(sql, params)
        if row is None:
            return None
        return next(iter(row.values())) if self._pg else row[0]

    def run(self, sql: str, params: Params = ()) -> int:
        """A statement without rows to read; returns how many rows it changed."""
        return self._execute(sql, params).rowcount

    def columns(self, table: str) -> list[str]:
        """A table's column names, in order (``table`` comes from the schema, not input)."""
        cursor = self._execute(f"SELECT * FROM {table} LIMIT 0", ())
        cursor.fetchall()
        return [d[0] for d in cursor.description]  # type: ignore[attr-defined]

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        if self._pg:
            with self.conn.cursor() as cursor:  # type: ignore[attr-defined]
                cursor.executemany(to_postgres(sql), [tuple(r) for r in rows])
        else:
            self.conn.executemany(sql, rows)  # type: ignore[attr-defined]


def placeholders(count: int, width: int = 1) -> str:
    """``(?, ?), (?, ?)`` for multi-row VALUES, or ``?, ?, ?`` for an IN list (width 1)."""
    if width == 1:
        return ", ".join(["?"] * count)
    row = "(" + ", ".join(["?"] * width) + ")"
    return ", ".join([row] * count)
