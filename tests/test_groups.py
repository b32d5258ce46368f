"""Group rounds with native quiz polls, against the fake Bot API."""

from __future__ import annotations

import html
from datetime import timedelta

from telegram.ext import Application

from bot.telegram.groups import resume_group_rounds
from bot.telegram.services import services_of
from questions.model import Bank, Question
from tests import factories as f
from tests.conftest import FakeClock, running_bot
from tests.fakeapi import Call, FakeBotApi

GROUP_ID = -100200
GROUP = f.group_chat(GROUP_ID)
ANN = f.user(31, "Ann")
BEN = f.user(32, "<b>Ben</b> & co")
CAT = f.user(33, "Cat")


def poll_question(call: Call, bank: Bank) -> Question:
    text = call["question"].split("] ", 1)[-1]
    [q] = [q for q in bank.questions if q.question == text]
    return q


def correct_index(call: Call) -> int:
    return int(call["correct_option_ids"][0])


def wrong_index(call: Call) -> int:
    return (correct_index(call) + 1) % len(call["options"])


async def fire_timer(app: Application, api: FakeBotApi) -> None:  # type: ignore[type-arg]
    """Run the poll's close timer now instead of waiting for it (the job itself, by name)."""
    await api.settle()
    assert app.job_queue is not None
    jobs = [j for j in app.job_queue.jobs() if j.name and j.name.startswith("poll-close:")]
    assert len(jobs) == 1, [j.name for j in jobs]
    await jobs[0].run(app)


