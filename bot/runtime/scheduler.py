"""The inbox and its fair scheduler: every update (and every due job) is stored before
Telegram is told it arrived, then handled in order per key, one key at a time across workers.

- **Durable.** Updates go into the ``inbox`` table (:meth:`Inbox.add`) before the next
  ``getUpdates`` offset or the webhook's 200 confirms them. A crash loses nothing fetched:
  whatever was not handled is handled after the restart.
- **In order per key.** A key (a chat; a user, for poll votes) is leased by one worker at a
  time; its items run one after another, in arrival order.
- **Fair.** A key takes a processing slot only when one of its items runs, so one chat's
  backlog costs that chat only. Each sender gets a small burst and a steady rate of
  interactive updates; repeated taps and commands are merged; beyond that updates are dropped
  with one "slow down" notice. Poll votes and jobs are never dropped.
- **Bounded.** At most ``max_keys`` keys and ``batch`` items per key are in memory; the
  rest waits in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.engine.clock import Clock
from bot.runtime.keys import ordering_key, sender_of
from bot.runtime.slots import Slots
from storage.db import Store
from storage.models import InboxItem
from storage.queries import Queries

log = logging.getLogger(__name__)

UPDATE = "update"
MAX_ATTEMPTS = 5  # an item whose handling killed the worker this often is skipped
LEASE = timedelta(seconds=15)  # a dead worker's chats pass to the others this soon
RENEW_EVERY = 5.0
SCAN_EVERY = 1.0  # how often a worker looks for work that others stored
HOLD_IDLE = 5.0  # a key stays leased this long after its last item, for what comes next
DONE_FLUSH = 0.05


@dataclass
class FloodPolicy:
    """How much one sender may queue in one chat before updates are dropped."""

    burst: int = 20
    per_second: float = 1.0
    notice_every: float = 60.0


@dataclass
class _Sender:
    tokens: float
    stamp: float
    dropped: int = 0
    noticed: float = -1e9


@dataclass
class _Key:
    key: int
    task: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    last_id: int = 0


Dispatch = Callable[[InboxItem, Any], Awaitable[None]]  # (item, its decoded payload)
Notify = Callable[
    [int, int], Coroutine[Any, Any, None]
]  # (key, dropped count): the slow-down notice


_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"  # a high one alone
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a low one alone
)


def without_lone_surrogates(payload: str) -> str:
    """An update's JSON with every unpaired UTF-16 surrogate (which cannot be encoded, so
    could be neither stored nor sent back) replaced by U+FFFD."""
    if "\\u" not in payload:
        return payload
    return _LONE_SURROGATE.sub("\\\\ufffd", payload)


def decode(payload: str) -> Any:
    """An item's stored JSON, decoded once for the flood check and the handler; None if it
    is not JSON."""
    try:
        return json.loads(without_lone_surrogates(payload))
    except ValueError:
        return None


class Inbox:
    """Store updates and work items; wake the local scheduler."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listeners: list[Callable[[Iterable[int]], None]] = []

    async def add_updates(self, updates: Sequence[dict[str, Any]]) -> int:
        """Store Telegram updates (a repeated update id changes nothing); returns how many
        were new. Only after this returns may Telegram be told they arrived."""
        items = []
        for update in updates:
            update_id = update.get("update_id")
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.warning("dropped an update without an update_id")
                continue
            items.append((update_id, ordering_key(update), UPDATE, json.dumps(update)))
        if not items:
            return 0
        now = self.clock()
        added = await self.store.write(lambda q: q.inbox_add(items, now))
        self.wake({key for _, key, _, _ in items})
        return added

    async def add_work(self, key: int, kind: str, payload: dict[str, Any]) -> None:
        now = self.clock()
        item = (None, key, kind, json.dumps(payload))
        await self.store.write(lambda q: q.inbox_add([item], now))
        self.wake({key})

    def wake(self, keys: Iterable[int] = ()) -> None:
        keys = set(keys)
        for listener in self.listeners:
            listener(keys)

    async def pending(self) -> int:
        return await self.store.read(lambda q: q.inbox_pending_count())


