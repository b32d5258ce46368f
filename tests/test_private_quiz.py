"""Private chats end to end: the real Application against the fake Bot API over HTTP.

Each flow presses the buttons the bot sent and asserts on what it sends back.
"""

from __future__ import annotations

import html

from bot.engine.views import Player, RoundRequest
from bot.testing import factories as f
from bot.testing.fakeapi import FakeBotApi
from questions.model import Bank
from storage.models import ChatKind
from tests.conftest import FakeClock, running_bot
from tests.helpers import button_for, data, labels, option_index, plain, question_of

ALICE = f.user(11, "Alice")
BOB = f.user(22, "Bob", "<b>Builder</b> & Co")


async def test_start_is_short_with_a_menu_that_starts_a_quiz(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [start] = await bot.send(f.command(ALICE, "/start"))
        assert len(plain(start.text).splitlines()) <= 6
        assert "Atlantic Council" in start.text
        assert labels(start) == ["▶️ Quiz", "🔁 Review", "📖 Read", "📊 Me", "🏆 Top", "❓ Help"]
        [question] = await bot.send(f.callback(ALICE, data(start, "▶️ Quiz"), start_id(start)))
        assert "Question 1/10" in plain(question.text)
        assert len(question.buttons()) == len(question_of(question, bank).options)
        [help_] = await bot.send(f.callback(ALICE, data(start, "❓ Help"), 100))
        assert "/review" in help_.text and "once per question" in help_.text


def start_id(call: object) -> int:
    return 100  # the fake API numbers the bot's messages from 100


async def test_answer_feedback_shows_the_score_and_cites_once(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ALICE, "/quiz 3"))
        clock.advance(seconds=4)
        [toast] = await bot.send(
            f.callback(ALICE, button_for(q1, bank, correct=True), 100), "answerCallbackQuery"
        )
        assert toast["text"] == "✅ Correct!"
        [feedback] = await bot.api.wait_calls("editMessageText", 1)
        q = question_of(q1, bank)
        assert feedback.text.startswith("✅")
        assert "Score 1/1" in feedback.text
        assert "Right answer:" not in feedback.text  # a right answer needs no "Right answer"
        assert feedback.text.count(f"¶{q.paragraph}") == 1  # the citation, not the ¶ twice
        assert html.escape(q.quote, quote=False) in feedback.text
        assert "+1 point" in feedback.text
        assert labels(feedback)[:2] == ["Next ▶", f"📖 Read ¶{q.paragraph}"]

        [q2] = await bot.send(f.callback(ALICE, data(feedback, "Next ▶"), 100))
        assert "Question 2/3 · Score 1/1" in plain(q2.text)
        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q2, bank, correct=False), 101))
        [wrong] = await api.wait_calls("editMessageText", 1, since=mark)
        assert wrong.text.startswith("❌") and "Score 1/2" in plain(wrong.text)
        assert (
            f"Right answer: <b>{html.escape(question_of(q2, bank).correct_option, quote=False)}"
            in wrong.text
        )


async def test_a_second_quiz_while_one_is_open_asks_continue_or_new(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ALICE, "/quiz 10"))
        await bot.send(
            f.callback(ALICE, button_for(q1, bank, correct=False), 100), "editMessageText"
        )
        clock.advance(minutes=5)  # the missed question is due for review
        [ask] = await bot.send(f.command(ALICE, "/quiz 3"))
        assert "You have a quiz open (question 2/10)" in ask.text
        assert labels(ask) == ["▶ Continue", "🆕 New 3-question quiz"]
        # ▶ Continue: the open round's current question, nothing new started.
        [again] = await bot.send(f.callback(ALICE, data(ask, "▶ Continue"), 101))
        assert "Question 2/10" in plain(again.text)
        # /review while it is open asks the same way.
        [ask2] = await bot.send(f.command(ALICE, "/review"))
        assert "You have a quiz open (question 2/10)" in ask2.text
        assert labels(ask2) == ["▶ Continue", "🆕 Start the review"]
        # 🆕 New: the old round ends, a 3-question one starts.
        [new] = await bot.send(f.callback(ALICE, data(ask, "🆕 New"), 101))
        assert "Question 1/3" in plain(new.text)
        [ask3] = await bot.send(f.command(ALICE, "/quiz"))
        assert "(question 1/3)" in ask3.text


