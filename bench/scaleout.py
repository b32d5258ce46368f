"""Answer throughput through the webhook path on PostgreSQL, with one and with two
``python -m bot`` worker processes behind a round-robin fake Telegram.

The fake Telegram POSTs each answer tap to the next worker with the secret header (32
requests in flight, as Telegram's ``max_connections`` allows); the workers store, handle and
reply to an instant Bot API. The figure is answers per second from the first POST to the
last feedback edit.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import Row
from bench.harness import answer_taps, open_rounds
from bot.engine.quiz import QuizEngine
from bot.testing.fleet import HEADER, PATH, SECRET, Worker
from bot.testing.instant import InstantBotApi
from bot.testing.postgres import Postgres
from questions.loader import load_default_bank
from storage.db import Store

IN_FLIGHT = 32
TARGET = 1.6


async def _prepare(url: str, users: int) -> list[dict[str, Any]]:
    store = await Store.open(url)
    try:
        quiz = QuizEngine(load_default_bank(), store, rng=random.Random(1))
        return answer_taps(await open_rounds(quiz, range(1, users + 1)))
    finally:
        await store.close()


async def _post_all(workers: list[Worker], updates: list[dict[str, Any]]) -> None:
    queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
    for index, update in enumerate(updates):
        queue.put_nowait((index, update))

    async def sender(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            index, update = queue.get_nowait()
            for attempt in range(len(workers) * 20):
                worker = workers[(index + attempt) % len(workers)]
                url = f"http://127.0.0.1:{worker.port}{PATH}"
                try:
                    async with http.post(url, json=update, headers={HEADER: SECRET}) as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)

    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(sender(http) for _ in range(IN_FLIGHT)))


async def _rate(server: Postgres, workers: int, users: int) -> float:
    url = server.fresh()
    updates = await _prepare(url, users)
    api = InstantBotApi()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        fleet = [
            Worker(f"bench{i}", api, url, Path(tmp) / f"w{i}.log", SEND_RATE="1000")
            for i in range(workers)
        ]
        async with AsyncExitStack() as stack:
            for worker in fleet:
                stack.push_async_callback(worker.stop)
            await asyncio.gather(*(w.start() for w in fleet))
            start = time.perf_counter()
            await _post_all(fleet, updates)
            await asyncio.wait_for(api.reached("editMessageText", len(updates)), 600)
            seconds = time.perf_counter() - start
    await api.stop()
    return len(updates) / seconds


async def webhook_workers(server: Postgres | None, users: int) -> Row:
    name = f"Webhook answer throughput, PostgreSQL, 2 workers vs 1 ({users * 10:,} answers)"
    if server is None:
        return Row(name, "not run: no PostgreSQL server", "—", None, f"≥ {TARGET}×", False)
    one = await _rate(server, 1, users)
    two = await _rate(server, 2, users)
    ratio = two / one
    cores = os.cpu_count() or 1
    return Row(
        name,
        f"{two:,.0f} answers/s with 2 workers",
        f"{one:,.0f} answers/s with 1 worker ({cores} cores for workers, PostgreSQL, "
        "and the fake Telegram)",
        ratio,
        f"≥ {TARGET}×",
        ratio >= TARGET,
    )
