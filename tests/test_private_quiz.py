"""End to end: the real Application against the fake Bot API, private chats."""

from __future__ import annotations

import html
import re

from questions.model import Bank, Question
from tests import factories as f
from tests.conftest import FakeClock, running_bot
from tests.fakeapi import Call, FakeBotApi

ALICE = f.user(11, "Alice")
BOB = f.user(22, "Bob", "<b>Builder</b> & Co")


def question_of(call: Call, bank: Bank) -> Question:
    body = html.unescape(re.sub(r"<[^>]+>", "", call.text))
    matches = [q for q in bank.questions if q.question in body]
    assert len(matches) == 1, body
    return matches[0]


def shown_options(call: Call) -> list[str]:
    body = html.unescape(call.text)
    return re.findall(r"^<b>[A-J]\.</b> (.*)$", body, re.M) or [
        line.split(" ", 1)[1]
        for line in re.sub(r"<[^>]+>", "", body).splitlines()
        if re.match(r"^[A-J]\. ", line)
    ]


def button_for(call: Call, bank: Bank, *, correct: bool) -> str:
    q = question_of(call, bank)
    options = shown_options(call)
    index = next(i for i, o in enumerate(options) if (o == q.correct_option) == correct)
    return call.buttons()[index][1]


async def test_two_players_full_private_flow(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        assert api.of("setMyCommands"), "command menu registered at start"
        api.push(f.command(ALICE, "/start"))
        api.push(f.command(BOB, "/start"))
        welcomes = await api.wait_calls("sendMessage", 2)
        assert all("/quiz" in c.text for c in welcomes)

        mark = len(api.calls)
        api.push(f.command(ALICE, "/quiz 3"))
        [alice_q1] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Question 1/3" in alice_q1.text
        assert len(alice_q1.buttons()) == len(question_of(alice_q1, bank).options)

        mark = len(api.calls)
        api.push(f.command(BOB, "/quiz 3"))
        [bob_q1] = await api.wait_calls("sendMessage", 1, since=mark)

        # Alice answers right, Bob wrong; each gets a toast, then cited feedback.
        clock.advance(seconds=4)
        mark = len(api.calls)
        right = button_for(alice_q1, bank, correct=True)
        api.push(f.callback(ALICE, right, 100))
        [toast] = await api.wait_calls("answerCallbackQuery", 1, since=mark)
        [feedback] = await api.wait_calls("editMessageText", 1, since=mark)
        q = question_of(alice_q1, bank)
        assert "Correct" in toast["text"]
        assert feedback.text.startswith("✅")
        assert f"¶{q.paragraph}" in feedback.text
        assert html.escape(q.quote, quote=False) in feedback.text
        assert any(data.startswith("quiz:n:") for _, data in feedback.buttons())
        assert any(data == f"read:o:{q.paragraph}" for _, data in feedback.buttons())

        mark = len(api.calls)
        api.push(f.callback(BOB, button_for(bob_q1, bank, correct=False), 101))
        [feedback_b] = await api.wait_calls("editMessageText", 1, since=mark)
        assert feedback_b.text.startswith("❌")
        assert (
            html.escape(question_of(bob_q1, bank).correct_option, quote=False) in feedback_b.text
        )

        # The same button again, and Bob pressing Alice's button: a toast, nothing changes.
        mark = len(api.calls)
        api.push(f.callback(ALICE, right, 100))
        api.push(f.callback(BOB, right, 100))
        toasts = await api.wait_calls("answerCallbackQuery", 2, since=mark)
        assert "already answered" in toasts[0]["text"]
        assert "someone else" in toasts[1]["text"]
        await api.settle()
        # A repeated tap may only show the same feedback again (a retry after a lost reply).
        assert [c.text for c in api.since(mark, "editMessageText")] == [feedback.text]

        mark = len(api.calls)
        api.push(f.command(ALICE, "/top"))
        [board] = await api.wait_calls("sendMessage", 1, since=mark)
        assert re.search(r"🥇 Alice — <b>1</b>", board.text)
        assert "&lt;b&gt;Builder&lt;/b&gt; &amp; Co — <b>0</b>" in board.text
        assert "<b>Builder</b>" not in board.text

        mark = len(api.calls)
        api.push(f.command(BOB, "/me"))
        [me] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Points: <b>0</b> · answered 1 · accuracy 0%" in me.text
        assert "#2 global" in me.text

        next_button = next(d for _, d in feedback.buttons() if d.startswith("quiz:n:"))

    # A new Application on the same database, mid-round: Next and the answer still count.
    async with running_bot(api, db_url, clock):
        mark = len(api.calls)
        api.push(f.callback(ALICE, next_button, 100))
        [alice_q2] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Question 2/3" in alice_q2.text
        mark = len(api.calls)
        api.push(f.callback(ALICE, next_button, 100))  # a second tap sends nothing new
        await api.wait_calls("answerCallbackQuery", 1, since=mark)
        api.push(f.callback(ALICE, button_for(alice_q2, bank, correct=True), 102))
        await api.wait_calls("editMessageText", 1, since=mark)
        assert not api.since(mark, "sendMessage")
        mark = len(api.calls)
        api.push(f.command(ALICE, "/me"))
        [me] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Points: <b>2</b> · answered 2" in me.text


async def test_quiz_resumes_open_round_and_finishes_with_summary(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ALICE, "/quiz 2"))
        [q1] = await api.wait_calls("sendMessage", 1)
        mark = len(api.calls)
        api.push(f.command(ALICE, "/quiz"))
        resumed = await api.wait_calls("sendMessage", 2, since=mark)
        assert "in progress" in resumed[0].text
        assert question_of(resumed[1], bank) == question_of(q1, bank)

        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(resumed[1], bank, correct=False), 100))
        [fb] = await api.wait_calls("editMessageText", 1, since=mark)
        nxt = next(d for _, d in fb.buttons() if d.startswith("quiz:n:"))
        mark = len(api.calls)
        api.push(f.callback(ALICE, nxt, 100))
        [q2] = await api.wait_calls("sendMessage", 1, since=mark)
        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q2, bank, correct=True), 101))
        [last] = await api.wait_calls("editMessageText", 1, since=mark)
        assert not any(d.startswith("quiz:n:") for _, d in last.buttons())
        assert ("🎯 New questions", "quiz:new") in last.buttons()
        assert last.text.startswith("✅")  # the last feedback ends with the round summary
        assert "1 of 2 right" in last.text
        assert question_of(q1, bank).citation in last.text.split("complete")[1]
        assert not api.since(mark, "sendMessage")

        mark = len(api.calls)
        api.push(f.callback(ALICE, button_for(q2, bank, correct=True), 101))
        [toast] = await api.wait_calls("answerCallbackQuery", 1, since=mark)
        assert "already answered" in toast["text"]
        [again] = await api.wait_calls("editMessageText", 1, since=mark)
        assert again.text == last.text  # the same feedback, nothing new