async def test_arguments_that_do_not_apply_start_nothing(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        for text, expected in [
            ("/quiz 3 5", "Did you mean /quiz 3?"),
            ("/quiz 5s", "Did you mean /quiz 10?"),
            ("/quiz 3 20s", "Did you mean /quiz 3?"),
            ("/quiz 0", "Choose 1 to 50"),
            ("/quiz 10000", "Choose 1 to 50"),
            ("/quiz <b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("/read 0", "28 paragraphs (1 to 28)"),
            ("/read x", "Write /read N"),
            ("/top month", "Write /top"),
        ]:
            [reply] = await bot.send(f.command(ALICE, text))
            assert expected in reply.text, (text, reply.text)
        assert await bot.quiz.open_round(ALICE["id"]) is None  # nothing started


async def test_typed_letter_or_number_answers_the_open_question(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ALICE, "/quiz 2"))
        right = "ABCD"[option_index(q1, bank, correct=True)]
        mark = len(api.calls)
        [feedback] = await bot.send(f.text_message(ALICE, right.lower()))
        assert feedback.text.startswith("✅") and "Score 1/1" in feedback.text
        [strip] = api.since(mark, "editMessageReplyMarkup")
        assert strip["message_id"] == 100  # the question's buttons are gone
        # Before Next, the next question is not on screen: a typed letter is not an answer.
        [hint] = await bot.send(f.text_message(ALICE, "B"))
        assert "Your quiz is at question 2/2" in hint.text and labels(hint) == ["▶ Continue"]
        [q2] = await bot.send(f.callback(ALICE, data(hint, "▶ Continue"), 103))
        assert "Question 2/2" in plain(q2.text)
        [late] = await bot.send(
            f.callback(ALICE, data(feedback, "Next ▶"), 102), "answerCallbackQuery"
        )
        assert late.get("text"), "Next after Continue shows nothing twice"
        wrong = str(option_index(q2, bank, correct=False) + 1)
        [second] = await bot.send(f.text_message(ALICE, wrong))
        assert second.text.startswith("❌")
        assert "Quiz complete" in second.text  # the last answer ends with the recap


async def test_read_from_feedback_keeps_the_way_back_to_the_round(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ALICE, "/quiz 3"))
        [feedback] = await bot.send(
            f.callback(ALICE, button_for(q1, bank, correct=True), 100), "editMessageText"
        )
        n = question_of(q1, bank).paragraph
        [page] = await bot.send(
            f.callback(ALICE, data(feedback, "📖 Read"), 100), "editMessageText"
        )
        assert f"¶{n} of 28" in page.text
        assert "↩ Back to question 1" in labels(page) and "Next ▶" in labels(page)
        nav = data(page, "▶") if n < 29 else data(page, "◀")
        [other] = await bot.send(f.callback(ALICE, nav, 100), "editMessageText")
        assert "↩ Back to question 1" in labels(other)  # paging keeps the round
        [back] = await bot.send(f.callback(ALICE, data(other, "↩ Back"), 100), "editMessageText")
        assert back.text == feedback.text  # the answer, as it was
        [q2] = await bot.send(f.callback(ALICE, data(page, "Next ▶"), 100))
        assert "Question 2/3" in plain(q2.text)


