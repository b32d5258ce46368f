"""Tap latency: from an update's arrival (stored in the inbox, as the webhook or the poller
stores it) to the toast that acknowledges the committed answer.

- at a steady offered rate of answers;
- for players answering while one group floods the bot and one user hammers a button,
  beside the same players without the flood.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Row, percentile
from bench.harness import Bot, answer_taps, open_rounds, running_bot
from bot.testing import factories as f

TICK = 0.005
FLOOD_GROUP = -100_777
HAMMER = 9_000_001


class Toasts:
    """When each callback query was answered."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.all_answered = asyncio.Event()

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        if method != "answerCallbackQuery":
            return
        start = self.sent.pop(str(params.get("callback_query_id")), None)
        if start is not None:
            self.latencies.append(time.perf_counter() - start)
            if len(self.latencies) >= self.expected:
                self.all_answered.set()

    async def wait(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_answered.wait(), 60)


async def offer(bot: Bot, toasts: Toasts, updates: list[dict[str, Any]], rate: float) -> float:
    """Store ``updates`` at ``rate`` a second: every few milliseconds, those due by then
    (concurrent webhook requests commit together the same way). Returns the rate achieved."""
    begin = time.perf_counter()
    sent = 0
    while sent < len(updates):
        due = min(len(updates), int((time.perf_counter() - begin) * rate) + 1)
        batch = updates[sent:due]
        now = time.perf_counter()
        for update in batch:
            toasts.sent[update["callback_query"]["id"]] = now
        await bot.runtime.inbox.add_updates(batch)
        sent = due
        await asyncio.sleep(TICK)
    return len(updates) / (time.perf_counter() - begin)


async def latency_at(rate: float, seconds: float, users: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(f"sqlite:///{Path(tmp) / 'latency.sqlite3'}") as bot:
            taps = answer_taps(await open_rounds(bot.quiz, range(1, users + 1)))
            taps = taps[: int(rate * seconds)]
            toasts = Toasts(len(taps))
            bot.finish.listeners.append(toasts)
            achieved = await offer(bot, toasts, taps, rate)
            await toasts.wait()
    p50, p99 = percentile(toasts.latencies, 50) * 1000, percentile(toasts.latencies, 99) * 1000
    return Row(
        f"Tap latency at {rate:,.0f} answers/s offered ({len(taps):,} taps)",
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        f"{achieved:,.0f}/s offered; {len(toasts.latencies):,} acknowledged",
        None,
        "p99 < 250 ms",
        p99 < 250 and len(toasts.latencies) == len(taps),
    )


def flood_updates(first_id: int, messages: int, hammer_taps: int) -> list[dict[str, Any]]:
    """A group where 100 people send ``messages`` commands at once, and one user who taps
    the same stale button ``hammer_taps`` times."""
    group = f.group_chat(FLOOD_GROUP)
    ids = itertools.count(first_id)
    updates = [
        {"update_id": next(ids), **f.command(f.user(8_000_000 + i % 100), "/help", group)}
        for i in range(messages)
    ]
    hammer = f.user(HAMMER, "hammer")
    updates += [
        {"update_id": next(ids), **f.callback(hammer, "a:1:0:0", 5)} for _ in range(hammer_taps)
    ]
    return updates


async def _players(flood: bool, players: int, rate: float, seconds: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(f"sqlite:///{Path(tmp) / 'flood.sqlite3'}") as bot:
            taps = answer_taps(await open_rounds(bot.quiz, range(1, players + 1)))
            taps = taps[: int(rate * seconds)]
            toasts = Toasts(len(taps))
            bot.finish.listeners.append(toasts)
            if flood:
                await bot.feed(flood_updates(1_000_000, 3_000, 1_000))
            await offer(bot, toasts, taps, rate)
            await toasts.wait()
            return toasts.latencies


async def flood_latency(players: int, rate: float, seconds: float) -> Row:
    quiet = await _players(False, players, rate, seconds)
    flooded = await _players(True, players, rate, seconds)
    q50, q99 = percentile(quiet, 50) * 1000, percentile(quiet, 99) * 1000
    f50, f99 = percentile(flooded, 50) * 1000, percentile(flooded, 99) * 1000
    return Row(
        f"Players' tap latency while a group floods ({players} players, {rate:.0f} taps/s; "
        "flood: 3,000 group commands + 1,000 taps by one user)",
        f"during the flood: p50 {f50:.1f} ms, p99 {f99:.1f} ms",
        f"without: p50 {q50:.1f} ms, p99 {q99:.1f} ms",
        f99 / q99 if q99 else None,
        "p99 during ≤ 3 × without + 50 ms",
        f99 <= 3 * q99 + 50 and len(flooded) == len(quiet),
    )
