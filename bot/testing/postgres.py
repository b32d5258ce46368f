"""A PostgreSQL server for one run of the tests or the benchmarks: a migrated template
database, and a fresh copy of it on demand, all dropped at the end."""

from __future__ import annotations

import itertools
import secrets
from urllib.parse import urlsplit, urlunsplit

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


class Postgres:
    """A server for this run: a migrated template, and a fresh copy per test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.run = secrets.token_hex(3)
        self.template = f"quizbot_{self.run}_template"
        self.count = itertools.count(1)
        self.created: list[str] = []

    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))

    def execute(self, sql: str) -> None:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)

    def fresh(self) -> str:
        name = f"quizbot_{self.run}_{next(self.count)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        for name in [*self.created, self.template]:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
