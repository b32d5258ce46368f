"""Group rounds with native quiz polls, against the fake Bot API.

Poll timers are jobs in the database; tests move the fake clock past a timer and call
``bot.tick()`` (the JobQueue's tick) instead of waiting.
"""

from __future__ import annotations

import html
from datetime import timedelta

from bot.testing import factories as f
from bot.testing.fakeapi import Call, FakeBotApi
from questions.model import Bank, Question
from tests.conftest import FakeClock, running_bot
from tests.helpers import data, labels, plain

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


async def test_group_round_three_players(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    api.member_counts[GROUP_ID] = 50  # a big group: the timer closes the first poll
    async with running_bot(api, db_url, clock) as bot:
        intro, poll1 = [
            *(await bot.send(f.command(ANN, "/quiz 3 15s", GROUP))),
            *(await api.wait_calls("sendPoll", 1)),
        ]
        assert "3 questions, 15 s each" in intro.text
        assert poll1["type"] == "quiz"
        assert poll1["is_anonymous"] is False
        assert poll1["open_period"] == 15
        assert len(poll1["correct_option_ids"]) == 1
        q1 = poll_question(poll1, bank)
        assert poll1["explanation"] == q1.explanation
        assert poll1["options"][correct_index(poll1)]["text"] == q1.correct_option
        assert all(o.get("text_parse_mode") is None for o in poll1["options"])
        assert labels(poll1) == ["⏩ Next"]

        pid = poll1["_poll_id"]
        clock.advance(seconds=2)
        api.push(f.poll_answer(pid, ANN, [correct_index(poll1)]))
        await bot.settle()
        clock.advance(seconds=3)
        api.push(f.poll_answer(pid, BEN, [correct_index(poll1)]))
        api.push(f.poll_answer(pid, BEN, [wrong_index(poll1)]))  # a second vote changes nothing
        api.push(f.poll_answer(pid, CAT, [wrong_index(poll1)]))
        api.push(f.poll_answer("no-such-poll", CAT, [0]))
        await bot.settle()
        assert not api.of("sendMessage", GROUP_ID)[1:], "the poll runs its full time"

        mark = len(api.calls)
        clock.advance(seconds=15)
        await bot.tick()
        [result] = await api.wait_calls("sendMessage", 1, since=mark)
        assert not api.since(mark, "stopPoll"), "a poll that timed out is not stopped again"
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
        assert api.since(mark, "stopPoll"), "a poll closed early is stopped in Telegram"
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
        assert "total time of the right answers" in table  # the table says what time means

        [board] = await bot.send(f.command(CAT, "/top", GROUP))
        assert "This chat" in board.text
        assert "🥇 Ann — <b>2</b>" in board.text
        assert "🥇 &lt;b&gt;Ben&lt;/b&gt; &amp; co — <b>2</b>" in board.text  # a tie shares
        assert "🥉 Cat — <b>1</b> ← you" in board.text
        assert board.text.index("Ann") < board.text.index("Ben")  # same order as the table
        assert await bot.quiz.consistency_problems() == []


async def test_first_poll_closes_when_every_member_has_voted(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    api.member_counts[GROUP_ID] = 3  # two people and this bot
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 2 30s", GROUP))
        [poll1] = await api.wait_calls("sendPoll", 1)
        assert api.of("getChatMemberCount")
        mark = len(api.calls)
        api.push(f.poll_answer(poll1["_poll_id"], ANN, [correct_index(poll1)]))
        await bot.settle()
        assert not api.since(mark, "sendPoll"), "one of two voted: the poll stays open"
        api.push(f.poll_answer(poll1["_poll_id"], BEN, [wrong_index(poll1)]))
        [poll2] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll2["question"].startswith("[2/2]")
        assert "Right (1 of 2)" in api.since(mark, "sendMessage")[0].text


async def test_next_button_closes_the_poll_for_its_starter_only(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    api.member_counts[GROUP_ID] = 40
    api.admins[GROUP_ID] = {CAT["id"]}
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 3", GROUP))
        [poll1] = await api.wait_calls("sendPoll", 1)
        next_data = data(poll1, "⏩ Next")
        [refused] = await bot.send(f.callback(BEN, next_data, 101, GROUP), "answerCallbackQuery")
        assert "starter or a chat admin" in refused["text"]
        mark = len(api.calls)
        api.push(f.callback(ANN, next_data, 101, GROUP))
        [poll2] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll2["question"].startswith("[2/3]")
        mark = len(api.calls)
        api.push(f.callback(CAT, data(poll2, "⏩ Next"), 103, GROUP))  # an admin may too
        await api.wait_calls("sendPoll", 1, since=mark)
        [stale] = await bot.send(f.callback(ANN, next_data, 101, GROUP), "answerCallbackQuery")
        assert "moved on" in stale["text"]


async def test_stop_needs_starter_or_admin_and_posts_one_table(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    api.admins[GROUP_ID] = {CAT["id"]}
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 2", GROUP), count=1)
        [poll] = await api.wait_calls("sendPoll", 1)
        [refused] = await bot.send(f.command(BEN, "/stop", GROUP))
        assert "Only the person who started the quiz or a chat admin" in refused.text
        [busy] = await bot.send(f.command(BEN, "/quiz", GROUP))
        assert "already running here (question 1/2)" in busy.text
        # /stop and the poll's timer at the same moment: one final table, not two.
        clock.advance(seconds=40)
        mark = len(api.calls)
        api.push(f.command(CAT, "/stop", GROUP))
        await bot.tick()
        await bot.settle()
        after = api.since(mark)
        tables = [i for i, c in enumerate(after) if "final table" in c.text]
        assert len(tables) == 1
        assert not [c for c in after[tables[0] :] if c.method == "sendPoll"]
        assert await bot.quiz.open_round(GROUP_ID) is None
        mark = len(api.calls)
        await bot.send(f.command(ANN, "/quiz 1", GROUP))
        [new_poll] = await api.wait_calls("sendPoll", 1, since=mark)
        assert new_poll["question"].startswith("[1/1]")
        assert poll["chat_id"] == GROUP_ID


async def test_restart_mid_round_closes_the_overdue_poll_and_continues(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 2 20s", GROUP))
        [poll1] = await api.wait_calls("sendPoll", 1)
        api.push(f.poll_answer(poll1["_poll_id"], ANN, [correct_index(poll1)]))
        await bot.settle()
    clock.advance(minutes=5)  # the bot was down while the poll expired
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as bot:
        await bot.tick()
        [result] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Right (1 of 1): Ann" in result.text
        [poll2] = await api.wait_calls("sendPoll", 1, since=mark)
        assert poll2["question"].startswith("[2/2]")
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as bot:  # poll 2 still open: its timer waits
        await bot.tick()
        assert not api.since(mark, "sendPoll")
        clock.advance(seconds=30)
        await bot.tick()
        messages = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Quiz over" in messages[1].text


async def test_votes_cast_while_the_bot_was_down_count(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock):
        pass  # the database exists
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 1 10s", GROUP))
        [poll] = await api.wait_calls("sendPoll", 1)
    # While the bot is down, three people vote and Telegram closes the poll.
    for player in (ANN, BEN, CAT):
        api.push(f.poll_answer(poll["_poll_id"], player, [correct_index(poll)]))
    api.push(f.poll_update(poll["_poll_id"], poll["question"], voters=3, closed=True))
    clock.advance(seconds=30)
    mark = len(api.calls)
    async with running_bot(api, db_url, clock) as bot:
        await bot.settle()
        await bot.tick()
        [result, table] = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Right (3 of 3)" in result.text
        assert "Quiz over" in table.text


async def test_a_502_on_send_poll_does_not_strand_the_round(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        api.fail("sendPoll", 502, "Bad Gateway", times=3, chat_id=GROUP_ID)
        await bot.send(f.command(ANN, "/quiz 1 10s", GROUP))
        await bot.settle()
        assert len(api.of("sendPoll", GROUP_ID)) == 3  # three tries, then a timer
        clock.advance(seconds=5)
        mark = len(api.calls)
        await bot.tick()
        assert len(await api.wait_calls("sendPoll", 1, since=mark)) == 1  # re-armed: sent
        clock.advance(seconds=20)
        await bot.tick()
        messages = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Quiz over" in messages[1].text
        mark = len(api.calls)
        [intro] = await bot.send(f.command(ANN, "/quiz 1", GROUP))
        assert "Quiz" in intro.text  # /quiz works again: the round was not stranded
        await api.wait_calls("sendPoll", 1, since=mark)


async def test_a_timed_out_poll_is_found_before_it_is_sent_again(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, timeout=0.5) as bot:
        api.fail("sendPoll", 0, delay=1.0, times=1, chat_id=GROUP_ID)  # answered too late
        await bot.send(f.command(ANN, "/quiz 1 10s", GROUP))
        await bot.settle()
        [sent] = api.of("sendPoll", GROUP_ID)
        # The poll did reach the chat: Telegram reports it when it closes.
        poll_id = "poll-late"
        mark = len(api.calls)
        api.push(f.poll_answer(poll_id, BEN, [correct_index(sent)]))  # its id is unknown yet
        api.push(f.poll_update(poll_id, sent["question"], voters=1, closed=True))
        [result, table] = await api.wait_calls("sendMessage", 2, since=mark)
        assert "Right (1 of 1)" in result.text  # the early vote counted
        assert "Quiz over" in table.text
        clock.advance(seconds=30)  # past the time a resend was armed for
        await bot.tick()
        assert len(api.of("sendPoll", GROUP_ID)) == 1, "not sent a second time"


async def test_group_upgraded_to_supergroup_moves_the_round(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    new_id = -100999
    async with running_bot(api, db_url, clock) as bot:
        api.fail(
            "sendPoll",
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            chat_id=GROUP_ID,
            migrate_to=new_id,
        )
        await bot.send(f.command(ANN, "/quiz 1", GROUP))
        await bot.settle()
        await bot.tick()
        [first, moved] = await api.wait_calls("sendPoll", 2)
        assert first["chat_id"] == GROUP_ID  # refused: the group became a supergroup
        assert moved["chat_id"] == new_id
        assert moved["question"] == first["question"]
        assert await bot.quiz.open_round(new_id) is not None
        assert await bot.quiz.open_round(GROUP_ID) is None


async def test_bot_removed_from_group_ends_round(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 2", GROUP))
        await api.wait_calls("sendPoll", 1)
        # Only this chat refuses: the bot was kicked.
        api.fail(
            "sendMessage",
            403,
            "Forbidden: bot was kicked from the supergroup chat",
            chat_id=GROUP_ID,
            times=5,
        )
        clock.advance(seconds=40)
        await bot.tick()
        assert await bot.quiz.open_round(GROUP_ID) is None
        forbidden = [c for c in api.of("sendMessage", GROUP_ID) if "Nobody answered" in c.text]
        assert forbidden, "the result was attempted (and refused) before the round ended"
        [other] = await bot.send(f.command(ANN, "/quiz 1", f.group_chat(-100300)))
        assert "Quiz" in other.text  # other chats are unaffected


async def test_the_removal_update_itself_ends_the_round_and_silences_the_chat(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 2", GROUP))
        await api.wait_calls("sendPoll", 1)
        assert await bot.quiz.open_round(GROUP_ID) is not None
        mark = len(api.calls)
        api.push(f.bot_removed(GROUP, ANN))
        await bot.settle()
        assert await bot.quiz.open_round(GROUP_ID) is None  # ended by the update, no send
        clock.advance(seconds=40)
        await bot.tick()  # the poll's timer: nothing goes to a chat the bot has left
        assert [c.method for c in api.since(mark) if c.get("chat_id") == GROUP_ID] == []


async def test_group_boards_are_the_chats_and_weeks_roll_over(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    api.member_counts[GROUP_ID] = 2
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ANN, "/quiz 1", GROUP))
        [poll] = await api.wait_calls("sendPoll", 1)
        mark = len(api.calls)
        api.push(f.poll_answer(poll["_poll_id"], ANN, [correct_index(poll)]))
        await api.wait_calls("sendMessage", 2, since=mark)
        [week] = await bot.send(f.command(ANN, "/top week", GROUP))
        assert "This chat · week 2026-W48" in week.text
        assert "Ann — <b>1</b>" in week.text
        clock.now += timedelta(days=7 - clock.now.weekday())  # Monday of the next ISO week
        [next_week] = await bot.send(f.command(ANN, "/top week", GROUP))
        assert "2026-W49" in next_week.text
        assert "Nobody has scored here yet" in next_week.text
        [all_time] = await bot.send(f.command(ANN, "/top all", GROUP))
        assert "This chat · all time" in all_time.text and "Ann — <b>1</b>" in all_time.text
        [other] = await bot.send(f.command(BEN, "/top", f.group_chat(-100300)))
        assert "Ann" not in other.text  # a group's board shows only that chat's players
        # /me here is about this chat, with the rest one tap away in private.
        [me] = await bot.send(f.command(ANN, "/me", GROUP))
        assert "In this chat: <b>1 point</b> · #1" in me.text
        assert "/goal" not in me.text and "review" not in me.text.lower()
        assert labels(me) == ["🏆 This chat’s board", "💬 My progress"]
        [ben] = await bot.send(f.command(BEN, "/me", GROUP))
        assert "No points in this chat yet" in ben.text


async def test_groups_get_their_own_command_menu_and_private_links(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        scopes = {str(c["scope"]["type"]): c for c in api.of("setMyCommands")}
        group_commands = {c["command"] for c in scopes["all_group_chats"]["commands"]}
        private_commands = {c["command"] for c in scopes["all_private_chats"]["commands"]}
        assert group_commands == {"quiz", "stop", "daily", "top", "me", "read", "help"}
        assert {"review", "progress", "forget", "remind"} <= private_commands
        # Each private feature links to its own screen in the private chat.
        for command, payload, opens in [
            ("/review", "review", "No reviews yet"),
            ("/progress", "progress", "mastery map"),
            ("/forget", "forget", "This deletes your answers"),
            ("/remind 8am", "remind", "No daily reminder yet"),
            ("/goal 5", "goal", "Daily goal: <b>10 answers</b>"),
            ("/help", "menu", "I quiz you on one article"),
        ]:
            [reply] = await bot.send(f.command(ANN, command, GROUP))
            [(label, url)] = [
                (b["text"], b["url"])
                for row in reply["reply_markup"]["inline_keyboard"]
                for b in row
            ]
            assert label == "💬 Open private chat"
            assert url == f"https://t.me/quiz_test_bot?start={payload}"
            [opened] = await bot.send(f.command(ANN, f"/start {payload}"))
            assert opens in opened.text, (payload, opened.text)
        # Group help is about playing here, not the private reference.
        [help_] = await bot.send(f.command(ANN, "/help", GROUP))
        assert "/quiz 10 20s" in help_.text and "/daily" in help_.text
        assert "/review" not in help_.text and "/forget" not in help_.text
        assert "type its letter" not in help_.text
        [start] = await bot.send(f.command(ANN, "/start", GROUP))
        assert labels(start) == ["💬 Open private chat"]
        [topics] = await bot.send(f.command(ANN, "/topics", GROUP))
        assert "tap one" not in topics.text and "answered" not in topics.text
        assert "<b>Minsk talks</b>" in topics.text and "<code>/quiz" in topics.text
        [unknown] = await bot.send(f.command(ANN, "/quiz banana", GROUP))
        assert f"1 to {20}" in unknown.text and "(default 5)" in unknown.text
        assert "default 10" not in unknown.text
        [page] = await bot.send(f.command(ANN, "/read 3", GROUP))
        assert "¶3 of 28" in page.text
        assert "Quiz me" not in " ".join(labels(page))  # no button that only errors here
        assert plain(page.text)


async def test_a_round_whose_first_poll_was_never_sent_gets_it_after_a_restart(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    """The worker died between creating the round and sending its poll: the next start
    sends it (once), and the round goes on from there."""
    from bot.engine.quiz import QuizEngine  # noqa: PLC0415
    from bot.engine.views import Player, RoundRequest  # noqa: PLC0415
    from storage.db import Store  # noqa: PLC0415
    from storage.models import ChatKind  # noqa: PLC0415

    store = await Store.open(db_url)
    quiz = QuizEngine(bank, store, clock=clock)
    started = await quiz.start_round(
        GROUP_ID, ChatKind.GROUP, Player(ANN["id"], "Ann"), RoundRequest(2, open_period=20)
    )
    await store.close()
    assert started.view is not None
    first = started.view.question
    async with running_bot(api, db_url, clock) as bot:
        await bot.tick()
        [poll] = await api.wait_calls("sendPoll", 1)
        assert poll["chat_id"] == GROUP_ID
        assert poll_question(poll, bank).id == first.id
        assert poll["open_period"] == 20
        await bot.tick()
        assert len(api.of("sendPoll", GROUP_ID)) == 1, "sent once"
