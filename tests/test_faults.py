"""Bot API faults from the fake server: 429 with retry_after, 500, timeouts, 403."""

from __future__ import annotations

from bot.telegram.services import services_of
from questions.model import Bank
from tests import factories as f
from tests.conftest import FakeClock, running_bot
from tests.fakeapi import FakeBotApi
from tests.test_private_quiz import button_for

ANN = f.user(71, "Ann")


async def test_retry_after_is_honoured_and_answer_counted_once(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, rate_limit=True) as app:
        api.push(f.command(ANN, "/quiz 2"))
        [q] = await api.wait_calls("sendMessage", 1)
        api.fail("answerCallbackQuery", 429, "Too Many Requests: retry after 1", retry_after=1)
        mark = len(api.calls)
        api.push(f.callback(ANN, button_for(q, bank, correct=True), 100))
        [first, retried] = await api.wait_calls("answerCallbackQuery", 2, since=mark)
        assert first.text == retried.text == "✅ Correct!"  # the same call, sent again
        await api.wait_calls("editMessageText", 1, since=mark)
        store = services_of(app).quiz.store
        assert len(await store.reads.round_answers(1)) == 1
        assert await store.reads.recount_mismatches() == []


async def test_server_error_and_timeout_lose_no_answer(
    api: FakeBotApi, db_url: str, clock: FakeClock, bank: Bank
) -> None:
    async with running_bot(api, db_url, clock, timeout=0.5) as app:
        api.push(f.command(ANN, "/quiz 2"))
        [q] = await api.wait_calls("sendMessage", 1)
        button = button_for(q, bank, correct=False)
        api.fail("editMessageText", 500, "Internal Server Error")
        mark = len(api.calls)
        api.push(f.callback(ANN, button, 100))
        await api.wait_calls("editMessageText", 1, since=mark)
        await api.settle()
        # The user saw no feedback and taps again: the stored answer's feedback comes back.
        api.fail("answerCallbackQuery", 0, delay=1.0)  # slower than the 0.5 s timeout
        mark = len(api.calls)
        api.push(f.callback(ANN, button, 100))
        [feedback] = await api.wait_calls("editMessageText", 1, since=mark)
        assert feedback.text.startswith("❌")
        await api.settle()
        store = services_of(app).quiz.store
        answers = await store.reads.round_answers(1)
        assert [(a.user_id, a.correct) for a in answers] == [(71, False)]
        assert await store.reads.recount_mismatches() == []
        mark = len(api.calls)
        api.push(f.command(ANN, "/me"))
        [me] = await api.wait_calls("sendMessage", 1, since=mark)
        assert "answered 1" in me.text


async def test_blocked_user_is_marked_and_reminders_stop(
    api: FakeBotApi, db_url: str, clock: FakeClock
) -> None:
    async with running_bot(api, db_url, clock) as app:
        api.push(f.command(ANN, "/remind 07:00"))
        await api.wait_calls("sendMessage", 1)
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        api.push(f.command(ANN, "/help"))
        await api.settle()
        store = services_of(app).quiz.store
        user = await store.reads.get_user(71)
        assert user is not None
        assert user.blocked
        assert await store.reads.get_reminder(71) is None
        mark = len(api.calls)
        api.push(f.command(ANN, "/start"))  # they come back: no longer blocked
        await api.wait_calls("sendMessage", 1, since=mark)
        user = await store.reads.get_user(71)
        assert user is not None
        assert not user.blocked


async def test_failed_command_menu_is_a_warning_and_the_bot_carries_on(
    api: FakeBotApi, db_url: str, clock: FakeClock, caplog: object
) -> None:
    api.fail("setMyCommands", 500, "Internal Server Error")
    async with running_bot(api, db_url, clock):
        api.push(f.command(ANN, "/start"))
        [welcome] = await api.wait_calls("sendMessage", 1)
        assert "Welcome" in welcome.text
    assert "setMyCommands failed, carrying on" in caplog.text  # type: ignore[attr-defined]
