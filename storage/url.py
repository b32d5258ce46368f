"""``DATABASE_URL`` parsing: ``sqlite:///relative.sqlite3`` or ``sqlite:////abs/path.sqlite3``."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///quiz.sqlite3"
_PREFIX = "sqlite:///"


class DatabaseUrlError(ValueError):
    pass


def path_from_url(url: str) -> Path:
    """Return the database file path; relative paths are relative to the working directory."""
    if not url.startswith(_PREFIX):
        raise DatabaseUrlError(
            f"DATABASE_URL must look like {DEFAULT_DATABASE_URL} or sqlite:////abs/path.sqlite3, "
            f"not {url!r}"
        )
    rest = url[len(_PREFIX) :]
    if not rest or rest.endswith("/") or "?" in rest or rest == ":memory:":
        raise DatabaseUrlError(f"DATABASE_URL must name a database file, not {url!r}")
    return Path(rest)
