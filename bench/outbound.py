"""A reminder run against a fake Bot API that enforces Telegram's flood limits."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.app import start_bot, stop_bot
from bench.common import Row
from bot.telegram.study import reminder_job
from tests.fakeapi import FakeBotApi

OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1


class LimitedBotApi(FakeBotApi):
    """Answers 429 (retry_after 1) past ~30 messages/s overall or 1/s in one chat."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sent: deque[float] = deque()
        self.per_chat: dict[str, float] = {}
        self.rejected = 0
        self.delivered = 0
        self.all_sent = asyncio.Event()
        self.expected = 0

    async def respond(self, method: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            now = time.monotonic()
            while self.sent and now - self.sent[0] >= 1:
                self.sent.popleft()
            chat = fields.get("chat_id", "")
            if len(self.sent) >= OVERALL_PER_SECOND or now - self.per_chat.get(chat, -9) < 1:
                self.rejected += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
            self.sent.append(now)
            self.per_chat[chat] = now
            self.delivered += 1
            if self.delivered >= self.expected:
                self.all_sent.set()
        return await super().respond(method, fields)


def _seed(path: Path, users: int) -> None:
    due = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="microseconds")
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
            ((uid, f"u{uid}") for uid in range(1, users + 1)),
        )
        conn.executemany(
            "INSERT INTO cards (user_id, question_id, card, due, last_correct) "
            "VALUES (?, 'q', '{}', ?, 0)",
            ((uid, due) for uid in range(1, users + 1)),
        )
        conn.executemany(
            "INSERT INTO reminders (user_id, chat_id, minute_utc) VALUES (?, ?, 480)",
            ((uid, uid) for uid in range(1, users + 1)),
        )


async def reminder_run(users: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "remind.sqlite3"
        api = LimitedBotApi()
        api.expected = users
        app = await start_bot(api, db, rate_limit=True)
        _seed(db, users)
        await app.start()
        assert app.job_queue is not None  # noqa: S101
        begin = time.monotonic()
        for uid in range(1, users + 1):  # every user's daily reminder falls due at once
            app.job_queue.run_once(reminder_job, 0, data=uid, chat_id=uid, name=f"review:{uid}")
        await asyncio.wait_for(api.all_sent.wait(), users / OVERALL_PER_SECOND * 3 + 60)
        took = time.monotonic() - begin
        await stop_bot(app)
    minimum = users / OVERALL_PER_SECOND
    return Row(
        f"Reminder run to {users:,} users (limits: {OVERALL_PER_SECOND}/s overall, 1/s per chat)",
        f"{api.rejected} × 429; {took:.1f} s",
        f"{minimum:.1f} s theoretical minimum",
        took / minimum,
        "0 × 429",
        api.rejected == 0 and api.delivered >= users,
    )
