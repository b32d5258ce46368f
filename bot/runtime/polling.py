"""Long polling that confirms an update to Telegram only after it is stored.

Telegram forgets updates once a later ``getUpdates`` asks for a higher offset, so the next
call is made only after the batch is in the inbox. One worker polls at a time (the
``poller`` lease, taken over within 30 s if its holder dies): two pollers would get
Telegram's "Conflict". While the inbox holds ``max_backlog`` unhandled items, polling pauses
(backpressure): the rest waits at Telegram, unconfirmed.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.engine.clock import Clock
from bot.runtime.scheduler import Inbox
from storage.db import Store

log = logging.getLogger(__name__)

# We fetch updates as raw JSON on purpose: the inbox stores exactly what Telegram sent.
warnings.filterwarnings("ignore", message=r".*Bot\.getUpdates", category=PTBUserWarning)

LEASE_NAME = "poller"
LEASE = timedelta(seconds=30)
LONG_POLL = 10  # seconds Telegram holds a getUpdates open
BACKOFF_MAX = 30.0
FULL_BATCH = 100


class Poller:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        inbox: Inbox,
        *,
        owner: str,
        clock: Clock,
        allowed_updates: list[str],
        max_backlog: int = 10_000,
        long_poll: int = LONG_POLL,
    ) -> None:
        self.bot = bot
        self.store = store
        self.inbox = inbox
        self.owner = owner
        self.clock = clock
        self.allowed_updates = allowed_updates
        self.max_backlog = max_backlog
        self.long_poll = long_poll
        self.offset: int | None = None
        self.fetched = 0
        self.caught_up = asyncio.Event()  # set once a fetch returned less than a full batch
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Stop fetching. A getUpdates in flight is cancelled: what it would have returned
        was not confirmed, so Telegram sends it again."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.store.write(lambda q: q.release_lease(LEASE_NAME, self.owner))

    async def _lead(self) -> bool:
        now = self.clock()
        return await self.store.write(
            lambda q: q.take_lease(LEASE_NAME, self.owner, now + LEASE, now)
        )

    async def _run(self) -> None:
        backoff = 1.0
        webhook_cleared = False
        while not self._stopping.is_set():
            try:
                if not await self._lead():
                    await self._pause(5)
                    continue
                if not webhook_cleared:
                    await self.bot.delete_webhook(drop_pending_updates=False)
                    webhook_cleared = True
                if await self.inbox.pending() >= self.max_backlog:
                    await self._pause(0.5)
                    continue
                await self._fetch_once()
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except (InvalidToken, Forbidden):
                log.exception("Telegram refused the token; polling stops")
                return
            except Conflict:
                log.warning(
                    "Telegram reports another getUpdates for this token (another instance, or "
                    "a webhook): retrying in %.0f s",
                    backoff,
                )
                await self._pause(backoff)
                backoff = min(BACKOFF_MAX, backoff * 2)
            except (NetworkError, TimedOut) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await self._pause(backoff)
                backoff = min(BACKOFF_MAX, backoff * 2)
            except Exception:
                log.exception("polling failed; retrying in %.0f s", backoff)
                await self._pause(backoff)
                backoff = min(BACKOFF_MAX, backoff * 2)

    async def _fetch_once(self) -> None:
        kwargs: dict[str, Any] = {
            "timeout": self.long_poll,
            "limit": FULL_BATCH,
            "allowed_updates": self.allowed_updates,
        }
        if self.offset is not None:
            kwargs["offset"] = self.offset
        updates = await self.bot.do_api_request(
            "getUpdates",
            api_kwargs=kwargs,
            read_timeout=self.long_poll + 10,
        )
        if not isinstance(updates, list) or not updates:
            self.caught_up.set()
            return
        batch = [u for u in updates if isinstance(u, dict)]
        await self.inbox.add_updates(batch)  # stored: the next call may confirm them
        ids = [u["update_id"] for u in batch if isinstance(u.get("update_id"), int)]
        if ids:
            self.offset = max(ids) + 1
        self.fetched += len(batch)
        if len(updates) < FULL_BATCH:
            self.caught_up.set()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return
