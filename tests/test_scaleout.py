"""The scale-out acceptance scenario: three ``python -m bot`` workers in webhook mode on one
PostgreSQL database, behind a fake Telegram that POSTs updates to them round-robin with the
secret header and retries a failed or timed-out POST on the next worker, as Telegram does.
One worker is killed -9 mid-traffic and restarted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from bot.testing import factories as f
from bot.testing.fakeapi import Call, FakeBotApi
from bot.testing.fleet import ACK_TEXTS, GROUP_ID, HEADER, PATH, FakeTelegram, Worker


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


def is_nudge(call: Call) -> bool:
    """The daily reminder (the only message with both a review and a switch-off button)."""
    shown = [text for text, _ in call.buttons()]
    return "🔁 Review now" in shown and "🔕 Switch off" in shown


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
        await api.wait_for(
            lambda: query(pg_url, "SELECT COUNT(*) FROM answers") == [(30,)], timeout=90
        )
        stored = query(pg_url, "SELECT user_id, COUNT(*) FROM answers GROUP BY user_id")
        assert dict(stored) == {u["id"]: 1 for u in users}, "each counted once"
        # Taps are delivered one at a time, so the kill can catch at most one between its
        # commit and its toast: Telegram's retry then finds it handled and changes nothing.
        await api.wait_for(lambda: len(tap_ids - acked(api)) <= 1, timeout=30)
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
            lambda: any(is_nudge(c) for c in api.of("sendMessage", users[0]["id"])),
            timeout=30,
        )
        assert query(pg_url, "SELECT COUNT(*) FROM inbox WHERE kind = 'reminder'") == [(1,)]
        nudges = [c for c in api.of("sendMessage", users[0]["id"]) if is_nudge(c)]
        assert len(nudges) == 1