async def test_group_round_three_players(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/quiz 3 15s", GROUP))
        [intro] = await api.wait_calls("sendMessage", 1)
        assert "3 questions, 15 s each" in intro.text
        [poll1] = await api.wait_calls("sendPoll", 1)
        assert poll1["type"] == "quiz"
        assert poll1["is_anonymous"] is False
        assert poll1["open_period"] == 15
        assert len(poll1["correct_option_ids"]) == 1
        q1 = poll_question(poll1, bank)
        assert poll1["explanation"] == q1.explanation
        assert poll1["options"][correct_index(poll1)]["text"] == q1.correct_option
        assert all(o.get("text_parse_mode") is None for o in poll1["options"])
        assert poll1.get("question_parse_mode") is None

        # Ann fastest and right, Ben right later, Cat wrong; Ben's second vote changes nothing.
        pid = poll1["_poll_id"]
        clock.advance(seconds=2)
        api.push(f.poll_answer(pid, ANN, [correct_index(poll1)]))
        await api.settle()
        clock.advance(seconds=3)
        api.push(f.poll_answer(pid, BEN, [correct_index(poll1)]))
        api.push(f.poll_answer(pid, BEN, [wrong_index(poll1)]))
        api.push(f.poll_answer(pid, CAT, [wrong_index(poll1)]))
        api.push(f.poll_answer("no-such-poll", CAT, [0]))
        await api.settle()
        assert not api.of("stopPoll"), "the first poll runs its full time"

        mark = len(api.calls)
        await fire_timer(app, api)
        [stop] = await api.wait_calls("stopPoll", 1, since=mark)
        assert stop["message_id"] == 100 + 1  # the poll message (intro was 100)
        [result] = await api.wait_calls("sendMessage", 1, since=mark)
        ben = "&lt;b&gt;Ben&lt;/b&gt; &amp; co (5.0 s)"
        assert result.text.index("Ann (2.0 s)") < result.text.index(ben)
        assert "Right (2 of 3)" in result.text
        assert f"¶{q1.paragraph}" in result.text
        assert html.escape(q1.quote, quote=False) in result.text
        [poll2] = await api.wait_calls("sendPoll", 1, since=mark)

        # Everyone who played answers poll 2: it closes early, without the timer.
        mark = len(api.calls)
        for player in (ANN, BEN, CAT):
            api.push(f.poll_answer(poll2["_poll_id"], player, [correct_index(poll2)]))
        [poll3] = await api.wait_calls("sendPoll", 1, since=mark)
        assert "Right (3 of 3)" in api.since(mark, "sendMessage")[0].text

        mark = len(api.calls)
        for player in (ANN, BEN, CAT):
            api.push(f.poll_answer(poll3["_poll_id"], player, [wrong_index(poll3)]))
        messages = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Nobody of 3 got this one." in messages[0].text
        table = messages[1].text
        assert "Quiz over" in table
        assert table.index("Ann") < table.index("&lt;b&gt;Ben") < table.index("Cat")
        assert "<b>2</b>/3" in table

        # Late answer to a closed poll: ignored.
        api.push(f.poll_answer(poll1["_poll_id"], CAT, [correct_index(poll1)]))
        mark = len(api.calls)
        api.push(f.command(CAT, "/top", GROUP))
        [board] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "This chat" in board.text
        assert "🥇 Ann — <b>2</b>" in board.text
        assert "🥇 &lt;b&gt;Ben&lt;/b&gt; &amp; co — <b>2</b>" in board.text  # tie shares rank
        assert "🥉 Cat — <b>1</b> ← you" in board.text

        mark = len(api.calls)
        api.push(f.command(ANN, "/me", GROUP))
        [me] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Points: <b>2</b> · answered 3" in me.text
        assert "#1 this chat" in me.text
        store = services_of(app).quiz.store
        assert await store.reads.recount_mismatches() == []


async def test_stop_needs_starter_or_admin(api: FakeBotApi, db_url: str, clock: FakeClock) -> None:
    api.admins[GROUP_ID] = {CAT["id"]}
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/quiz 2", GROUP))
        await api.wait_calls("sendPoll", 1)
        mark = len(api.calls)
        api.push(f.command(BEN, "/stop", GROUP))
        [refused] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Only the person who started the quiz or a chat admin" in refused.text
        mark = len(api.calls)
        api.push(f.command(BEN, "/quiz", GROUP))
        [busy] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "already running" in busy.text
        mark = len(api.calls)
        api.push(f.command(CAT, "/stop", GROUP))
        [stopped] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Quiz stopped" in stopped.text
        assert api.since(mark, "stopPoll")
        mark = len(api.calls)
        api.push(f.command(ANN, "/quiz 1", GROUP))
        await api.wait_calls("sendPoll", 1, since=mark)


async def test_restart_mid_round_closes_overdue_poll_and_continues(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/quiz 2 20s", GROUP))
        [poll1] = await api.wait_calls("sendPoll", 1)
        api.push(f.poll_answer(poll1["_poll_id"], ANN, [correct_index(poll1)]))
        await api.settle()
    clock.advance(minutes=5)  # the bot was down while the poll expired
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as app:
        await api.wait_calls("stopPoll", 1, since=mark)
        [result] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Right (1 of 1): Ann" in result.text
        [poll2] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll2["question"].startswith("[2/2]")
        # A second restart while poll 2 is still open only re-arms its timer.
        assert await resume_group_rounds(app) == 1
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as app:
        assert app.job_queue is not None
        names = [j.name for j in app.job_queue.jobs()]
        assert any(n and n.startswith("poll-close:") for n in names)
        assert not api.since(mark, "sendPoll")
        assert not api.since(mark, "stopPoll")
        clock.advance(seconds=30)
        await fire_timer(app, api)
        messages = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Quiz over" in messages[1].text


async def test_bot_removed_from_group_ends_round(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/quiz 2", GROUP))
        await api.wait_calls("sendPoll", 1)
        api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat")
        api.fail("sendPoll", 403, "Forbidden: bot was kicked from the supergroup chat")
        await fire_timer(app, api)
        store = services_of(app).quiz.store
        assert await store.reads.active_round(GROUP_ID) is None
        api.push(f.command(ANN, "/quiz 1", GROUP))
        await api.wait_calls("sendPoll", 2)
        api.push(
            {
                "my_chat_member": {
                    "chat": GROUP,
                    "from": ANN,
                    "date": 1,
                    "old_chat_member": {
                        "status": "member",
                        "user": {"id": 1000, "is_bot": True, "first_name": "Quiz"},
                    },
                    "new_chat_member": {
                        "status": "left",
                        "user": {"id": 1000, "is_bot": True, "first_name": "Quiz"},
                    },
                }
            }
        )
        await api.settle()
        assert await store.reads.active_round(GROUP_ID) is None


async def test_weekly_board_across_week_boundary(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/quiz 1", GROUP))
        [poll] = await api.wait_calls("sendPoll", 1)
        api.push(f.poll_answer(poll["_poll_id"], ANN, [correct_index(poll)]))
        await api.settle()
        await fire_timer(app, api)
        mark = len(api.calls)
        api.push(f.command(ANN, "/top week", GROUP))
        [week] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "2026-W48" in week.text
        assert "Ann — <b>1</b>" in week.text
        clock.now += timedelta(days=7 - clock.now.weekday())  # Monday of the next ISO week
        mark = len(api.calls)
        api.push(f.command(ANN, "/top week", GROUP))
        api.push(f.command(ANN, "/top all", GROUP))
        boards = await api.wait_calls("sendMessage", 2, since=mark)
        assert "2026-W49" in boards[0].text
        assert "Nobody has scored here yet" in boards[0].text
        assert "Ann — <b>1</b>" in boards[1].text
