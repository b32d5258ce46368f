"""Timed work that runs exactly once across workers.

A job is a row in the ``jobs`` table (poll timers, reminders, daily quizzes, recaps). When it
is due, one transaction deletes it and puts a work item in the inbox: PostgreSQL's
``FOR UPDATE SKIP LOCKED`` (or SQLite's single writer) lets only one worker take it, and the
inbox then handles it like an update of its chat, in order with that chat's updates. A
worker that dies after taking a job leaves the item in the inbox for the next worker.

python-telegram-bot's JobQueue is the local clock: it ticks every second, and at the exact
time of a timer this worker armed. See docs/decisions/0006-jobs-exactly-once.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram.ext import JobQueue

from bot.engine.clock import Clock
from bot.runtime.scheduler import Inbox
from storage.db import Store
from storage.models import Job as StoredJob
from storage.queries import Queries

log = logging.getLogger(__name__)

TICK_EVERY = 1.0
TAKE = 200


def _move_due(q: Queries, now: datetime) -> list[int]:
    """Due jobs into the inbox, in one transaction; returns their keys."""
    jobs = q.take_due_jobs(now, TAKE)
    q.inbox_add([(None, job.key, job.kind, _payload(job)) for job in jobs], now)
    return [job.key for job in jobs]


def _payload(job: StoredJob) -> str:
    data: dict[str, Any] = json.loads(job.payload or "{}")
    data.setdefault("job", job.name)
    data.setdefault("due", job.run_at.isoformat())
    return json.dumps(data)


class JobClock:
    def __init__(self, store: Store, inbox: Inbox, clock: Clock) -> None:
        self.store = store
        self.inbox = inbox
        self.clock = clock
        self._queue: JobQueue[Any] | None = None
        # After a restart, due timers wait until the updates Telegram kept for us are in the
        # inbox: an overdue poll is closed only once the votes cast meanwhile are counted.
        self.caught_up = asyncio.Event()

    async def tick(self) -> int:
        """Move every due job into the inbox; returns how many moved."""
        if not self.caught_up.is_set():
            return 0
        keys = await self.store.write(lambda q: _move_due(q, self.clock()))
        if keys:
            self.inbox.wake(keys)
        return len(keys)

    def start(self, queue: JobQueue[Any]) -> None:
        self._queue = queue
        queue.run_repeating(self._ticked, interval=TICK_EVERY, first=0.1, name="jobs-tick")

    def arm(self, at: datetime) -> None:
        """Tick at ``at`` (a timer this worker just stored) instead of up to a second later."""
        if self._queue is None:
            return
        delay = max(0.0, (at - self.clock()).total_seconds())
        self._queue.run_once(self._ticked, when=delay + 0.05, name="jobs-tick-at")

    async def _ticked(self, context: Any) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("could not move due jobs")


JobHandler = Callable[[Any, int, dict[str, Any]], Awaitable[None]]  # (app, key, payload)
