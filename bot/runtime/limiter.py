"""Telegram's flood limits, kept per chat: one chat's flood wait costs that chat only.

python-telegram-bot's ``AIORateLimiter`` stops *every* request while any request waits out
a ``RetryAfter`` (ADR 0005). This limiter instead:

- waits out a chat's ``RetryAfter`` for that chat alone; requests without a chat (button
  toasts, inline answers) are never held behind other chats;
- keeps to Telegram's overall limit (about 30 messages a second) with a token bucket whose
  rate is this worker's share of the fleet's budget (:meth:`set_share`);
- keeps to 20 messages a minute per group with a sliding window;
- serves interactive requests first: background work (reminders, daily quizzes, recaps)
  gets a token only when no interactive request waits, and at most a share of the rate.

While a request waits for its own chat, the handler's processing slot is lent to others
(:mod:`bot.runtime.slots`), so a slow group cannot occupy the whole bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.runtime.slots import lend_slot

log = logging.getLogger(__name__)

BACKGROUND = "background"
INTERACTIVE = "interactive"
# Set by the runtime around background jobs; read for every request they make.
PRIORITY: ContextVar[str] = ContextVar("priority", default=INTERACTIVE)

# Requests that do not post or change messages are never counted against the limits.
_NOT_COUNTED = frozenset(
    {
        "getMe",
        "getChat",
        "getChatMember",
        "getChatMemberCount",
        "getChatAdministrators",
        "sendChatAction",
        "answerCallbackQuery",
        "answerInlineQuery",
        "setMyCommands",
        "deleteMyCommands",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "logOut",
        "close",
    }
)
MAX_TOAST_WAIT = 3.0  # a toast that would come later than this is not worth sending


class _Bucket:
    """A token bucket with two priorities (interactive first)."""

    def __init__(self, rate: float, clock: Callable[[], float], background_share: float):
        self.clock = clock
        self.background_share = background_share
        self.set_rate(rate)
        self.tokens = self.capacity
        self.background_tokens = self.capacity * background_share
        self.stamp = clock()
        self.interactive_waiting = 0

    def set_rate(self, rate: float) -> None:
        self.rate = max(rate, 0.1)
        # A bucket lets its capacity through at once, then its rate; a small capacity keeps
        # any one second under the limit.
        self.capacity = max(1.0, self.rate / 5)

    def _refill(self) -> None:
        now = self.clock()
        elapsed, self.stamp = now - self.stamp, now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.background_tokens = min(
            self.capacity * self.background_share,
            self.background_tokens + elapsed * self.rate * self.background_share,
        )

    def _take(self, background: bool) -> bool:
        self._refill()
        if self.tokens < 1:
            return False
        if background:
            if self.interactive_waiting or self.background_tokens < 1:
                return False
            self.background_tokens -= 1
        self.tokens -= 1
        return True

    async def acquire(self, background: bool) -> None:
        if self._take(background):
            return
        if not background:
            self.interactive_waiting += 1
        try:
            while not self._take(background):  # noqa: ASYNC110 - tokens come with time alone
                await asyncio.sleep(max(0.005, (1 - self.tokens) / self.rate))
        finally:
            if not background:
                self.interactive_waiting -= 1


class FairRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        *,
        overall_per_second: float = 25.0,
        group_per_minute: int = 20,
        background_share: float = 0.6,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall_rate = overall_per_second
        self._overall = _Bucket(overall_per_second, clock, background_share)
        self._group_per_minute = group_per_minute
        self._max_retries = max_retries
        self._clock = clock
        self._groups: dict[int | str, deque[float]] = {}
        self._chat_blocked_until: dict[int | str, float] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def set_share(self, share: float) -> None:
        """This worker's share of the fleet's overall budget (1 / live workers)."""
        self._overall.set_rate(self._overall_rate * max(0.01, min(share, 1.0)))

    def blocked_for(self, chat_id: int | str) -> float:
        """Seconds this chat still waits out a flood wait (0 if none)."""
        return max(0.0, self._chat_blocked_until.get(chat_id, 0.0) - self._clock())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _chat(data.get("chat_id"))
        counted = endpoint not in _NOT_COUNTED
        background = (
            PRIORITY.get() == BACKGROUND or (rate_limit_args or {}).get("priority") == BACKGROUND
        )
        for attempt in range(self._max_retries + 1):
            if chat_id is not None:
                await self._chat_turn(chat_id, counted)
            if counted:
                await self._overall.acquire(background)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
                if attempt == self._max_retries:
                    raise
                if chat_id is None:
                    if seconds > MAX_TOAST_WAIT:
                        raise
                    await asyncio.sleep(seconds)
                    continue
                log.info("flood wait of %.0f s for chat %s (that chat only)", seconds, chat_id)
                self._chat_blocked_until[chat_id] = self._clock() + seconds + 0.1
        raise AssertionError("unreachable")  # pragma: no cover

    async def _chat_turn(self, chat_id: int | str, counted: bool) -> None:
        """Wait until this chat may be sent to; the processing slot is lent meanwhile."""
        blocked = self.blocked_for(chat_id)
        is_group = isinstance(chat_id, str) or chat_id < 0
        if not blocked and not (counted and is_group and self._group_full(chat_id)):
            if counted and is_group:
                self._record_group_send(chat_id)
            return
        async with lend_slot():
            while True:
                blocked = self.blocked_for(chat_id)
                if blocked:
                    await asyncio.sleep(blocked)
                    continue
                if counted and is_group and self._group_full(chat_id):
                    await asyncio.sleep(self._group_wait(chat_id))
                    continue
                break
        self._chat_blocked_until.pop(chat_id, None)
        if counted and is_group:
            self._record_group_send(chat_id)

    def _window(self, chat_id: int | str) -> deque[float]:
        window = self._groups.setdefault(chat_id, deque())
        horizon = self._clock() - 60
        while window and window[0] <= horizon:
            window.popleft()
        if not window:
            self._groups.pop(chat_id, None)
            window = self._groups.setdefault(chat_id, deque())
        return window

    def _group_full(self, chat_id: int | str) -> bool:
        return len(self._window(chat_id)) >= self._group_per_minute

    def _group_wait(self, chat_id: int | str) -> float:
        window = self._window(chat_id)
        return max(0.01, window[0] + 60 - self._clock()) if window else 0.01

    def _record_group_send(self, chat_id: int | str) -> None:
        self._window(chat_id).append(self._clock())


def _chat(value: Any) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    with contextlib.suppress(TypeError, ValueError):
        return int(value)
    return str(value)