async def test_recap_retries_exactly_the_missed_questions(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [question] = await bot.send(f.command(ALICE, "/quiz 4"))
        missed = []
        for position in range(4):
            right = position % 2 == 0
            if not right:
                missed.append(question_of(question, bank))
            [feedback] = await bot.send(
                f.callback(ALICE, button_for(question, bank, correct=right), 100 + position),
                "editMessageText",
            )
            if position < 3:
                [question] = await bot.send(f.callback(ALICE, data(feedback, "Next ▶"), 100))
        recap = feedback.text
        assert "Quiz complete</b> · 2/4 right · +2 points" in recap
        for q in missed:
            assert html.escape(q.correct_option, quote=False) in recap.split("Missed (2)")[1]
        shown = labels(feedback)
        retry = shown.index("🔁 Retry my mistakes")
        assert shown[retry:] == [
            "🔁 Retry my mistakes",
            "🎯 New quiz",
            "📊 My stats",
            "⚔️ Challenge a friend",
            # the first finished round offers a daily reminder with one tap
            "🌅 08:00",
            "🌙 20:00",
            "🕐 Pick a time",
        ]
        [retry1] = await bot.send(f.callback(ALICE, data(feedback, "🔁 Retry"), 103))
        assert "Question 1/2" in plain(retry1.text)
        seen = [question_of(retry1, bank)]
        [fb] = await bot.send(
            f.callback(ALICE, button_for(retry1, bank, correct=True), 104), "editMessageText"
        )
        assert "+1 point" in fb.text  # missed before: its point is still to be earned
        [retry2] = await bot.send(f.callback(ALICE, data(fb, "Next ▶"), 104))
        seen.append(question_of(retry2, bank))
        assert sorted(q.id for q in seen) == sorted(q.id for q in missed)
        [done] = await bot.send(
            f.callback(ALICE, button_for(retry2, bank, correct=True), 105), "editMessageText"
        )
        assert "Quiz on your mistakes complete" in done.text
        assert "🌅 08:00" not in labels(done)  # the offer is made once
        mark = len(api.calls)
        offer = f.callback(ALICE, data(feedback, "🌅 08:00"), 103, markup=feedback["reply_markup"])
        [tap] = await bot.send(offer)
        assert "every day at <b>08:00</b> (UTC)" in tap.text and "🌍 Kyiv" in labels(tap)
        # The recap keeps its own buttons and loses the offer, which was used.
        [kept] = api.since(mark, "editMessageReplyMarkup")
        assert labels(kept)[:2] == ["📖 Read ¶" + labels(kept)[0].split("¶")[1], "⚑ Report"]
        assert "🔁 Retry my mistakes" in labels(kept) and "🌅 08:00" not in labels(kept)
        reminder = await bot.study.reminder(ALICE["id"])
        assert reminder is not None and (reminder.local_minute, reminder.tz) == (480, "UTC")


async def test_the_reminder_offer_waits_for_a_good_round(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        for right in (False, True):
            [question] = await bot.send(f.command(ALICE, "/quiz 1"))
            [done] = await bot.send(
                f.callback(ALICE, button_for(question, bank, correct=right), 100),
                "editMessageText",
            )
            assert ("🌅 08:00" in labels(done)) is right, done.text


async def test_replayed_questions_earn_no_new_points(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ALICE, "/quiz 1"))
        [first] = await bot.send(
            f.callback(ALICE, button_for(q, bank, correct=True), 100), "editMessageText"
        )
        assert "+1 point" in first.text
        question = question_of(q, bank)
        alice = Player(ALICE["id"], "Alice")
        outcome = await bot.quiz.start_round(
            ALICE["id"], ChatKind.PRIVATE, alice, RoundRequest(question_ids=[question.id])
        )
        assert outcome.view is not None
        again = await bot.quiz.answer(outcome.view.round_id, 0, outcome.view.correct_shown, alice)
        assert again.correct and again.points == 0
        [me] = await bot.send(f.command(ALICE, "/me"))
        assert "Points: <b>1</b> · answered 2 · accuracy 100%" in me.text
        assert await bot.quiz.consistency_problems() == []


async def test_buttons_of_others_finished_or_forged_change_nothing(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ALICE, "/quiz 1"))
        right = button_for(q, bank, correct=True)
        [toast] = await bot.send(f.callback(BOB, right, 100), "answerCallbackQuery")
        assert "someone else" in toast["text"]
        await bot.send(f.callback(ALICE, right, 100), "editMessageText")
        mark = len(api.calls)
        for forged in ("a:999:0:0", "zzz", "r:77", "s:p99", "s:t9", "x" * 70, "a:1:0:9"):
            api.push(f.callback(ALICE, forged, 100))
        toasts = await api.wait_calls("answerCallbackQuery", 7, since=mark)
        assert all(0 < len(t["text"]) <= 200 for t in toasts)
        await bot.settle()
        assert not api.since(mark, "sendMessage")
        # the same tap again only shows the stored feedback again
        [again] = await bot.send(f.callback(ALICE, right, 100), "answerCallbackQuery")
        assert "already answered" in again["text"]


