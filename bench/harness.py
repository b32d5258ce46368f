"""What several benchmarks share: the real Application over instant requests, started as
``python -m bot`` starts it (without intake: updates go straight into its inbox), players
with open rounds, their answer taps, and a PostgreSQL database for the run."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.views import Player, RoundRequest
from bot.runtime.core import Runtime
from bot.telegram import callbacks as cb
from bot.telegram.app import build_application
from bot.telegram.context import services_of
from bot.testing import factories as f
from bot.testing.fakeapi import TOKEN
from bot.testing.instant import InstantRequest, Listener
from bot.testing.postgres import DEFAULT_ADMIN_URL, Postgres
from storage.models import ChatKind

ROUND = 10
INTAKE_BATCH = 100  # getUpdates returns at most 100 updates


class Finish:
    """Counts the feedback edits; ``done`` is set when the expected number went out."""

    def __init__(self, expected: int = 0) -> None:
        self.expected = expected
        self.edits = 0
        self.done = asyncio.Event()
        self.listeners: list[Listener] = []

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(method, params)
        if method == "editMessageText":
            self.edits += 1
            if self.edits >= self.expected:
                self.done.set()


@dataclass
class Bot:
    app: Application  # type: ignore[type-arg]
    finish: Finish

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = services_of(self.app).runtime
        return runtime

    @property
    def quiz(self) -> QuizEngine:
        quiz = services_of(self.app).quiz
        assert quiz is not None  # noqa: S101
        return quiz

    async def feed(self, updates: list[dict[str, Any]]) -> None:
        """Store updates as the poller does, in getUpdates-sized batches."""
        for start in range(0, len(updates), INTAKE_BATCH):
            await self.runtime.inbox.add_updates(updates[start : start + INTAKE_BATCH])


@asynccontextmanager
async def running_bot(
    db_url: str, *, clock: Clock = system_clock, **settings: Any
) -> AsyncIterator[Bot]:
    """The production Application and runtime over instant requests (the fair rate limiter
    included, at a rate that never holds a request back unless ``send_rate`` is given), or
    over HTTP to the fake Bot API at ``api_base_url``."""
    finish = Finish()
    requests = None
    if not settings.get("api_base_url"):  # an HTTP fake API when one is named
        settings.setdefault("send_rate", 1_000_000)
        requests = (InstantRequest(finish), InstantRequest())
    config = Settings(token=TOKEN, database_url=db_url, **settings)
    app = build_application(config, clock=clock, rng=random.Random(1), requests=requests)
    await app.initialize()
    assert app.post_init is not None  # noqa: S101
    await app.post_init(app)
    await app.start()
    bot = Bot(app, finish)
    await bot.runtime.start(intake=False)
    try:
        yield bot
    finally:
        await bot.runtime.stop(grace=5)
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None  # noqa: S101
        await app.post_shutdown(app)


async def open_rounds(quiz: QuizEngine, users: range) -> dict[int, int]:
    """An open ten-question private round for each user: user id -> round id."""
    rounds = {}
    for uid in users:
        player = Player(uid, f"player {uid}")
        started = await quiz.start_round(uid, ChatKind.PRIVATE, player, RoundRequest(ROUND))
        assert started.view is not None  # noqa: S101
        rounds[uid] = started.view.round_id
    return rounds


def answer_taps(rounds: dict[int, int], *, first_update_id: int = 1) -> list[dict[str, Any]]:
    """Each user's ten answers in order, interleaved across users as real traffic is, as
    the JSON updates Telegram sends."""
    rng = random.Random(2)
    updates: list[dict[str, Any]] = []
    for position in range(ROUND):
        for uid, round_id in rounds.items():
            data = cb.AnswerButton(round_id, position, rng.randrange(2)).data
            update = f.callback(f.user(uid, f"player {uid}"), data, 100 + position)
            updates.append({"update_id": first_update_id + len(updates), **update})
    return updates


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_admin_url() -> str:
    return (
        os.environ.get("BENCH_DATABASE_URL", "").strip()
        or os.environ.get("TEST_DATABASE_URL", "").strip()
        or DEFAULT_ADMIN_URL
    )


@asynccontextmanager
async def postgres_server() -> AsyncIterator[Postgres | None]:
    """A server for this run with a migrated template; ``fresh()`` gives each benchmark its
    own database. None: no server reachable (the PostgreSQL rows then say so)."""
    server = Postgres(postgres_admin_url())
    try:
        server.execute(f'CREATE DATABASE "{server.template}"')
    except Exception:  # noqa: BLE001 - no server (or no driver)
        yield None
        return
    try:
        from storage.db import Store  # noqa: PLC0415

        store = await Store.open(server.url(server.template))
        await store.close()
        yield server
    finally:
        with suppress(Exception):
            server.drop_all()