async def test_bad_commands_get_short_replies(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock):
        for text, expected in [
            ("/quiz 0", "Choose 1 to 50"),
            ("/quiz 10000", "Choose 1 to 50"),
            ("/quiz -5", "Choose 1 to 50"),
            ("/quiz <b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("/read 0", "paragraphs 1 to 29"),
            ("/read 99999", "paragraphs 1 to 29"),
            ("/read x", "Usage: /read N"),
            ("/top month", "Usage: /top"),
        ]:
            mark = len(api.calls)
            api.push(f.command(ALICE, text))
            [reply] = await api.wait_calls("sendMessage", 1, since=mark)
            assert expected in reply.text, (text, reply.text)
        mark = len(api.calls)
        api.push(f.callback(ALICE, "quiz:a:999:0:0", 100))
        api.push(f.callback(ALICE, "quiz:zzz", 100))
        api.push(f.callback(ALICE, "read:77", 100))
        toasts = await api.wait_calls("answerCallbackQuery", 3, since=mark)
        assert all(0 < len(t["text"]) <= 200 for t in toasts)
        assert not api.since(mark, "sendMessage")


async def test_read_pages_through_the_article(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ALICE, "/read 3"))
        [page] = await api.wait_calls("sendMessage", 1)
        assert "¶3 of 29" in page.text
        assert html.escape(bank.article.paragraph(3), quote=False) in page.text
        assert [d for _, d in page.buttons()] == ["read:2", "read:4", "quiz:p:3"]
        mark = len(api.calls)
        api.push(f.callback(ALICE, "read:4", 100))
        [edited] = await api.wait_calls("editMessageText", 1, since=mark)
        assert "¶4 of 29" in edited.text
