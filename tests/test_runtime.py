"""Floods, flood waits and the inbox, through the real Application and the fake Bot API.

Fairness is asserted by order, not by the clock: a group's 21st message of a minute cannot
be sent before a minute has passed, so players answered before it were not held behind it.
(Latency figures with and without a flood are in bench/.)
"""

from __future__ import annotations

from bot.runtime.keys import ordering_key
from bot.testing import factories as f
from bot.testing.fakeapi import FakeBotApi
from questions.model import Bank
from tests.conftest import FakeClock, running_bot
from tests.helpers import button_for

GROUP_ID = -100700
GROUP = f.group_chat(GROUP_ID)
FLOODER = f.user(500, "Flood")
PLAYERS = [f.user(600 + i, f"P{i}") for i in range(20)]


async def test_one_users_flood_and_a_busy_group_do_not_hold_other_players(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, rate_limit=True) as bot:
        questions = {}
        for player in PLAYERS:
            [q] = await bot.send(f.command(player, "/quiz 1"))
            questions[player["id"]] = q
        [flood_q] = await bot.send(f.command(FLOODER, "/quiz 3"))
        flood_tap = flood_q.buttons()[0][1]
        mark = len(api.calls)
        for _ in range(2000):  # one user hammers the same button
            api.push(f.callback(FLOODER, flood_tap, 100))
        for n in range(100):  # and a group gets 100 commands from 100 people
            api.push(f.command(f.user(1000 + n, f"G{n}"), "/help", GROUP))
        taps = {}
        for player in PLAYERS:
            tap = f.callback(player, button_for(questions[player["id"]], bank, correct=True), 100)
            taps[tap["callback_query"]["id"]] = player["id"]
            api.push(tap)

        def answered() -> bool:
            done = {c["callback_query_id"] for c in api.since(mark, "answerCallbackQuery")}
            return set(taps) <= done

        await api.wait_for(answered, timeout=30)
        group_replies = api.since(mark, "sendMessage")
        assert len([c for c in group_replies if c.get("chat_id") == GROUP_ID]) <= 20

        # Every other player was answered while the group was still inside its first minute
        # of replies: nobody waited for the group or for the flood.
        def notices() -> list[object]:
            return [
                c
                for c in api.since(mark, "sendMessage")
                if c.get("chat_id") == FLOODER["id"] and "Slow down" in c.text
            ]

        await api.wait_for(notices, timeout=30)
        await api.wait_for(lambda: bot.runtime.scheduler.dropped >= 1900, timeout=30)
        assert len(notices()) == 1  # one notice, at most: the repeated taps were dropped
        edits = {c["chat_id"] for c in api.since(mark, "editMessageText")}
        assert {p["id"] for p in PLAYERS} <= edits


async def test_one_chats_flood_wait_holds_only_that_chat(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    slow, quick = f.user(701, "Slow"), f.user(702, "Quick")
    async with running_bot(api, db_url, clock, rate_limit=True) as bot:
        [q] = await bot.send(f.command(quick, "/quiz 1"))
        api.fail("sendMessage", 429, "Too Many Requests", retry_after=15, chat_id=slow["id"])
        mark = len(api.calls)
        api.push(f.command(slow, "/help"))
        await api.wait_calls("sendMessage", 1, since=mark)  # refused: 15 s to wait
        api.push(f.callback(quick, button_for(q, bank, correct=True), 100))
        [toast] = await api.wait_calls("answerCallbackQuery", 1, since=mark)
        [edit] = await api.wait_calls("editMessageText", 1, since=mark)
        assert toast["text"] == "✅ Correct!"
        assert edit["chat_id"] == quick["id"]
        retried = [c for c in api.since(mark, "sendMessage") if c.get("chat_id") == slow["id"]]
        assert len(retried) == 1, "the slow chat is still waiting out its 15 s"


async def test_every_fetched_update_is_stored_before_it_is_confirmed(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    users = [f.user(800 + i, f"U{i}") for i in range(30)]
    unstored_when_confirmed: list[int] = []
    confirmations = 0

    async with running_bot(api, db_url, clock) as bot:

        async def check(offset: int) -> None:
            nonlocal confirmations
            confirmations += 1
            rows = await bot.store.read(lambda q: q.table_rows("inbox", ["update_id"]))
            stored = {int(update_id) for (update_id,) in rows}
            unstored_when_confirmed.extend(i for i in pushed if i < offset and i not in stored)

        pushed: list[int] = []
        api.on_confirm = check
        for user in users:
            pushed.append(api.push(f.command(user, "/help")))
        await bot.settle()
        api.on_confirm = None
        assert confirmations >= 1
        assert unstored_when_confirmed == []
        rows = await bot.store.read(lambda q: q.table_rows("inbox", ["update_id", "done_at"]))
        assert len(rows) == 30
        assert all(done is not None for _, done in rows)
        # Telegram re-sends an update (a lost confirmation): it changes nothing.
        mark = len(api.calls)
        api.redeliver({"update_id": rows[0][0], **f.command(users[0], "/help")})
        await bot.settle()
        assert not api.since(mark, "sendMessage")


def test_ordering_keys_of_hostile_updates_never_fail() -> None:
    assert ordering_key(f.command(FLOODER, "/x")) == FLOODER["id"]
    assert ordering_key(f.poll_answer("p", FLOODER, [0])) == FLOODER["id"]
    assert ordering_key(f.command(FLOODER, "/x", GROUP)) == GROUP_ID
    for hostile in (
        {},
        {"message": None},
        {"message": {"chat": "x"}},
        {"message": {"chat": {"id": "12"}}},
        {"callback_query": {"from": {"id": True}}},
        {"poll_answer": {"user": None, "voter_chat": {"id": -5}}},
        {"inline_query": []},
    ):
        assert isinstance(ordering_key(hostile), int)
    assert ordering_key({"poll_answer": {"user": None, "voter_chat": {"id": -5}}}) == -5
