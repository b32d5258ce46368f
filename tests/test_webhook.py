"""Webhook mode in-process: the secret header, storing before the 200, retries, /healthz."""

from __future__ import annotations

import json
import socket
from typing import Any

import aiohttp

from bot.testing import factories as f
from bot.testing.fakeapi import FakeBotApi
from tests.conftest import FakeClock, running_bot

SECRET = "s3cret_token-OK"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(port: int) -> dict[str, Any]:
    return {
        "webhook_url": "https://quiz.example.org/telegram/hook",
        "webhook_secret": SECRET,
        "webhook_listen": "127.0.0.1",
        "port": port,
    }


async def test_webhook_accepts_only_the_secret_and_stores_before_answering(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with running_bot(api, db_url, clock, **webhook_settings(port)) as bot:
        assert api.webhook is not None
        assert api.webhook["url"] == "https://quiz.example.org/telegram/hook"
        assert api.webhook["secret_token"] == SECRET
        assert "callback_query" in api.webhook["allowed_updates"]
        assert not api.of("getUpdates"), "no long polling in webhook mode"
        update = {"update_id": 41, **f.command(f.user(7, "W"), "/help")}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {HEADER: "wrong"}, {HEADER: SECRET + "x"}):
                async with http.post(f"{base}/telegram/hook", json=update, headers=headers) as r:
                    assert r.status == 403
            assert await bot.store.read(lambda q: q.inbox_pending_count()) == 0
            assert not api.of("sendMessage")
            async with http.post(
                f"{base}/telegram/hook", data=b"not json", headers={HEADER: SECRET}
            ) as r:
                assert r.status == 400
            async with http.post(
                f"{base}/telegram/hook", json=update, headers={HEADER: SECRET}
            ) as r:
                assert r.status == 200
            rows = await bot.store.read(lambda q: q.table_rows("inbox", ["update_id"]))
            assert rows == [(41,)], "stored before the 200"
            await bot.runtime.idle()
            [reply] = api.of("sendMessage")
            assert reply["chat_id"] == 7
            # Telegram retries (a lost 200): the same update_id changes nothing.
            async with http.post(
                f"{base}/telegram/hook", data=json.dumps(update), headers={HEADER: SECRET}
            ) as r:
                assert r.status == 200
            await bot.runtime.idle()
            assert len(api.of("sendMessage")) == 1
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200
            async with http.post(f"{base}/elsewhere", json=update, headers={HEADER: SECRET}) as r:
                assert r.status in (404, 405)
