"""The real bot Application on an offline fake Bot API, started as run_polling would."""

from __future__ import annotations

import random
from pathlib import Path

from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import build_application
from tests.fakeapi import TOKEN, FakeBotApi, OfflineRequest


async def start_bot(
    api: FakeBotApi, db: Path, *, rate_limit: bool = False, concurrency: int = 64
) -> Application:  # type: ignore[type-arg]
    settings = Settings(token=TOKEN, database_url=f"sqlite:///{db}")
    app = build_application(
        settings,
        rng=random.Random(1),
        rate_limit=rate_limit,
        requests=(OfflineRequest(api), OfflineRequest(api)),
        concurrency=concurrency,
    )
    await app.initialize()
    assert app.post_init is not None  # noqa: S101
    await app.post_init(app)
    return app


async def stop_bot(app: Application) -> None:  # type: ignore[type-arg]
    if app.running:
        await app.stop()
    await app.shutdown()
    assert app.post_shutdown is not None  # noqa: S101
    await app.post_shutdown(app)
