"""Shared fixtures: a fake clock, databases on both backends, one fake Bot API server for the
whole session, and the real bot running against it.

PostgreSQL: ``TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
names a server where a fresh database is created for this run; each test gets its own copy
of a migrated template. Without a server, PostgreSQL tests skip, except under ``CI=true``,
where a skip is a failure.
"""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime.core import Runtime
from bot.runtime.scheduler import FloodPolicy
from bot.telegram.app import App, build_application
from bot.telegram.context import services_of
from bot.testing.fakeapi import TOKEN, Call, FakeBotApi
from bot.testing.postgres import DEFAULT_ADMIN_URL, Postgres
from questions.loader import load_default_bank
from questions.model import Bank

IN_CI = os.environ.get("CI", "").lower() == "true"


class FakeClock:
    """An injected clock: tests move time explicitly."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_default_bank()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


# databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def postgres() -> AsyncIterator[Postgres | None]:
    admin = os.environ.get("TEST_DATABASE_URL", "").strip() or DEFAULT_ADMIN_URL
    server = Postgres(admin)
    try:
        server.execute(f'CREATE DATABASE "{server.template}"')
    except Exception as exc:  # noqa: BLE001 - no server here: skip, or fail under CI
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL at {admin} is not usable: {exc}")
        yield None
        return
    from storage.db import Store  # noqa: PLC0415

    store = await Store.open(server.url(server.template))
    await store.close()
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path, postgres: Postgres | None) -> str:
    """A fresh database on each backend: storage and engine tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quiz.sqlite3'}"
    if postgres is None:
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL)")
    return postgres.fresh()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'quiz.sqlite3'}"


@pytest.fixture
def pg_url(postgres: Postgres | None) -> str:
    if postgres is None:
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL)")
    return postgres.fresh()


# the bot ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def api_server() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def api(api_server: FakeBotApi) -> FakeBotApi:
    api_server.reset()
    return api_server


class Running:
    """The real Application, started as ``python -m bot`` starts it, and test helpers."""

    def __init__(self, app: App, api: FakeBotApi) -> None:
        self.app = app
        self.api = api
        svc = services_of(app)
        self.quiz, self.study = svc.engines()
        assert svc.store is not None
        self.store = svc.store
        self.runtime: Runtime = svc.runtime

    async def send(
        self, update: dict[str, Any], method: str = "sendMessage", count: int = 1
    ) -> list[Call]:
        """Push an update and wait for ``count`` calls of ``method`` it causes."""
        mark = len(self.api.calls)
        self.api.push(update)
        return await self.api.wait_calls(method, count, since=mark)

    async def settle(self) -> None:
        """Every pushed update fetched, stored and handled."""
        await self.api.drained()
        await self.runtime.idle()

    async def tick(self) -> int:
        """Move due jobs into the inbox now (the JobQueue does this every second)."""
        await self.runtime.jobs.caught_up.wait()
        moved = await self.runtime.jobs.tick()
        await self.runtime.idle()
        return moved


@asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    db_url: str,
    clock: FakeClock,
    *,
    seed: int = 1,
    rate_limit: bool = False,
    timeout: float | None = None,
    flood: FloodPolicy | None = None,
    **settings: Any,
) -> AsyncIterator[Running]:
    """Start the real Application against the fake API, as ``bot.run.serve`` does."""
    config = Settings(token=TOKEN, api_base_url=api.base_url, database_url=db_url, **settings)
    app = build_application(
        config,
        clock=clock,
        rng=random.Random(seed),
        rate_limit=rate_limit,
        timeout=timeout,
        flood=flood,
        long_poll=1,
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    running = Running(app, api)
    await running.runtime.start()
    try:
        yield running
    finally:
        await running.runtime.stop(grace=1)
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
