"""Webhook workers as real ``python -m bot`` processes, and a fake Telegram that POSTs
updates to them round-robin (the scale-out test and benchmark share them)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from bot.testing.fakeapi import TOKEN

SECRET = "fleet_secret-1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/tg/hook"
GROUP_ID = -100_555
ACK_TEXTS = ("✅ Correct!", "❌ Not quite")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotApi(Protocol):
    base_url: str


class Worker:
    def __init__(self, name: str, api: BotApi, db_url: str, log: Path, **env: str) -> None:
        self.name, self.api, self.db_url, self.log = name, api, db_url, log
        self.extra_env = env
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
        env.update(self.extra_env)
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
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    async def kill(self) -> None:
        if self.proc is None:
            return
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
        raise RuntimeError("no worker accepted the update")
