"""``DATABASE_URL`` parsing.

- SQLite (the default): ``sqlite:///relative.sqlite3`` or ``sqlite:////abs/path.sqlite3``.
- PostgreSQL: ``postgresql://user:pass@host:port/db`` (``postgres://`` is accepted too), with
  libpq query parameters such as ``?sslmode=require``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///quiz.sqlite3"
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql", "postgres")

Backend = Literal["sqlite", "postgresql"]


class DatabaseUrlError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    backend: Backend
    path: Path | None = None  # SQLite: the database file
    dsn: str | None = None  # PostgreSQL: a libpq connection URI

    def sqlite_uri(self, *, read_only: bool) -> str:
        """An SQLite ``file:`` URI for the path, escaped so ``#``, ``%`` or ``?`` in a file
        name cannot turn into URI syntax (and open another file)."""
        assert self.path is not None  # noqa: S101 - only called on SQLite URLs
        mode = "ro" if read_only else "rwc"
        return f"file:{quote(str(self.path.resolve()))}?mode={mode}"

    def display(self) -> str:
        """For logs and messages: the file, or the PostgreSQL URL without its password."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.dsn or "")
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def parse_database_url(url: str) -> DatabaseUrl:
    """Return the backend and its location; raise :class:`DatabaseUrlError` on anything else."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in _POSTGRES_SCHEMES:
        return _postgres(url)
    if not url.startswith(_SQLITE_PREFIX):
        raise DatabaseUrlError(
            f"DATABASE_URL must look like {DEFAULT_DATABASE_URL}, sqlite:////abs/path.sqlite3 "
            f"or postgresql://user:pass@host:5432/db, not {_safe(url)!r}"
        )
    rest = url[len(_SQLITE_PREFIX) :]
    if not rest or rest.endswith("/") or "?" in rest or rest == ":memory:":
        raise DatabaseUrlError(f"DATABASE_URL must name a database file, not {_safe(url)!r}")
    return DatabaseUrl("sqlite", path=Path(rest))


def _postgres(url: str) -> DatabaseUrl:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        # The error text may quote the URL, password included: say what is wrong without it.
        raise DatabaseUrlError(
            f"DATABASE_URL is not a valid PostgreSQL URL (check the port): {_safe(url)!r}"
        ) from None
    if not parts.path.strip("/"):
        raise DatabaseUrlError(
            "DATABASE_URL must name a database: postgresql://user:pass@host:5432/dbname"
        )
    dsn = "postgresql" + url[len(parts.scheme) :]
    return DatabaseUrl("postgresql", dsn=dsn)


def _safe(url: str) -> str:
    """The URL without a password, for error messages."""
    return re.sub(r"(//[^:/@]*:).*@", r"\1***@", url)[:200]


def path_from_url(url: str) -> Path:
    """The SQLite file of a ``sqlite:`` URL (tools that only work on SQLite files)."""
    parsed = parse_database_url(url)
    if parsed.path is None:
        raise DatabaseUrlError(f"{parsed.display()} is not an SQLite file URL")
    return parsed.path
