"""Social play end to end: a group's daily quiz and weekly recap, challenges between friends,
inline sharing. Schedules run on the injected clock; ``bot.tick()`` fires due jobs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.testing import factories as f
from bot.testing.fakeapi import Call, FakeBotApi
from questions.model import Bank
from tests.conftest import FakeClock, running_bot
from tests.helpers import button_for, data, labels, plain, question_of

GROUP_ID = -100900
GROUP = f.group_chat(GROUP_ID)
ADMIN = f.user(51, "Admin")
MEMBER = f.user(52, "Member")
ALICE = f.user(61, "Alice")
BOB = f.user(62, "Bob")


def correct_index(call: Call) -> int:
    return int(call["correct_option_ids"][0])


async def test_daily_quiz_is_set_by_admins_and_starts_at_its_minute_after_a_restart(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    api.admins[GROUP_ID] = {ADMIN["id"]}
    clock.now = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 07:00 in Kyiv (UTC+2)
    async with running_bot(api, db_url, clock) as bot:
        [none] = await bot.send(f.command(MEMBER, "/daily", GROUP))
        assert "No daily quiz here yet" in none.text
        [refused] = await bot.send(f.command(MEMBER, "/daily 09:00", GROUP))
        assert "Only the chat’s admins" in refused.text
        [confirm] = await bot.send(f.command(ADMIN, "/daily 09:00 Europe/Kyiv 3 20s", GROUP))
        assert "every day at <b>09:00</b> (Europe/Kyiv), 3 questions of 20 s" in confirm.text
        assert "Next: Wed 25 Nov 09:00 (Europe/Kyiv)" in confirm.text
        [shown] = await bot.send(f.command(MEMBER, "/daily", GROUP))
        assert "Next: Wed 25 Nov 09:00" in shown.text
        [bad] = await bot.send(f.command(ADMIN, "/daily 25:00", GROUP))
        assert "no time of day" in bad.text
    clock.advance(hours=2, minutes=1)  # the bot restarted; it is now 09:01 in Kyiv
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as bot:
        await bot.tick()
        [intro] = [c for c in api.since(mark, "sendMessage") if "daily quiz" in c.text]
        assert "3 questions, 20 s each" in intro.text
        [poll] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll["open_period"] == 20 and poll["question"].startswith("[1/3]")
        job = await bot.store.read(lambda q: q.get_job(f"daily:{GROUP_ID}"))
        assert job is not None and job.run_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
        # Tomorrow, a quiz is still running: one short line, and no second round.
        clock.advance(days=1)
        mark = len(api.calls)
        await bot.tick()
        texts = [c.text for c in api.since(mark, "sendMessage")]
        assert "⏰ Today’s daily quiz is skipped: a quiz is already running here." in texts
        assert not [p for p in api.since(mark, "sendPoll") if p["question"].startswith("[1/")]
        [off] = await bot.send(f.command(ADMIN, "/daily off", GROUP))
        assert "off" in off.text
        assert await bot.store.read(lambda q: q.get_job(f"daily:{GROUP_ID}")) is None


async def test_a_daily_quiz_long_overdue_after_downtime_waits_for_its_next_day(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    api.admins[GROUP_ID] = {ADMIN["id"]}
    clock.now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 17:00 in Kyiv
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ADMIN, "/daily 18:30 Europe/Kyiv 2 20s", GROUP))
    clock.advance(hours=9, minutes=15)  # down until 02:45 in Kyiv
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as bot:
        await bot.tick()
        assert api.since(mark, "sendPoll") == [] and api.since(mark, "sendMessage") == []
        job = await bot.store.read(lambda q: q.get_job(f"daily:{GROUP_ID}"))
        assert job is not None and job.run_at == datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
        clock.now = datetime(2026, 11, 26, 16, 30, 20, tzinfo=UTC)  # 18:30 today, on time
        await bot.tick()
        [poll] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll["question"].startswith("[1/2]")


async def test_weekly_recap_posts_the_table_and_the_most_missed_question(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    api.admins[GROUP_ID] = {ADMIN["id"]}
    api.member_counts[GROUP_ID] = 3
    clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ADMIN, "/daily 18:30 UTC", GROUP))
        await bot.send(f.command(ADMIN, "/quiz 1", GROUP))
        [poll] = await api.wait_calls("sendPoll", 1)
        mark = len(api.calls)
        api.push(f.poll_answer(poll["_poll_id"], ADMIN, [correct_index(poll)]))
        api.push(f.poll_answer(poll["_poll_id"], MEMBER, [(correct_index(poll) + 1) % 2]))
        await api.wait_calls("sendMessage", 2, since=mark)
        question = next(q for q in bank.questions if poll["question"].endswith(q.question))
        clock.now = datetime(2026, 11, 29, 20, 1, tzinfo=UTC)  # Sunday evening
        mark = len(api.calls)
        await bot.tick()
        recaps = [c for c in api.since(mark, "sendMessage") if "week in review" in c.text]
        assert len(recaps) == 1
        recap = recaps[0].text
        assert "🥇 Admin — <b>1</b>" in recap
        assert "2 players this week" in recap
        assert "Most missed" in recap and f"¶{question.paragraph}" in recap
        job = await bot.store.read(lambda q: q.get_job(f"recap:{GROUP_ID}"))
        assert job is not None and job.run_at == datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


async def play(bot: Any, user: dict[str, Any], first: Call, bank: Bank, right: list[bool]) -> Call:
    """Answer a round from its first question; returns the last feedback."""
    question = first
    for position, correct in enumerate(right):
        [feedback] = await bot.send(
            f.callback(user, button_for(question, bank, correct=correct), 100 + position),
            "editMessageText",
        )
        if position < len(right) - 1:
            [question] = await bot.send(f.callback(user, data(feedback, "Next ▶"), 100))
    return feedback


async def test_a_challenge_from_recap_to_card_to_link_to_head_to_head(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [first] = await bot.send(f.command(ALICE, "/quiz 3"))
        alice_order = [question_of(first, bank).id]
        recap = await play(bot, ALICE, first, bank, [True, True, False])
        [button] = [
            b
            for row in recap["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == "⚔️ Challenge a friend"
        ]
        query = button["switch_inline_query_chosen_chat"]["query"]
        assert re.fullmatch(r"ch_[A-Za-z0-9_-]{16}", query)
        mark = len(api.calls)
        await bot.send(f.inline_query(ALICE, query), "answerInlineQuery")
        [answer] = api.since(mark, "answerInlineQuery")
        [card] = answer["results"]
        assert len(card["id"].encode()) <= 64
        assert "got <b>2/3</b>" in card["input_message_content"]["message_text"]
        [[link]] = card["reply_markup"]["inline_keyboard"]
        assert link["url"] == f"https://t.me/quiz_test_bot?start={query}"
        # Bob opens the link: the same questions, in the same order.
        intro, bob_first = await bot.send(f.command(BOB, f"/start {query}"), count=2)
        assert "Alice’s challenge" in intro.text
        assert question_of(bob_first, bank).id == alice_order[0]
        assert bob_first.text.count("<b>A.</b>") == 1
        mark = len(api.calls)
        await play(bot, BOB, bob_first, bank, [True, True, True])
        await bot.settle()
        results = [c for c in api.since(mark, "sendMessage") if "Challenge result" in c.text]
        assert {c["chat_id"] for c in results} == {ALICE["id"], BOB["id"]}
        assert "🏆 Bob wins!" in results[0].text
        assert all(labels(r) == ["🎯 New quiz", "🏆 Top"] for r in results)
        assert "Alice: <b>2/3</b>" in results[0].text and "Bob: <b>3/3</b>" in results[0].text
        [again] = await bot.send(f.command(BOB, f"/start {query}"))
        assert "took this challenge already" in again.text
        [own] = await bot.send(f.command(ALICE, f"/start {query}"))
        assert "your own challenge" in own.text
        forged, _ = await bot.send(f.command(BOB, "/start ch_AAAAAAAAAAAAAAAA"), count=2)
        assert "expired" in forged.text
        clock.advance(days=8)
        expired, menu = await bot.send(f.command(f.user(63, "Cy"), f"/start {query}"), count=2)
        assert "expired" in expired.text and "▶️ Quiz" in labels(menu)


async def test_the_challenger_who_blocked_the_bot_is_not_messaged(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [first] = await bot.send(f.command(ALICE, "/quiz 1"))
        recap = await play(bot, ALICE, first, bank, [True])
        query = next(
            b["switch_inline_query_chosen_chat"]["query"]
            for row in recap["reply_markup"]["inline_keyboard"]
            for b in row
            if "switch_inline_query_chosen_chat" in b
        )
        await bot.quiz.mark_blocked(ALICE["id"])
        _, bob_first = await bot.send(f.command(BOB, f"/start {query}"), count=2)
        mark = len(api.calls)
        await play(bot, BOB, bob_first, bank, [False])
        await bot.settle()
        results = [c for c in api.since(mark, "sendMessage") if "Challenge result" in c.text]
        assert [c["chat_id"] for c in results] == [BOB["id"]]
        assert "🏆 Alice wins!" in results[0].text


async def test_inline_queries_share_questions_without_their_ids(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        mark = len(api.calls)
        await bot.send(f.inline_query(ALICE, ""), "answerInlineQuery")
        [empty] = api.since(mark, "answerInlineQuery")
        assert empty["is_personal"] is True
        assert len(empty["results"]) == 3
        ids = [r["id"] for r in empty["results"]]
        assert len(set(ids)) == len(ids) and all(len(i.encode()) <= 64 for i in ids)
        for result in empty["results"]:
            shown = result["input_message_content"]["message_text"]
            assert len(shown) <= 4096
            assert result["input_message_content"]["parse_mode"] == "HTML"  # its <b> renders
            assert not any(q.id in result["id"] or q.id in str(result) for q in bank.questions)
        mark = len(api.calls)
        await bot.send(f.inline_query(ALICE, "tractor"), "answerInlineQuery")
        [words] = api.since(mark, "answerInlineQuery")
        assert words["is_personal"] is False
        assert words["results"]
        assert all("tractor" in (r["title"] + str(r)).lower() for r in words["results"])
        url = words["results"][0]["reply_markup"]["inline_keyboard"][0][0]["url"]
        code = url.split("start=q_")[1]
        [single] = await bot.send(f.command(BOB, f"/start q_{code}"))
        assert "Question 1/1" in plain(single.text)
        assert "tractor" in plain(single.text).lower() or "tank" in plain(single.text).lower()
        mark = len(api.calls)
        await bot.send(f.inline_query(ALICE, "zebra unicorn"), "answerInlineQuery")
        [nothing] = api.since(mark, "answerInlineQuery")
        assert nothing["results"] == []
        unknown, _ = await bot.send(f.command(BOB, "/start q_zzzzzzzz"), count=2)
        assert "not one I know" in unknown.text


async def test_a_shared_question_opened_during_a_quiz_asks_first_then_is_that_question(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.inline_query(ALICE, "tractor"), "answerInlineQuery")
        [words] = api.of("answerInlineQuery")
        url = words["results"][0]["reply_markup"]["inline_keyboard"][0][0]["url"]
        code = url.split("start=q_")[1]
        shared = words["results"][0]["title"]
        await bot.send(f.command(BOB, "/quiz 5"))
        [conflict] = await bot.send(f.command(BOB, f"/start q_{code}"))
        assert "You have a quiz open (question 1/5)" in conflict.text
        assert labels(conflict) == ["▶ Continue", "🆕 Answer this one"]
        [asked] = await bot.send(f.callback(BOB, data(conflict, "🆕 Answer this one"), 101))
        assert "Question 1/1" in plain(asked.text)
        assert shared.rstrip("…") in plain(asked.text)
        assert (await bot.quiz.open_round(BOB["id"])) is not None
        forged = f.callback(BOB, "j:zzzzzzzz", 101, f.group_chat(-100900))
        [refused] = await bot.send(forged, "answerCallbackQuery")
        assert refused.get("text")


async def test_a_challenge_left_unplayed_can_be_taken_again_and_a_stop_is_reported(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    cy = f.user(63, "Cy")
    async with running_bot(api, db_url, clock) as bot:
        [first] = await bot.send(f.command(ALICE, "/quiz 3"))
        recap = await play(bot, ALICE, first, bank, [True, True, False])
        query = next(
            b["switch_inline_query_chosen_chat"]["query"]
            for row in recap["reply_markup"]["inline_keyboard"]
            for b in row
            if "switch_inline_query_chosen_chat" in b
        )
        # Cy opens it, then starts another quiz before answering: the try does not count.
        intro, _ = await bot.send(f.command(cy, f"/start {query}"), count=2)
        assert "Alice’s challenge" in intro.text
        [again] = await bot.send(f.command(cy, f"/start {query}"))
        assert "You are playing this challenge (question 1/3)" in again.text
        assert labels(again) == ["▶ Continue"]
        [conflict] = await bot.send(f.command(cy, "/quiz 1"))
        assert "You have a challenge open (question 1/3)" in conflict.text
        assert "ends your try" not in conflict.text  # nothing answered yet
        await bot.send(f.callback(cy, data(conflict, "🆕"), 103))  # the one-question quiz
        [offer] = await bot.send(f.command(cy, f"/start {query}"))
        assert labels(offer) == ["▶ Continue", "🆕 Take the challenge"]  # not "took already"
        intro, cy_first = await bot.send(f.callback(cy, data(offer, "🆕"), 105), count=2)
        assert "Alice’s challenge" in intro.text
        # One answer, then /stop: Alice hears how far Cy got.
        [fb] = await bot.send(
            f.callback(cy, button_for(cy_first, bank, correct=True), 105), "editMessageText"
        )
        assert "Score 1/1" in fb.text
        [conflict] = await bot.send(f.command(cy, "/quiz 1"))
        assert "Ending it ends your try at the challenge." in conflict.text
        mark = len(api.calls)
        await bot.send(f.command(cy, "/stop"))
        await bot.settle()
        results = [c for c in api.since(mark, "sendMessage") if "Challenge result" in c.text]
        assert {c["chat_id"] for c in results} == {ALICE["id"], cy["id"]}
        assert "Cy: <b>1/3</b>" in results[0].text and "(stopped after 1)" in results[0].text
        assert "🏆 Alice wins!" in results[0].text
        [done] = await bot.send(f.command(cy, f"/start {query}"))
        assert "took this challenge already" in done.text