class Scheduler:
    def __init__(
        self,
        store: Store,
        dispatch: Dispatch,
        *,
        owner: str,
        clock: Clock,
        slots: int = 64,
        max_keys: int = 2000,
        batch: int = 20,
        flood: FloodPolicy | None = None,
        notify_flood: Notify | None = None,
        loop_clock: Callable[[], float] | None = None,
    ) -> None:
        self.store = store
        self.dispatch = dispatch
        self.owner = owner
        self.clock = clock
        self.slots = Slots(slots)
        self.max_keys = max_keys
        self.batch = batch
        self.flood = flood or FloodPolicy()
        self.notify_flood = notify_flood
        self._loop_clock = loop_clock or asyncio.get_running_loop().time
        self._keys: dict[int, _Key] = {}
        self._senders: dict[tuple[int, int], _Sender] = {}
        self._done: list[tuple[int, int]] = []  # (key, item id) handled, not yet written
        self._wake = asyncio.Event()
        self._fresh: set[int] = set()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.handled = 0
        self.dropped = 0

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        now = self.clock()
        await self.store.write(lambda q: _count_restart(q, now))
        self._tasks = [
            asyncio.create_task(self._find_work(), name="inbox-find"),
            asyncio.create_task(self._flush_loop(), name="inbox-flush"),
            asyncio.create_task(self._renew_loop(), name="inbox-renew"),
        ]

    def wake(self, keys: Iterable[int] = ()) -> None:
        """New work: for ``keys`` just stored here, or (no keys) anywhere: scan soon."""
        self._fresh.update(keys)
        self._wake.set()

    async def stop(self, grace: float) -> int:
        """Stop taking items; let running ones finish for up to ``grace`` seconds; leave the
        rest in the inbox. Returns how many items were still pending in this worker."""
        self._stopping = True
        self._wake.set()
        for state in self._keys.values():
            state.wake.set()
        running = [s.task for s in self._keys.values() if s.task is not None]
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._flush_done()
        await self.store.write(lambda q: q.release_all_keys(self.owner))
        return len(self._keys)

    # finding work -------------------------------------------------------------------------

    async def _find_work(self) -> None:
        """Take the keys this worker just stored items for at once; look in the database
        for everybody's work (other workers' webhooks, a predecessor's leftovers) every
        ``SCAN_EVERY`` seconds."""
        loop = asyncio.get_running_loop()
        next_scan = 0.0
        while not self._stopping:
            timeout = max(0.0, next_scan - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if self._stopping:
                return
            fresh, self._fresh = self._fresh, set()
            scan = loop.time() >= next_scan
            try:
                if scan:
                    next_scan = loop.time() + SCAN_EVERY
                    await self._take_keys(None)
                elif fresh:
                    await self._take_keys(fresh)
            except Exception:  # the database may be briefly away; try again
                log.exception("could not look for inbox work")
                self._fresh |= fresh
                await asyncio.sleep(1)

    async def _take_keys(self, fresh: set[int] | None) -> None:
        """Lease keys with work: ``fresh`` ones (just stored here), or any (a scan)."""
        room = self.max_keys - len(self._keys)
        now = self.clock()
        if fresh is None:
            ready = await self.store.read(lambda q: _ready_keys(q, self.owner, now, room + 50))
        else:
            ready = sorted(fresh)
        for key in ready:
            state = self._keys.get(key)
            if state is not None:
                state.wake.set()
        new = [k for k in ready if k not in self._keys][: max(0, room)]
        if not new:
            return
        until = now + LEASE
        leased = await self.store.write(lambda q: _lease(q, new, self.owner, until, now))
        for key in leased:
            state = _Key(key)
            self._keys[key] = state
            state.task = asyncio.create_task(self._serve(state), name=f"inbox-key-{key}")

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.store.write(
                    partial(_renew, owner=self.owner, until=self.clock() + LEASE)
                )
            except Exception:
                log.exception("could not renew inbox leases")

    # serving one key ----------------------------------------------------------------------

    async def _serve(self, state: _Key) -> None:
        try:
            await self._serve_items(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbox key %s failed; its items stay for another try", state.key)
        finally:
            if self._keys.get(state.key) is state:
                del self._keys[state.key]

    async def _serve_items(self, state: _Key) -> None:
        while not self._stopping:
            load = partial(_load, key=state.key, after=state.last_id, limit=self.batch)
            items = await self.store.read(load)
            if not items:
                state.wake.clear()
                if self._stopping:
                    return
                try:
                    await asyncio.wait_for(state.wake.wait(), HOLD_IDLE)
                    continue
                except TimeoutError:
                    pass
                if await self._release(state):
                    return
                continue
            for item in items:
                if self._stopping:
                    return
                await self._handle(state, item)
                state.last_id = item.id

    async def _handle(self, state: _Key, item: InboxItem) -> None:
        if item.attempts >= MAX_ATTEMPTS:
            log.error(
                "inbox item %s (%s) skipped after %d attempts", item.id, item.kind, item.attempts
            )
        elif self._admit(state.key, item, payload := decode(item.payload)):
            async with self.slots.hold():
                await self.dispatch(item, payload)
            self.handled += 1
        self._done.append((state.key, item.id))
        if len(self._done) >= 100:
            await self._flush_done()

    async def _release(self, state: _Key) -> bool:
        mine = [i for k, i in self._done if k == state.key]
        self._done = [(k, i) for k, i in self._done if k != state.key]
        now = self.clock()
        last = state.last_id

        def release(q: Queries) -> bool:
            q.inbox_done(mine, now)
            return q.release_key(state.key, self.owner, last)

        return await self.store.write(release)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(DONE_FLUSH)
            try:
                await self._flush_done()
            except Exception:
                log.exception("could not mark inbox items done")

    async def _flush_done(self) -> None:
        if not self._done:
            return
        done, self._done = [i for _, i in self._done], []
        now = self.clock()
        await self.store.write(lambda q: q.inbox_done(done, now))

    # flood control ------------------------------------------------------------------------

    def _admit(self, key: int, item: InboxItem, update: Any) -> bool:
        """Whether to handle an update now; False drops it (undecodable, or over the
        sender's rate). Votes and the bot's own work are always handled."""
        if item.kind != UPDATE:
            return True
        if update is None:
            log.warning("ignored an undecodable update %s", item.update_id)
            return False
        if not isinstance(update, dict) or "poll_answer" in update or "poll" in update:
            return True
        sender = sender_of(update)
        if sender is None:
            return True
        now = self._loop_clock()
        policy = self.flood
        state = self._senders.get((key, sender))
        if state is None:
            if len(self._senders) > 50_000:
                self._senders.clear()
            state = self._senders[(key, sender)] = _Sender(policy.burst, now)
        state.tokens = min(policy.burst, state.tokens + (now - state.stamp) * policy.per_second)
        state.stamp = now
        if state.tokens >= 1:
            state.tokens -= 1
            return True
        state.dropped += 1
        self.dropped += 1
        if self.notify_flood is not None and now - state.noticed >= policy.notice_every:
            state.noticed = now
            dropped, state.dropped = state.dropped, 0
            asyncio.get_running_loop().create_task(self.notify_flood(key, dropped))
        return False


def _count_restart(q: Queries, now: datetime) -> int:
    """At start-up every pending item nobody holds counts one more attempt: an item that
    keeps killing the worker is eventually skipped instead of handled forever."""
    return q.inbox_count_restart(now)


def _ready_keys(q: Queries, owner: str, now: datetime, limit: int) -> list[int]:
    return q.inbox_keys_with_work(owner, now, limit)


def _lease(q: Queries, keys: list[int], owner: str, until: datetime, now: datetime) -> list[int]:
    return [key for key in keys if q.lease_key(key, owner, until, now)]


def _renew(q: Queries, owner: str, until: datetime) -> int:
    return q.renew_leases(owner, until)


def _load(q: Queries, key: int, after: int, limit: int) -> list[InboxItem]:
    return q.inbox_items(key, after, limit)