async def test_stop_and_cancel_reply_in_private(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [none] = await bot.send(f.command(ALICE, "/stop"))
        assert "No quiz is running" in none.text and labels(none) == ["▶️ Quiz"]
        await bot.send(f.command(ALICE, "/quiz 2"))
        [stopped] = await bot.send(f.command(ALICE, "/stop"))
        assert "Quiz stopped" in stopped.text or "The quiz is over" in stopped.text
        [cancel] = await bot.send(f.command(ALICE, "/cancel"))
        assert "Nothing to cancel" in cancel.text


async def test_deep_links_open_what_they_name(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [page] = await bot.send(f.command(ALICE, "/start read_5"))
        assert "¶5 of 28" in page.text
        [prog] = await bot.send(f.command(ALICE, "/start progress"))
        assert "mastery map" in prog.text
        [quiz] = await bot.send(f.command(ALICE, "/start quiz"))
        assert "Question 1/10" in plain(quiz.text)
        note, menu = await bot.send(f.command(ALICE, "/start nonsense_payload"), count=2)
        assert "not one I know" in note.text and "▶️ Quiz" in labels(menu)


async def test_a_name_with_a_lone_surrogate_can_play(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    odd = f.user(77, "Zoë \ud800 \U0001f984")
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(odd, "/quiz 1"))
        [fb] = await bot.send(
            f.callback(odd, button_for(q, bank, correct=True), 100), "editMessageText"
        )
        assert fb.text.startswith("✅")
        [board] = await bot.send(f.command(odd, "/top"))
        assert "Zoë \ufffd 🦄" in board.text


async def test_direction_overrides_and_line_breaks_never_reach_a_name(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    tricky = f.user(78, "\u202eevE\u202c\nthe\tGreat\u2066")
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(tricky, "/quiz 1"))
        await bot.send(
            f.callback(tricky, button_for(q, bank, correct=True), 100), "editMessageText"
        )
        [board] = await bot.send(f.command(tricky, "/top"))
        assert "evE the Great — <b>1</b>" in board.text
        for junk in ("\u202e", "\u202c", "\u2066", "\t"):
            assert junk not in board.text


async def test_the_scoreboard_switches_between_all_time_and_this_week_by_button(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ALICE, "/quiz 1"))
        await bot.send(
            f.callback(ALICE, button_for(q, bank, correct=True), 100), "editMessageText"
        )
        [board] = await bot.send(f.command(ALICE, "/top"))
        assert "All time" in board.text
        [week] = await bot.send(f.callback(ALICE, data(board, "📅 This week"), 200))
        assert "This week" in week.text and "Alice" in week.text
        [back] = await bot.send(f.callback(ALICE, data(week, "🏆 All time"), 201))
        assert "All time" in back.text


async def test_one_chats_updates_are_handled_in_order_while_others_go_on(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    """Alice's first reply is slow; her later commands wait for it (a chat's updates are
    handled one at a time, in order) while Bob is answered at once."""
    bob = f.user(12, "Bob")
    async with running_bot(api, db_url, clock) as bot:
        api.fail("sendMessage", 0, delay=0.5, times=1, chat_id=ALICE["id"])
        for number in (3, 1, 2):
            api.push(f.command(ALICE, f"/read {number}"))
            api.push(f.command(bob, f"/read {number + 3}"))
        await bot.settle()
        heads = [plain(c.text).split("\n", 1)[0] for c in api.of("sendMessage", ALICE["id"])]
        assert len(heads) == 3
        assert ["¶3" in heads[0], "¶1" in heads[1], "¶2" in heads[2]] == [True, True, True]
        order = [c.get("chat_id") for c in api.calls if c.method == "sendMessage"]
        bobs = [i for i, chat in enumerate(order) if chat == bob["id"]]
        alices = [i for i, chat in enumerate(order) if chat == ALICE["id"]]
        assert len(bobs) == 3
        assert bobs[-1] < alices[1], "Bob was held behind Alice's slow reply"


async def test_an_unexpected_error_gets_a_short_apology_not_a_traceback(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    sorry = "Sorry, something went wrong on my side. Please try again."
    async with running_bot(api, db_url, clock) as bot:
        api.fail("sendMessage", 400, "Bad Request: something unforeseen", times=1)
        mark = len(api.calls)
        api.push(f.command(ALICE, "/help"))
        await bot.settle()
        assert [c.text for c in api.since(mark, "sendMessage")][-1] == sorry
        [q] = await bot.send(f.command(ALICE, "/quiz 1"))
        api.fail("editMessageText", 400, "Bad Request: something else unforeseen", times=1)
        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q, bank, correct=True), 100))
        await bot.settle()
        toasts = [c.get("text") for c in api.since(mark, "answerCallbackQuery")]
        assert toasts == ["✅ Correct!", sorry]


