"""The scale-out acceptance scenario: three ``python -m bot`` workers in webhook mode on one
PostgreSQL database, behind a fake Telegram that POSTs updates to them round-robin with the
secret header and retries a failed or timed-out POST on the next worker, as Telegram does.
One worker is killed -9 mid-traffic and restarted."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from bot.testing import factories as f
from bot.testing.fakeapi import TOKEN, FakeBotApi

SECRET = "fleet_secret-1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/tg/hook"
GROUP_ID = -100_555
ACK_TEXTS = ("✅ Correct!", "❌ Not quite")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Worker:
    def __init__(self, name: str, api: FakeBotApi, db_url: str, log: Path) -> None:
        self.name, self.api, self.db_url, self.log = name, api, db_url, log
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.api.base_url,
            DATABASE_URL=self.db_url,
            WEBHOOK_URL=f"https://fleet.example.org{PATH}",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(self.port),
            WORKER_ID=self.name,  # a restarted worker takes its leases back at once
            SEND_RATE="300",
            LOG_LEVEL="INFO",
        )
        with self.log.open("ab") as sink:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=env, stdout=sink, stderr=sink
            )
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class FakeTelegram:
    """Delivers updates to the workers round-robin; a failed or timed-out POST is tried on
    the next worker until one answers 200 (Telegram keeps an update until it is accepted)."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.turn = 0
        self.next_id = 1
        self.delivered: list[dict[str, Any]] = []

    async def deliver(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            update = {"update_id": self.next_id, **update}
            self.next_id += 1
        for _ in range(200):
            worker = self.workers[self.turn % len(self.workers)]
            self.turn += 1
            url = f"http://127.0.0.1:{worker.port}{PATH}"
            try:
                async with http.post(
                    url, json=update, headers={HEADER: SECRET}, timeout=aiohttp.ClientTimeout(5)
                ) as response:
                    if response.status == 200:
                        self.delivered.append(update)
                        return update
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("no worker accepted the update")


def query(db_url: str, sql: str) -> list[Any]:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchall()


@asynccontextmanager
async def fleet(api: FakeBotApi, db_url: str, tmp: Path) -> AsyncIterator[list[Worker]]:
    workers = [Worker(f"w{i}", api, db_url, tmp / f"w{i}.log") for i in range(3)]
    async with AsyncExitStack() as stack:
        for worker in workers:
            stack.push_async_callback(worker.stop)
        await asyncio.gather(*(w.start() for w in workers))
        yield workers


def acked(api: FakeBotApi) -> set[str]:
    return {
        str(c["callback_query_id"])
        for c in api.of("answerCallbackQuery")
        if c.get("text") in ACK_TEXTS
    }


async def test_three_webhook_workers_share_one_database(
    api: FakeBotApi, pg_url: str, tmp_path: Path
) -> None:
    api.member_counts[GROUP_ID] = 3  # two people and this bot
    users = [f.user(40_000 + i, f"F{i}") for i in range(30)]
    async with fleet(api, pg_url, tmp_path) as workers, aiohttp.ClientSession() as http:
        telegram = FakeTelegram(workers)
        assert len(api.of("setWebhook")) == 3
        # Forged requests are refused and change nothing.
        update = {"update_id": 9_999, **f.command(users[0], "/help")}
        for headers in ({}, {HEADER: "nope"}):
            async with http.post(
                f"http://127.0.0.1:{workers[0].port}{PATH}", json=update, headers=headers
            ) as response:
                assert response.status == 403
        # Thirty people start a private quiz; their updates land on any worker.
        for user in users:
            await telegram.deliver(http, f.command(user, "/quiz 3"))
        ids = {u["id"] for u in users}
        await api.wait_for(
            lambda: (
                {c["chat_id"] for c in api.of("sendMessage") if c.get("chat_id") in ids} == ids
            ),
            timeout=60,
        )
        questions = {c["chat_id"]: c for c in api.of("sendMessage") if c.get("chat_id") in ids}
        taps = [f.callback(u, questions[u["id"]].buttons()[0][1], 100) for u in users]
        # Answers flow; one worker is killed -9 in the middle and restarted.
        for n, tap in enumerate(taps):
            await telegram.deliver(http, tap)
            if n == 10:
                await workers[1].kill()
            if n == 20:
                await workers[1].start()
        tap_ids = {t["callback_query"]["id"] for t in taps}
        await api.wait_for(lambda: acked(api) >= tap_ids, timeout=90)
        stored = query(pg_url, "SELECT user_id, COUNT(*) FROM answers GROUP BY user_id")
        assert {u: n for u, n in stored} == {u["id"]: 1 for u in users}, "each counted once"
        # Telegram re-delivers an update it already gave us: nothing is stored or queued.
        before = query(pg_url, "SELECT COUNT(*) FROM inbox")
        await telegram.deliver(http, telegram.delivered[-1])
        assert query(pg_url, "SELECT COUNT(*) FROM inbox") == before
        assert query(pg_url, "SELECT COUNT(*) FROM answers") == [(30,)]

        # A group round: two polls, two results and one table, once each across workers.
        ann, ben = f.user(41_001, "Ann"), f.user(41_002, "Ben")
        group = f.group_chat(GROUP_ID)
        await telegram.deliver(http, f.command(ann, "/quiz 2 30s", group))
        for number in (1, 2):
            await api.wait_for(lambda n=number: len(api.of("sendPoll", GROUP_ID)) >= n, 60)
            poll = api.of("sendPoll", GROUP_ID)[number - 1]
            right = int(poll["correct_option_ids"][0])
            for player in (ann, ben):
                await telegram.deliver(http, f.poll_answer(poll["_poll_id"], player, [right]))
        await api.wait_for(
            lambda: any("final table" in c.text for c in api.of("sendMessage", GROUP_ID)), 60
        )
        texts = [c.text for c in api.of("sendMessage", GROUP_ID)]
        assert len(api.of("sendPoll", GROUP_ID)) == 2
        assert len([t for t in texts if t.startswith("✅")]) == 2
        assert len([t for t in texts if "final table" in t]) == 1

        # A reminder due now is taken by exactly one worker.
        mark = len(api.calls)
        await telegram.deliver(http, f.command(users[0], "/remind 8am"))
        await api.wait_for(lambda: any("every day at" in c.text for c in api.since(mark)), 30)
        query_rows = query(pg_url, "SELECT name FROM jobs WHERE kind = 'reminder'")
        assert query_rows == [(f"reminder:{users[0]['id']}",)]
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("UPDATE jobs SET run_at = now() WHERE kind = 'reminder'")
            conn.execute("UPDATE cards SET due = now() - interval '1 minute'")
        await api.wait_for(
            lambda: any("stops these" in c.text for c in api.of("sendMessage", users[0]["id"])),
            timeout=30,
        )
        assert query(pg_url, "SELECT COUNT(*) FROM inbox WHERE kind = 'reminder'") == [(1,)]
        nudges = [c for c in api.of("sendMessage", users[0]["id"]) if "stops these" in c.text]
        assert len(nudges) == 1
