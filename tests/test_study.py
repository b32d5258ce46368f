"""Study flows end to end: review, progress, topics, search, reminders, notes, /forget."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from bot.engine.views import Player, RoundRequest
from bot.runtime.scheduler import FloodPolicy
from bot.telegram.render import utf16_len
from bot.testing import factories as f
from bot.testing.fakeapi import Call, FakeBotApi
from questions.model import Bank
from storage.models import ChatKind
from tests.conftest import FakeClock, Running, running_bot
from tests.helpers import button_for, data, labels, option_index, plain, question_of

ANN = f.user(41, "Ann")
BEN = f.user(42, "Ben")
KEEPER = f.user(43, "Keeper")
GROUP = f.group_chat(-100500)


async def play_paragraph(bot: Running, user: dict, number: int, right: bool) -> None:  # type: ignore[type-arg]
    """Answer every question of one paragraph through the real engine."""
    player = Player(user["id"], user["first_name"])
    ids = [q.id for q in bot.quiz.bank.for_paragraph(number)]
    started = await bot.quiz.start_round(
        user["id"], ChatKind.PRIVATE, player, RoundRequest(question_ids=ids)
    )
    view = started.view
    while view is not None:
        pick = view.correct_shown if right else (view.correct_shown + 1) % len(view.options)
        await bot.quiz.answer(view.round_id, view.position, pick, player)
        view = await bot.quiz.current(view.round_id)


async def test_a_missed_question_comes_back_as_a_review(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ANN, "/quiz 1"))
        await bot.send(f.callback(ANN, button_for(q, bank, correct=False), 100), "editMessageText")
        [nothing] = await bot.send(f.command(ANN, "/review"))
        assert "Nothing due. Next review in 1 min." in nothing.text
        clock.advance(minutes=2)
        [start] = await bot.send(f.command(ANN, "/start"))
        assert "🔁 Review (1)" in labels(start)
        intro, again = await bot.send(f.callback(ANN, data(start, "🔁 Review"), 101), count=2)
        assert "1 card due" in intro.text
        assert "Review 1/1" in plain(again.text)  # labelled as a review, not a quiz
        assert question_of(again, bank) == question_of(q, bank)
        [done] = await bot.send(
            f.callback(ANN, button_for(again, bank, correct=True), 103), "editMessageText"
        )
        assert "Review 1/1" in plain(done.text)
        assert "Review complete" in done.text and "Next review in" in done.text


async def test_progress_offers_the_weakest_paragraphs_and_me_the_next_steps(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        await play_paragraph(bot, ANN, 3, right=True)
        await play_paragraph(bot, ANN, 5, right=False)
        [progress] = await bot.send(f.command(ANN, "/progress"))
        assert "🟩" in progress.text and "🟥" in progress.text
        assert "Mastered <b>1 of 28</b> paragraphs" in progress.text
        assert "🎯 ¶5" in labels(progress)
        [quiz] = await bot.send(f.callback(ANN, data(progress, "🎯 ¶5"), 100))
        assert "Question 1/" in plain(quiz.text)
        clock.advance(minutes=5)
        [me] = await bot.send(f.command(ANN, "/me"))
        assert "Mastered 1 of 28 paragraphs" in me.text
        assert "reviews due now" in me.text
        assert [lab for lab in labels(me) if lab.startswith("🔁 Review")]
        assert "🗺 Progress" in labels(me)
        assert "🔥 1-day streak" in me.text
        clock.advance(days=1)
        [later] = await bot.send(f.command(ANN, "/me"))
        assert "answer one today to keep it" in later.text


async def test_topics_have_one_button_each(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [topics] = await bot.send(f.command(ANN, "/topics"))
        assert labels(topics) == [f"🎯 {t.replace('-', ' ').capitalize()}" for t in bank.topics()]
        assert "<b>Minsk talks</b>" in topics.text and "minsk-talks" not in topics.text
        [quiz] = await bot.send(f.callback(ANN, data(topics, "🎯 Crimea"), 100))
        assert "<i>Crimea</i>" in quiz.text
        # The name as people read it starts the topic too, and the recap says it that way.
        [conflict] = await bot.send(f.command(ANN, "/quiz Minsk talks 2"))
        assert "🆕 New 2-question Minsk talks quiz" in labels(conflict)
        [minsk] = await bot.send(f.callback(ANN, data(conflict, "🆕 New"), 101))
        assert "<i>Minsk talks</i>" in minsk.text


async def test_search_tells_the_true_count_and_pages(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [war] = await bot.send(f.command(ANN, "/search war"))
        assert "1 paragraph</b> for “war”" in war.text and "<b>¶8</b>" in war.text
        [hits] = await bot.send(f.command(ANN, "/search Lukashenka"))
        assert "14 paragraphs</b>, showing 1–10 for “Lukashenka”" in hits.text
        assert labels(hits)[-1] == "More (4) ▶" and "◀ Back" not in labels(hits)
        assert "📖 ¶3" in labels(hits)
        assert all(len(row) <= 3 for row in hits["reply_markup"]["inline_keyboard"])
        more_press = f.callback(ANN, data(hits, "More"), 100, text=plain(hits.text))
        [more] = await bot.send(more_press, "editMessageText")
        assert "showing 11–14" in more.text
        assert labels(more)[-1] == "◀ Back" and "More" not in " ".join(labels(more))
        back_press = f.callback(ANN, data(more, "◀ Back"), 100, text=plain(more.text))
        [back] = await bot.send(back_press, "editMessageText")
        assert "showing 1–10" in back.text and labels(back)[-1] == "More (4) ▶"
        [opened] = await bot.send(f.callback(ANN, data(hits, "📖 ¶3"), 100))
        assert "¶3 of 28" in opened.text
        [phrase] = await bot.send(f.command(ANN, '/search "shock wave"'))
        assert "<b>shock wave</b>" in phrase.text
        [none] = await bot.send(f.command(ANN, "/search zebra crossing"))
        assert "No paragraph has “zebra crossing”" in none.text
        assert labels(none) == ["📖 Read the article"]


async def test_remind_understands_times_and_zones_and_shows_the_setting(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [bare] = await bot.send(f.command(ANN, "/remind"))
        assert "No daily reminder yet" in bare.text
        assert labels(bare) == ["🌅 08:00", "🌙 20:00", "🕐 Pick a time"]
        [set_] = await bot.send(f.command(ANN, "/remind 8am Europe/Kyiv"))
        assert "every day at <b>08:00</b> (Europe/Kyiv)" in set_.text
        assert "UTC" not in set_.text and "/remind 8am Europe/Kyiv" not in set_.text
        assert labels(set_) == ["🕐 Change time", "🔕 Switch off"]  # a zone was written
        [shown] = await bot.send(f.command(ANN, "/remind"))
        assert "at <b>08:00</b> (Europe/Kyiv)" in shown.text
        assert labels(shown) == ["🕐 Change time", "🔕 Switch off"]
        [offset] = await bot.send(f.command(ANN, "/remind 20:30 +02:00"))
        assert "<b>20:30</b> (UTC+02:00)" in offset.text
        [keeps] = await bot.send(f.command(ANN, "/remind 7:15pm"))  # keeps the last zone
        assert "<b>19:15</b> (UTC+02:00)" in keeps.text
        for bad, expected in [
            ("/remind 25:00", "no time of day"),
            ("/remind 8am Mars/Olympus", "don’t know the time zone"),
            ("/remind 8", "no time of day"),
        ]:
            [reply] = await bot.send(f.command(ANN, bad))
            assert expected in reply.text, bad
        [off] = await bot.send(f.command(ANN, "/remind off"))
        assert "Reminders are off" in off.text
        assert labels(off) == ["🌅 08:00", "🌙 20:00", "🕐 Pick a time"]
        assert await bot.study.reminder(ANN["id"]) is None


async def test_a_reminder_is_set_and_moved_to_a_zone_with_taps_in_one_message(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    def press(call: Call, label: str) -> dict[str, Any]:
        return f.callback(ANN, data(call, label), 100, markup=call["reply_markup"])

    async with running_bot(api, db_url, clock) as bot:
        [bare] = await bot.send(f.command(ANN, "/remind"))
        [picker] = await bot.send(press(bare, "🕐 Pick a time"), "editMessageText")
        assert "Pick the time" in picker.text
        assert all(len(row) <= 3 for row in picker["reply_markup"]["inline_keyboard"])
        mark = len(api.calls)
        [done] = await bot.send(press(picker, "20:00"), "editMessageText")
        assert api.since(mark, "sendMessage") == []  # the picker becomes the confirmation
        assert "every day at <b>20:00</b> (UTC)" in done.text
        assert "Tap your zone" in done.text and "🌍 Kyiv" in labels(done)
        [moved] = await bot.send(press(done, "🌍 Kyiv"), "editMessageText")
        assert "every day at <b>20:00</b> (Europe/Kyiv)" in moved.text
        assert labels(moved) == ["🕐 Change time", "🔕 Switch off"]
        reminder = await bot.study.reminder(ANN["id"])
        assert reminder is not None
        assert (reminder.local_minute, reminder.tz) == (1200, "Europe/Kyiv")
        [later] = await bot.send(f.command(ANN, "/remind 7am"))  # the zone is remembered
        assert "<b>07:00</b> (Europe/Kyiv)" in later.text and "🌍 Kyiv" not in labels(later)
        [off] = await bot.send(press(moved, "🔕 Switch off"), "editMessageText")
        assert "Reminders are off" in off.text
        assert await bot.study.reminder(ANN["id"]) is None
        [stale] = await bot.send(press(done, "🌍 Kyiv"), "answerCallbackQuery")
        assert "No reminder is set" in stale["text"]


async def test_the_reminder_fires_at_its_local_time_once_with_a_review_button(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ANN, "/quiz 1"))
        await bot.send(f.callback(ANN, button_for(q, bank, correct=False), 100), "editMessageText")
        await bot.send(f.command(ANN, "/remind 13:30 UTC"))  # the clock says 12:00 UTC
        mark = len(api.calls)
        clock.advance(hours=1, minutes=29)
        await bot.tick()
        assert not api.since(mark, "sendMessage"), "not before its minute"
        clock.advance(minutes=2)
        await bot.tick()
        [nudge] = api.since(mark, "sendMessage")
        assert "1 review is due" in nudge.text
        assert labels(nudge) == ["🔁 Review now", "▶️ Quiz", "🕐 Change time", "🔕 Switch off"]
        await bot.tick()
        assert len(api.since(mark, "sendMessage")) == 1  # once: the next one is tomorrow
        job = await bot.store.read(lambda q: q.get_job(f"reminder:{ANN['id']}"))
        assert job is not None
        assert (job.run_at.hour, job.run_at.minute, job.run_at.day) == (13, 30, 26)
        # Switched off from the nudge itself: the nudge keeps its other buttons.
        mark = len(api.calls)
        off = f.callback(ANN, data(nudge, "🔕 Switch off"), 300, markup=nudge["reply_markup"])
        [said] = await bot.send(off)
        assert "Reminders are off" in said.text
        [kept] = api.since(mark, "editMessageReplyMarkup")
        assert labels(kept) == ["🔁 Review now", "▶️ Quiz"]
        assert await bot.study.reminder(ANN["id"]) is None
        assert await bot.store.read(lambda q: q.get_job(f"reminder:{ANN['id']}")) is None


async def test_no_reminder_goes_to_someone_who_blocked_the_bot(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(BEN, "/quiz 1"))
        await bot.send(f.callback(BEN, button_for(q, bank, correct=False), 100), "editMessageText")
        await bot.send(f.command(BEN, "/remind 13:00"))
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=BEN["id"])
        clock.advance(hours=1, minutes=1)
        await bot.tick()
        assert await bot.quiz.is_blocked(BEN["id"])
        mark = len(api.calls)
        clock.advance(days=1)
        await bot.tick()
        assert not api.since(mark, "sendMessage"), "nothing is sent while they block us"
        await bot.send(f.command(BEN, "/help"))  # they write again: no longer blocked
        assert not await bot.quiz.is_blocked(BEN["id"])


async def test_forget_deletes_everything_once_and_stores_nothing_until_play(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ANN, "/quiz 1"))
        await bot.send(f.callback(ANN, button_for(q, bank, correct=True), 100), "editMessageText")
        await bot.send(f.command(ANN, "/remind 8am"))
        [ask] = await bot.send(f.command(ANN, "/forget"))
        yes = data(ask, "🗑 Yes")
        [done] = await bot.send(f.callback(ANN, yes, 102), "editMessageText")
        assert "everything I stored about you is deleted" in done.text
        counts = await bot.store.read(lambda q: q.count_user_rows(ANN["id"]))
        assert set(counts.values()) == {0}, counts
        [again] = await bot.send(f.callback(ANN, yes, 102), "editMessageText")
        assert "nothing to delete" in again.text
        await bot.send(f.command(ANN, "/help"))
        await bot.send(f.command(ANN, "/me"))
        counts = await bot.store.read(lambda q: q.count_user_rows(ANN["id"]))
        assert set(counts.values()) == {0}, "browsing stores nothing"
        [board] = await bot.send(f.command(BEN, "/top"))
        assert "Ann" not in board.text


class _Balanced(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()


async def test_hostile_notes_cannot_break_disputes(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, admin_user_ids=frozenset({KEEPER["id"]})) as bot:
        note = "<i>" + ("wrong 🦄 <b>answer</b>\n" * 40) + "</i> & \U0001f600" * 3
        for n in range(20):
            user = f.user(900 + n, f"<b>x{n}</b>\n\u202e")
            [q] = await bot.send(f.command(user, "/quiz 1"))
            [fb] = await bot.send(
                f.callback(user, button_for(q, bank, correct=False), 100 + n), "editMessageText"
            )
            await bot.send(f.callback(user, data(fb, "⚑ Report"), 100 + n))
            await bot.send(f.text_message(user, note))
        [page] = await bot.send(f.command(KEEPER, "/disputes"))
        assert page.text.startswith("⚑ <b>20 open disputes</b> · showing 1–")
        assert utf16_len(page.text) <= 4096
        parser = _Balanced()
        parser.feed(page.text)
        assert not parser.stack and parser.tags <= {"b", "i", "code"}
        assert "&lt;b&gt;answer&lt;/b&gt;" in page.text  # notes are escaped, on one line
        assert "More ▶" in labels(page)
        [second] = await bot.send(f.callback(KEEPER, data(page, "More"), 100), "editMessageText")
        assert "showing" in second.text and utf16_len(second.text) <= 4096
        first_id = int(labels(page)[0].split("#")[1])
        [after] = await bot.send(f.callback(KEEPER, data(page, "✔"), 100), "editMessageText")
        assert "19 open disputes" in after.text
        assert f"#{first_id} " not in plain(after.text)
        [group] = await bot.send(f.command(KEEPER, "/disputes", GROUP))
        assert "wrong" not in group.text and labels(group) == ["💬 Open private chat"]
        [refused] = await bot.send(f.command(ANN, "/disputes"))
        assert "for the people who keep the question bank" in refused.text


async def test_the_daily_goal_is_set_with_a_tap(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [screen] = await bot.send(f.command(ANN, "/goal"))
        assert "Daily goal: <b>10 answers</b> a day · today 0/10" in screen.text
        assert "✅ 10" in labels(screen)
        assert all(len(row) <= 3 for row in screen["reply_markup"]["inline_keyboard"])
        [chosen] = await bot.send(f.callback(ANN, data(screen, "20"), 100), "editMessageText")
        assert "Daily goal: <b>20 answers</b> a day" in chosen.text
        assert labels(chosen) == ["▶️ Quiz", "📊 Me"]
        [again] = await bot.send(f.command(ANN, "/goal"))
        assert "today 0/20" in again.text and "✅ 20" in labels(again)
        [forged] = await bot.send(f.callback(ANN, "l:999", 100), "answerCallbackQuery")
        assert forged.get("text")
        [typed] = await bot.send(f.command(ANN, "/goal 5"))
        assert "Daily goal: <b>5 answers</b> a day" in typed.text


async def test_a_report_can_be_cancelled_and_always_leads_back_to_the_round(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q] = await bot.send(f.command(ANN, "/quiz 2"))
        [fb] = await bot.send(
            f.callback(ANN, button_for(q, bank, correct=True), 100), "editMessageText"
        )
        [prompt] = await bot.send(f.callback(ANN, data(fb, "⚑ Report"), 100))
        assert labels(prompt) == ["✖ Cancel"]
        [cancelled] = await bot.send(
            f.callback(ANN, data(prompt, "✖ Cancel"), 101), "editMessageText"
        )
        assert "Cancelled" in cancelled.text and labels(cancelled) == ["▶ Continue"]
        [kept] = await bot.send(f.text_message(ANN, "just chatting"))
        assert "Thank you" not in kept.text  # the cancelled prompt takes no note
        [prompt] = await bot.send(f.callback(ANN, data(fb, "⚑ Report"), 100))
        [thanks] = await bot.send(f.text_message(ANN, "The quote is cut short."))
        assert "your note is saved" in thanks.text and labels(thanks) == ["▶ Continue"]
        [q2] = await bot.send(f.callback(ANN, data(thanks, "▶ Continue"), 104))
        assert "Question 2/2" in plain(q2.text)
        [nothing] = await bot.send(f.command(ANN, "/cancel"))
        assert "Nothing to cancel" in nothing.text and labels(nothing) == ["▶ Continue"]


async def test_a_waiting_report_never_swallows_an_answer_or_floods_the_keepers(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock) as bot:
        [q1] = await bot.send(f.command(ANN, "/quiz 3"))
        [fb] = await bot.send(
            f.callback(ANN, button_for(q1, bank, correct=True), 100), "editMessageText"
        )
        await bot.send(f.callback(ANN, data(fb, "⚑ Report"), 100))
        [q2] = await bot.send(f.callback(ANN, data(fb, "Next ▶"), 100))
        letter = "ABCD"[option_index(q2, bank, correct=True)]
        [answered] = await bot.send(f.text_message(ANN, letter))
        assert answered.text.startswith("✅") and "Score 2/2" in answered.text
        [chat] = await bot.send(f.text_message(ANN, "the second question was fun"))
        assert "your note is saved" not in chat.text  # the ⚑ was dropped when Ann moved on
        # A ⚑ waits a quarter of an hour for its note, no longer.
        await bot.send(f.callback(ANN, data(fb, "⚑ Report"), 100))
        clock.advance(minutes=16)
        [late] = await bot.send(f.text_message(ANN, "hello again"))
        assert "your note is saved" not in late.text
        # Pressing ⚑ again and again on one question makes one entry for the keepers.
        ids = set()
        for note in ("The quote is cut short.", "The quote is cut short.", "And ¶2 too."):
            await bot.send(f.callback(ANN, data(fb, "⚑ Report"), 100))
            [thanks] = await bot.send(f.text_message(ANN, note))
            ids.add(thanks.text.split("(#")[1].split(")")[0])
        page = await bot.study.open_disputes()
        assert len(ids) == 1 and page.total == 1
        assert page.disputes[0].text == "The quote is cut short.\nAnd ¶2 too."


async def test_a_review_says_how_many_are_due_and_offers_the_rest(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    # Twenty-odd taps in a moment: more than the flood guard lets one person send.
    async with running_bot(api, db_url, clock, flood=FloodPolicy(burst=100)) as bot:
        for paragraph in (1, 2, 3):  # well over a round's ten cards, all missed
            await play_paragraph(bot, ANN, paragraph, right=False)
        missed = sum(len(bank.for_paragraph(p)) for p in (1, 2, 3))
        assert missed > 10
        clock.advance(minutes=5)
        intro, question = await bot.send(f.command(ANN, "/review"), count=2)
        assert f"10 of the {missed} cards due" in intro.text
        for position in range(10):
            [fb] = await bot.send(
                f.callback(ANN, button_for(question, bank, correct=True), 200 + position),
                "editMessageText",
            )
            if position < 9:
                [question] = await bot.send(f.callback(ANN, data(fb, "Next ▶"), 200))
        assert "Review complete" in fb.text
        assert f"🔁 {missed - 10} more card" in fb.text and "Next review in" not in fb.text
        rest = f"🔁 Review {missed - 10} more"
        assert rest in labels(fb)
        intro, first = await bot.send(f.callback(ANN, data(fb, rest), 209), count=2)
        assert f"Review 1/{missed - 10}" in plain(first.text)
