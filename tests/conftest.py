"""Shared fixtures: a fake clock, a temp database, the fake Bot API and a running bot."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application
from questions.loader import load_default_bank
from questions.model import Bank
from tests.fakeapi import TOKEN, FakeBotApi


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


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'quiz.sqlite3'}"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


BotFactory = Callable[..., Any]


@asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    db_url: str,
    clock: FakeClock,
    *,
    seed: int = 1,
    rate_limit: bool = False,
    timeout: float | None = None,
    **settings: Any,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start the real Application against the fake API, as run_polling would, then stop it."""
    config = Settings(token=TOKEN, api_base_url=api.base_url, database_url=db_url, **settings)
    app = build_application(
        config,
        clock=clock,
        rng=random.Random(seed),
        rate_limit=rate_limit,
        timeout=timeout,
        concurrency=1,  # in order, so api.settle() is a barrier; test_processor covers >1
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
