"""One worker's runtime: the inbox, the fair scheduler, timed jobs, and the intake (long
polling, or the webhook server). ``bot.run`` starts and stops it around the Application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.config import Settings
from bot.engine.clock import Clock
from bot.runtime.jobs import JobClock
from bot.runtime.limiter import BACKGROUND, INTERACTIVE, PRIORITY, FairRateLimiter
from bot.runtime.polling import Poller
from bot.runtime.scheduler import UPDATE, FloodPolicy, Inbox, Scheduler
from bot.runtime.webhook import WebhookServer
from storage import auth as auth_rows
from storage import social as social_rows
from storage.db import Store
from storage.models import InboxItem
from storage.queries import Queries
from storage.sql import Dialect

log = logging.getLogger(__name__)

HEARTBEAT = 10.0
TIDY_EVERY = 360  # heartbeats: hourly
KEEP_DONE = timedelta(hours=24)  # Telegram re-delivers within this; older ids are forgotten
WEBHOOK_CATCH_UP = 3.0
WORKER_LEASE = timedelta(seconds=30)
JobHandler = Callable[[Any, int, dict[str, Any]], Awaitable[None]]  # (application, key, data)


def worker_name(configured: str | None = None) -> str:
    """This worker's name in leases: WORKER_ID if set (a worker restarted under the same
    name takes its leases back at once), else host, process and a random suffix."""
    return configured or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Runtime:
    def __init__(
        self,
        app: Any,
        store: Store,
        settings: Settings,
        clock: Clock,
        *,
        allowed_updates: list[str],
        limiter: FairRateLimiter | None = None,
        flood: FloodPolicy | None = None,
        long_poll: int = 10,
    ) -> None:
        self.app = app
        self.store = store
        self.settings = settings
        self.clock = clock
        self.owner = worker_name(settings.worker_id)
        self.allowed_updates = allowed_updates
        self.limiter = limiter
        self.long_poll = long_poll
        self.inbox = Inbox(store, clock)
        self.scheduler = Scheduler(
            store,
            self.dispatch,
            owner=self.owner,
            clock=clock,
            slots=settings.concurrency,
            flood=flood,
            notify_flood=self._slow_down,
        )
        self.inbox.listeners.append(self.scheduler.wake)
        self.jobs = JobClock(store, self.inbox, clock)
        self._handlers: dict[str, tuple[JobHandler, bool]] = {}
        self.poller: Poller | None = None
        self.webhook: WebhookServer | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._waiting: asyncio.Task[None] | None = None
        self._active = 0
        self._changed = asyncio.Condition()

    # work items ---------------------------------------------------------------------------

    def register(self, kind: str, handler: JobHandler, *, background: bool = False) -> None:
        """Handle inbox items of ``kind`` (due jobs); background work yields to replies."""
        self._handlers[kind] = (handler, background)

    async def dispatch(self, item: InboxItem, payload: Any) -> None:
        """Handle one inbox item; ``payload`` is its decoded JSON (None if undecodable)."""
        self._active += 1
        try:
            if item.kind == UPDATE:
                await self._update(item, payload)
            else:
                await self._work(item, payload)
        finally:
            self._active -= 1
            async with self._changed:
                self._changed.notify_all()

    async def _update(self, item: InboxItem, payload: Any) -> None:
        try:
            update = Update.de_json(payload, self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError, TelegramError):
            log.warning("ignored a malformed update %s", item.update_id)
            return
        await self.app.process_update(update)

    async def _work(self, item: InboxItem, payload: Any) -> None:
        found = self._handlers.get(item.kind)
        if found is None:
            log.warning("no handler for inbox work %r", item.kind)
            return
        handler, background = found
        token = PRIORITY.set(BACKGROUND if background else INTERACTIVE)
        try:
            await handler(self.app, item.key, payload if isinstance(payload, dict) else {})
        except Exception:
            log.exception("work item %s (%s) failed", item.id, item.kind)
        finally:
            PRIORITY.reset(token)

    async def _slow_down(self, key: int, dropped: int) -> None:
        try:
            await self.app.bot.send_message(
                key, "🐢 Slow down a little: I skipped some repeated messages and taps."
            )
        except TelegramError as exc:
            log.info("could not send the slow-down notice: %s", exc)
        log.info("flood from key %s: %d updates dropped", key, dropped)

    # lifecycle ----------------------------------------------------------------------------

    async def start(self, *, intake: bool = True) -> None:
        """Start handling the inbox and timed jobs; with ``intake``, fetch updates too."""
        if self.store.dialect is Dialect.SQLITE:
            await self.store.write(lambda q: q.clear_leases())
        await self.scheduler.start()
        if self.app.job_queue is not None:
            self.jobs.start(self.app.job_queue)
        self._heartbeat = asyncio.create_task(self._beat(), name="heartbeat")
        if not intake:
            self.jobs.caught_up.set()
            return
        if self.settings.webhook_url:
            await self._start_webhook()
            # Telegram re-sends what it kept at once; give it a moment before overdue timers.
            asyncio.get_running_loop().call_later(WEBHOOK_CATCH_UP, self.jobs.caught_up.set)
        else:
            self.poller = Poller(
                self.app.bot,
                self.store,
                self.inbox,
                owner=self.owner,
                clock=self.clock,
                allowed_updates=self.allowed_updates,
                long_poll=self.long_poll,
            )
            self.poller.start()
            self._waiting = asyncio.create_task(self._caught_up(self.poller.caught_up))

    async def _caught_up(self, fetched: asyncio.Event) -> None:
        await fetched.wait()
        self.jobs.caught_up.set()
        self.inbox.wake()

    async def _start_webhook(self) -> None:
        assert self.settings.webhook_secret is not None  # noqa: S101 - checked by Settings
        self.webhook = WebhookServer(
            self.inbox,
            self.store,
            path=self.settings.webhook_path,
            secret=self.settings.webhook_secret,
            listen=self.settings.webhook_listen,
            port=self.settings.port,
        )
        await self.webhook.start()
        await self.app.bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.webhook_secret,
            allowed_updates=self.allowed_updates,
            max_connections=self.settings.webhook_max_connections,
        )

    async def stop(self, grace: float) -> int:
        """Stop intake at once, finish what is running within ``grace`` seconds, leave the
        rest in the inbox for the next start (or another worker)."""
        if self.poller is not None:
            await self.poller.stop()
        if self.webhook is not None:
            await self.webhook.stop()
        left = await self.scheduler.stop(grace)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        name = f"worker:{self.owner}"
        await self.store.write(lambda q: q.release_lease(name, self.owner))
        return left

    async def _beat(self) -> None:
        """Tell the fleet this worker lives; take this worker's share of the send budget;
        now and then, forget what is no longer needed."""
        beats = 0
        while True:
            try:
                workers = await self.store.write(
                    partial(_heartbeat, owner=self.owner, now=self.clock())
                )
                if self.limiter is not None:
                    self.limiter.set_share(1 / max(1, workers))
                if beats % TIDY_EVERY == 0:
                    await self.store.write(partial(tidy, now=self.clock()))
            except Exception:
                log.exception("heartbeat failed")
            beats += 1
            await asyncio.sleep(HEARTBEAT)

    async def idle(self) -> None:
        """Wait until every stored item is handled (tests use it as a barrier)."""
        while self._active or await self.inbox.pending():
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.02)


def _heartbeat(q: Queries, owner: str, now: datetime) -> int:
    """Renew this worker's lease; return how many workers are alive."""
    q.take_lease(f"worker:{owner}", owner, now + WORKER_LEASE, now)
    return q.count_leases("worker:", now)


def tidy(q: Queries, now: datetime) -> int:
    """Delete what has served its purpose: handled inbox items older than a day, early
    votes of polls long gone, expired challenges, dashboard links and sessions."""
    return (
        q.inbox_forget_done(now - KEEP_DONE)
        + q.forget_early_votes(now - timedelta(days=1))
        + social_rows.forget_expired_challenges(q, now)
        + auth_rows.forget_expired(q, now)
    )
