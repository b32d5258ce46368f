"""Study mode end to end: review, search, progress, reminders, challenges, /forget."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from telegram.ext import Application

from bot.engine.views import Player
from bot.telegram.services import services_of
from questions.model import Bank
from tests import factories as f
from tests.conftest import FakeClock, running_bot
from tests.fakeapi import FakeBotApi
from tests.test_private_quiz import button_for, question_of

ANN = f.user(41, "Ann")
BEN = f.user(42, "Ben")
ADMIN = f.user(43, "Keeper")


async def answer_paragraph(app: Application, user: dict, number: int, right: bool) -> None:  # type: ignore[type-arg]
    """Play every question of one paragraph through the real engine."""
    engine = services_of(app).quiz
    player = Player(user["id"], user["first_name"])
    started = await engine.start_round(user["id"], "private", player, 50, paragraph=number)
    view = started.view
    while view is not None:
        pick = view.correct_shown if right else (view.correct_shown + 1) % len(view.options)
        await engine.answer(view.round_id, view.position, pick, player)
        view = await engine.current(view.round_id)


async def test_wrong_answer_comes_back_for_review_after_restart(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/quiz 1"))
        [q] = await api.wait_calls("sendMessage", 1)
        mark = len(api.calls)
        api.push(f.callback(ANN, button_for(q, bank, correct=False), 100))
        [feedback] = await api.wait_calls("editMessageText", 1, since=mark)
        assert ("⚑ Challenge", "chal:1:0") in feedback.buttons()
        question = question_of(q, bank)
    async with running_bot(api, db_url, clock):
        mark = len(api.calls)
        api.push(f.command(ANN, "/review"))
        [nothing] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Nothing due — next review in 1 minute" in nothing.text
        clock.advance(minutes=2)
        mark = len(api.calls)
        api.push(f.command(ANN, "/review"))
        intro, again = await api.wait_calls("sendMessage", 2, since=mark)
        assert "1 card due" in intro.text
        assert question_of(again, bank) == question
        mark = len(api.calls)
        api.push(f.callback(ANN, button_for(again, bank, correct=True), 101))
        [summary] = await api.wait_calls("editMessageText", 1, since=mark)
        assert "Quiz on review complete" in summary.text
        mark = len(api.calls)
        api.push(f.command(ANN, "/review"))
        [later] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "Nothing due — next review in 10 minutes" in later.text


async def test_search_is_case_and_apostrophe_insensitive(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/search LUKASHENKA'S readiness"))
        [hits] = await api.wait_calls("sendMessage", 1)
        assert "<b>¶3</b>" in hits.text
        assert "<b>Lukashenka’s</b>" in hits.text
        assert "<b>readiness</b>" in hits.text
        assert ("📖 Read ¶3", "read:o:3") in hits.buttons()
        mark = len(api.calls)
        api.push(f.command(ANN, "/search zebra crossing"))
        [none] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "No paragraph contains “zebra crossing”" in none.text
        assert "/read" in none.text


async def test_progress_for_new_and_advanced_user(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/progress"))
        [fresh] = await api.wait_calls("sendMessage", 1)
        assert "⬜" * 7 in fresh.text
        assert "Nothing studied yet" in fresh.text
        assert "Mastered <b>0 of 28</b>" in fresh.text

        await answer_paragraph(app, BEN, 1, right=True)
        await answer_paragraph(app, BEN, 2, right=False)
        await answer_paragraph(app, BEN, 3, right=True)
        mark = len(api.calls)
        api.push(f.command(BEN, "/progress"))
        [map_] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "🟩🟥🟩⬜⬜⬜⬜" in map_.text
        assert "Mastered <b>2 of 28</b>" in map_.text
        assert "Weakest paragraphs" in map_.text
        assert ("📖 Read ¶2", "read:o:2") in map_.buttons()
        clock.advance(hours=1)  # the learning cards come due: not mastered any more
        mark = len(api.calls)
        api.push(f.command(BEN, "/progress"))
        [later] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "🟨🟥🟨" in later.text
        assert "due now: /review" in later.text


async def test_topics_and_paragraph_quiz_button(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/topics"))
        [topics] = await api.wait_calls("sendMessage", 1)
        for topic, count in bank.topics().items():
            assert f"<b>{topic}</b> · {count} questions · not tried yet" in topics.text
        mark = len(api.calls)
        api.push(f.callback(ANN, "quiz:p:9", 100))
        [q] = await api.wait_calls("sendMessage", 1, since=mark)
        assert 9 in question_of(q, bank).paragraphs
        mark = len(api.calls)
        api.push(f.command(ANN, "/quiz crimea 2"))
        [resumed, _again] = await api.wait_calls("sendMessage", 2, since=mark)
        assert "in progress" in resumed.text


async def test_reminders_survive_restart_and_stop_after_403(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/remind 08:30 +02:00"))
        [ok] = await api.wait_calls("sendMessage", 1)
        assert "06:30 UTC" in ok.text
        await answer_paragraph(app, ANN, 5, right=False)
        mark = len(api.calls)
        api.push(f.command(ANN, "/remind 25:00"))
        [bad] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "HH:MM" in bad.text
    clock.advance(days=1)
    async with running_bot(api, db_url, clock) as app:
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name("review:41")
        mark = len(api.calls)
        await job.run(app)
        [nudge] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "reviews are due" in nudge.text
        assert nudge["chat_id"] == 41
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await job.run(app)
        store = services_of(app).quiz.store
        assert await store.reads.get_reminder(41) is None
        user = await store.reads.get_user(41)
        assert user is not None
        assert user.blocked
        assert not [
            j
            for j in app.job_queue.jobs()
            if j.name == "review:41" and j.enabled and not j.removed
        ]
    async with running_bot(api, db_url, clock) as app:
        assert app.job_queue is not None
        assert app.job_queue.get_jobs_by_name("review:41") == ()


async def test_challenge_then_admin_resolves(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, admin_user_ids=frozenset({43})):
        api.push(f.command(ANN, "/quiz 1"))
        [q] = await api.wait_calls("sendMessage", 1)
        mark = len(api.calls)
        api.push(f.callback(ANN, "chal:1:0", 100))
        [prompt] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "What is wrong" in prompt.text
        mark = len(api.calls)
        api.push(f.text_message(ANN, "Option <b>B</b> is also true & ¶3 says so"))
        [thanks] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "#1" in thanks.text
        mark = len(api.calls)
        api.push(f.callback(BEN, "chal:1:0", 100))  # not Ben's round
        [toast] = await api.wait_calls("answerCallbackQuery", 1, since=mark)
        assert "not one of the options" in toast["text"]
        mark = len(api.calls)
        api.push(f.command(BEN, "/disputes"))
        [refused] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "for the people who keep" in refused.text
        mark = len(api.calls)
        api.push(f.command(ADMIN, "/disputes"))
        [listing] = await api.wait_calls("sendMessage", 1, since=mark)
        assert question_of(q, bank).id in listing.text
        assert "Option &lt;b&gt;B&lt;/b&gt; is also true &amp; ¶3 says so" in listing.text
        mark = len(api.calls)
        api.push(f.callback(BEN, "disp:r:1", 200))
        api.push(f.callback(ADMIN, "disp:r:1", 200))
        toasts = await api.wait_calls("answerCallbackQuery", 2, since=mark)
        assert "Only bank keepers" in toasts[0]["text"]
        assert "#1 resolved" in toasts[1]["text"]
        [edited] = await api.wait_calls("editMessageText", 1, since=mark)
        assert "No open disputes" in edited.text


async def test_forget_leaves_no_row_of_the_user(
    api: FakeBotApi, db_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db_url, clock) as app:
        await answer_paragraph(app, ANN, 4, right=True)
        await answer_paragraph(app, BEN, 4, right=False)
        api.push(f.command(ANN, "/remind 09:00"))
        api.push(f.command(ANN, "/quiz 1"))
        await api.wait_calls("sendMessage", 2)
        api.push(f.callback(ANN, "chal:3:0", 100))  # round 3: after the two above
        api.push(f.text_message(ANN, "typo"))
        api.push(f.command(ANN, "/forget"))
        await api.settle()
        confirm = api.of("sendMessage", 41)[-1]
        assert [d for _, d in confirm.buttons()] == ["forget:yes", "forget:no"]
        mark = len(api.calls)
        api.push(f.callback(ANN, "forget:yes", 300))
        [done] = await api.wait_calls("editMessageText", 1, since=mark)
        assert "deleted" in done.text
        store = services_of(app).quiz.store
        assert set((await store.reads.count_user_rows(41)).values()) == {0}
        assert (await store.reads.count_user_rows(42))["answers"] > 0
        assert [e.user_id for e in await store.reads.top("all")] == [42]
        assert await store.reads.recount_mismatches() == []
        assert app.job_queue is not None
        assert not [j for j in app.job_queue.get_jobs_by_name("review:41") if not j.removed]
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [c[1] for c in raw.execute(f"PRAGMA table_info({table})")]
            for column in ("user_id", "owner_id", "id" if table == "users" else ""):
                if column in columns:
                    count = raw.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE {column} = 41"  # noqa: S608
                    ).fetchone()[0]
                    assert count == 0, (table, column)
        assert (
            raw.execute("SELECT COUNT(*) FROM disputes WHERE user_id IS NULL").fetchone()[0] == 1
        )
