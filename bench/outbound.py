"""A reminder run: every player's daily reminder falls due at once, against a fake Bot API
that answers 429 past Telegram's limits (about 30 messages a second overall, one a second
per chat). The fair rate limiter should keep every message under them: no 429 at all."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Row
from bench.harness import running_bot
from bot.engine.views import Player
from bot.telegram.context import services_of
from bot.testing.fakeapi import FakeBotApi
from questions.loader import load_default_bank
from storage.queries import Queries

OVERALL_PER_SECOND = 30
SEND_RATE = 25  # the bot's default SEND_RATE


class LimitedBotApi(FakeBotApi):
    """Answers 429 (retry after 1 s) past 30 messages a second overall or 1 a second in one
    chat, as Telegram does."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.window: deque[float] = deque()
        self.per_chat: dict[str, float] = {}
        self.rejected = 0
        self.delivered = 0

    async def respond(self, method: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            now = time.monotonic()
            while self.window and now - self.window[0] >= 1:
                self.window.popleft()
            chat = fields.get("chat_id", "")
            if len(self.window) >= OVERALL_PER_SECOND or now - self.per_chat.get(chat, -9) < 1:
                self.rejected += 1
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
                return 429, body
            self.window.append(now)
            self.per_chat[chat] = now
            self.delivered += 1
        return await super().respond(method, fields)


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _due_cards(q: Queries, users: int, question_id: str, due: datetime) -> None:
    for uid in range(1, users + 1):
        q.save_card(uid, question_id, "{}", due, False)


async def reminder_run(users: int) -> Row:
    api = LimitedBotApi()
    await api.start()
    clock = MovableClock()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'remind.sqlite3'}"
        async with running_bot(
            url, clock=clock, api_base_url=api.base_url, send_rate=SEND_RATE
        ) as bot:
            study = services_of(bot.app).study
            assert study is not None  # noqa: S101
            first = load_default_bank().questions[0].id
            minute = (clock.now.hour * 60 + clock.now.minute + 2) % 1440
            for uid in range(1, users + 1):
                await study.set_reminder(Player(uid, f"player {uid}"), uid, minute, "UTC")
            await bot.runtime.store.write(
                lambda q: _due_cards(q, users, first, clock.now - timedelta(days=1))
            )
            clock.now += timedelta(minutes=3)
            begin = time.monotonic()
            await bot.runtime.jobs.tick()
            await api.wait_for(lambda: api.delivered >= users, users / SEND_RATE * 3 + 60)
            took = time.monotonic() - begin
    await api.stop()
    minimum = users / OVERALL_PER_SECOND
    return Row(
        f"Reminder run to {users:,} players, all due at once (limits: "
        f"{OVERALL_PER_SECOND}/s overall, 1/s per chat)",
        f"{api.rejected} × 429; all {api.delivered:,} sent in {took:.1f} s",
        f"{minimum:.1f} s at Telegram's {OVERALL_PER_SECOND}/s (the bot keeps to {SEND_RATE}/s)",
        took / minimum,
        "0 × 429",
        api.rejected == 0 and api.delivered >= users,
    )


if __name__ == "__main__":  # pragma: no cover - a quick look by hand
    print(asyncio.run(reminder_run(50)))