async def test_an_unchanged_or_vanished_message_is_not_an_error(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ALICE, "/quiz 2"))
        round_id = button_for(q1, bank, correct=True).split(":")[1]
        api.fail("editMessageText", 400, "Bad Request: message is not modified", times=1)
        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q1, bank, correct=True), 100))
        await bot.settle()
        assert [c.get("text") for c in api.since(mark, "answerCallbackQuery")] == ["✅ Correct!"]
        [q2] = await bot.send(f.callback(ALICE, f"n:{round_id}:1", 100))
        api.fail("editMessageText", 400, "Bad Request: message to edit not found", times=1)
        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q2, bank, correct=False), 101))
        await bot.settle()
        assert [c.get("text") for c in api.since(mark, "answerCallbackQuery")] == ["❌ Not quite"]
        assert not api.since(mark, "sendMessage"), "no apology"


async def test_stopping_says_what_stopped_and_what_next(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await bot.send(f.command(ALICE, "/quiz 2"))
        [stopped] = await bot.send(f.command(ALICE, "/stop"))
        assert "Quiz stopped before any answer" in stopped.text
        assert labels(stopped) == ["▶️ Quiz", "🏠 Menu"]


async def test_only_scorers_get_medals_and_the_author_line_reads_as_such(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        for user, right in ((ALICE, True), (BOB, False)):
            [q] = await bot.send(f.command(user, "/quiz 1"))
            await bot.send(
                f.callback(user, button_for(q, bank, correct=right), 100), "editMessageText"
            )
        [board] = await bot.send(f.command(BOB, "/top"))
        assert "🥇 Alice — <b>1</b>" in board.text
        assert "\n2. Bob &lt;b&gt;Builder&lt;/b&gt; &amp; Co — <b>0</b>" in board.text
        assert "🥈" not in board.text  # no medal for 0 points
        [author] = await bot.send(f.command(ALICE, "/read 29"))
        assert "¶29 · about the author" in author.text and "of 28" not in author.text
        assert "Quiz me" not in " ".join(labels(author)) and "🏠 Menu" in labels(author)


async def test_a_topic_can_be_asked_for_by_the_start_of_its_name(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [minsk] = await bot.send(f.command(ALICE, "/quiz minsk 2"))
        assert "Question 1/2" in plain(minsk.text) and "<i>Minsk talks</i>" in minsk.text
        await bot.send(f.command(ALICE, "/stop"))
        [unknown] = await bot.send(f.command(ALICE, "/quiz nonsense 3"))
        assert "I don’t know “nonsense”" in unknown.text
        assert labels(unknown) == ["▶️ 3-question quiz", "📚 Topics"]
        [topics] = await bot.send(f.callback(ALICE, data(unknown, "📚 Topics"), 103))
        assert "🎯 Minsk talks" in labels(topics)
