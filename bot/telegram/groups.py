"""Group rounds as native quiz polls: /quiz and /stop in groups, votes, poll timers.

Every step of a round runs as a work item of the group's chat, in order with the chat's
updates (so /stop and a timer cannot both post the final table): ``poll-close`` closes a
poll, posts its result and sends the next; ``poll-send`` retries a send. A transient
Telegram error re-arms the step with a backoff; after several failures the round ends with a
message. Nothing lives only in memory: a restart finds every timer in the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import ChatMember, ChatMemberUpdated, InputPollOption, Message, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TimedOut
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    PollAnswerHandler,
    PollHandler,
)

from bot.engine.quiz import POLL_CLOSE, POLL_SEND, poll_text
from bot.engine.views import QuestionView, RoundRequest, Status
from bot.runtime.core import JobHandler
from bot.runtime.slots import lend_slot
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import player_of, query_chat, reply, reply_rendered, toast
from bot.telegram.context import BotContext, services_of
from storage.models import ChatKind, RoundMode

log = logging.getLogger(__name__)

DEFAULT_OPEN_PERIOD = 30
MAX_GROUP_ROUND = 20
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
SEND_TRIES = 3
MAX_ATTEMPTS = 6  # a step re-armed this often ends the round
VOTE_WAIT = 10  # seconds a result waits for votes Telegram counted but we have not seen
MEMBERS_FRESH = timedelta(hours=1)
T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], *, retry_timeout: bool) -> T:
    """Retry transient failures (5xx, dropped connections) with a backoff; a timeout is
    retried only when a duplicate is harmless (not for polls)."""
    for attempt in range(SEND_TRIES):
        try:
            return await call()
        except TimedOut:
            if not retry_timeout or attempt + 1 == SEND_TRIES:
                raise
        except NetworkError as exc:
            if isinstance(exc, BadRequest | Forbidden | ChatMigrated) or attempt + 1 == SEND_TRIES:
                raise
        async with lend_slot():
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# starting -----------------------------------------------------------------------------------


async def start_group_round(update: Update, context: BotContext, request: RoundRequest) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # noqa: S101, PT018
    seconds = request.open_period or DEFAULT_OPEN_PERIOD
    request = RoundRequest(
        size=request.size, topic=request.topic, open_period=seconds, mode=RoundMode.QUIZ
    )
    started = await context.quiz.start_round(chat.id, ChatKind.GROUP, player_of(user), request)
    if started.open_round is not None:
        open_round = started.open_round
        await reply(
            update,
            f"A quiz is already running here (question {open_round.number}/"
            f"{open_round.total}). /stop ends it.",
        )
        return
    if started.view is None:
        await reply(update, "No questions match that. Try /topics.")
        return
    await refresh_members(context, chat.id)
    await reply(update, render.group_intro_message(started.view.total, seconds, request.topic))
    await send_poll(context.application, chat.id, started.view, seconds)


async def refresh_members(context: BotContext, chat_id: int) -> None:
    """Cache how many members the group has (its polls close once they all voted)."""
    count, counted_at = await context.quiz.member_count(chat_id)
    if count is not None and counted_at and context.quiz.clock() - counted_at < MEMBERS_FRESH:
        return
    try:
        members = await context.bot.get_chat_member_count(chat_id)
    except (BadRequest, Forbidden, NetworkError) as exc:
        log.info("getChatMemberCount failed for %s: %s", chat_id, exc)
        return
    await context.quiz.set_member_count(chat_id, members)


# polls ----------------------------------------------------------------------------------------


async def send_poll(
    app: Any, chat_id: int, view: QuestionView, seconds: int, attempt: int = 0
) -> None:
    """Send one quiz poll and arm its timer. A send that fails is re-armed; one that timed out
    may have reached the chat, so it is looked for (a ``poll`` update) before a resend."""
    svc = services_of(app)
    quiz, _ = svc.engines()
    if not await quiz.start_poll_send(view):
        return  # a send of this question is under way or done
    q = view.question
    try:
        message: Message = await with_retries(
            lambda: app.bot.send_poll(
                chat_id,
                poll_text_of(view),
                # Plain text: bank text may contain & or < and must not be parsed as HTML.
                [InputPollOption(option, text_parse_mode=None) for option in view.options],
                is_anonymous=False,
                type="quiz",
                correct_option_ids=[view.correct_shown],
                explanation=q.explanation,
                explanation_parse_mode=None,
                question_parse_mode=None,
                open_period=seconds,
                reply_markup=render.keyboard(
                    [render.button("⏩ Next", cb.PollNextButton(view.round_id, view.position))]
                ),
            ),
            retry_timeout=False,
        )
    except TimedOut:
        log.warning("sendPoll timed out in %s; looking for the poll before sending again", chat_id)
        at = quiz.clock() + timedelta(seconds=seconds + 15)
        await quiz.send_later(chat_id, view.round_id, view.position, at, attempt + 1)
        return
    except ChatMigrated as exc:
        await moved(app, chat_id, exc.new_chat_id)
        await quiz.send_later(exc.new_chat_id, view.round_id, view.position, quiz.clock(), attempt)
        return
    except Forbidden:
        await unreachable(app, chat_id, view.round_id)
        return
    except (BadRequest, NetworkError) as exc:
        await rearm_send(app, chat_id, view, attempt, exc)
        return
    poll_id = message.poll.id if message.poll else None
    fires = await quiz.poll_sent(view, chat_id, message.message_id, poll_id, seconds)
    arm(app, fires)


def poll_text_of(view: QuestionView) -> str:
    return poll_text(view.number, view.total, view.question.question)


async def rearm_send(
    app: Any, chat_id: int, view: QuestionView, attempt: int, exc: Exception
) -> None:
    quiz, _ = services_of(app).engines()
    if attempt + 1 >= MAX_ATTEMPTS:
        log.error("giving up on round %s in %s: %s", view.round_id, chat_id, exc)
        await end_with_message(
            app, chat_id, view.round_id, "Sorry, I could not post the next poll."
        )
        return
    delay = min(60, 2 ** (attempt + 1))
    log.warning("sendPoll failed in %s (%s); trying again in %d s", chat_id, exc, delay)
    at = quiz.clock() + timedelta(seconds=delay)
    await quiz.send_later(chat_id, view.round_id, view.position, at, attempt + 1)
    arm(app, at)


def arm(app: Any, at: datetime) -> None:
    runtime = services_of(app).runtime
    if runtime is not None:
        runtime.jobs.arm(at)


async def poll_send_job(app: Any, chat_id: int, data: dict[str, Any]) -> None:
    """A poll send to try again (work item of the group's chat)."""
    quiz, _ = services_of(app).engines()
    round_id, position = int(data["round"]), int(data["position"])
    state = await quiz.close_state(round_id, position)
    if state is None or not state.round.is_active or state.round.position != position:
        return
    if state.question.poll_id is not None:  # the timed-out send turned up meanwhile
        if not state.question.closed:
            await quiz.close_soon(chat_id, round_id, position, state.question.closes_at)
        return
    view = await quiz.current(round_id)
    if view is None or view.position != position:
        return
    await quiz.reset_send(round_id, position)
    await send_poll(
        app, chat_id, view, state.round.open_period or DEFAULT_OPEN_PERIOD, int(data["attempt"])
    )


async def poll_close_job(app: Any, chat_id: int, data: dict[str, Any]) -> None:
    """A poll's time is up (or everyone answered): close it once, post its result (after
    the votes Telegram counted are in), and send the next poll or the final table."""
    quiz, _ = services_of(app).engines()
    round_id, position, waited = (
        int(data["round"]),
        int(data["position"]),
        int(data.get("waited", 0)),
    )
    state = await quiz.close_state(round_id, position)
    if state is None or state.question.closed:
        return
    now = quiz.clock()
    closes_at = state.question.closes_at
    early = closes_at is not None and now < closes_at
    if early and state.question.message_id is not None:
        await stop_poll(app, chat_id, state.question.message_id)
    if state.votes_on_their_way and waited < VOTE_WAIT:
        await quiz.close_soon(chat_id, round_id, position, now + timedelta(seconds=1), waited + 1)
        arm(app, now + timedelta(seconds=1))
        return
    result = await quiz.close_question(round_id, position)
    if result is None:
        return
    try:
        await with_retries(
            lambda: app.bot.send_message(chat_id, render.poll_result_message(result)),
            retry_timeout=True,
        )
    except Forbidden:
        await unreachable(app, chat_id, round_id)
        return
    except (BadRequest, NetworkError) as exc:
        log.warning("could not post the result in %s: %s", chat_id, exc)
    if result.next_view is not None:
        seconds = state.round.open_period or DEFAULT_OPEN_PERIOD
        await send_poll(app, chat_id, result.next_view, seconds)
    elif result.summary is not None:
        await post_table(app, chat_id, round_id, render.round_table_message(result.summary))


async def post_table(app: Any, chat_id: int, round_id: int, table: render.Rendered) -> None:
    text, markup = table
    try:
        await with_retries(
            lambda: app.bot.send_message(chat_id, text, reply_markup=markup), retry_timeout=True
        )
    except Forbidden:
        await unreachable(app, chat_id, round_id)
    except (BadRequest, NetworkError) as exc:
        log.warning("could not post the final table in %s: %s", chat_id, exc)


async def stop_poll(app: Any, chat_id: int, message_id: int) -> None:
    try:
        await app.bot.stop_poll(chat_id, message_id)
    except BadRequest as exc:  # closed already by its open_period, or deleted
        log.debug("stopPoll: %s", exc.message)
    except (Forbidden, NetworkError) as exc:
        log.info("stopPoll failed: %s", exc)


async def unreachable(app: Any, chat_id: int, round_id: int) -> None:
    quiz, _ = services_of(app).engines()
    log.info("chat %s unreachable: ending round %s", chat_id, round_id)
    await quiz.stop_round(round_id)


async def end_with_message(app: Any, chat_id: int, round_id: int, why: str) -> None:
    quiz, _ = services_of(app).engines()
    summary = await quiz.stop_round(round_id)
    text, markup = why + " The quiz ends here.", None
    if summary is not None:
        table, markup = render.round_table_message(summary)
        text += "\n\n" + table
    try:
        await app.bot.send_message(chat_id, text, reply_markup=markup)
    except (BadRequest, Forbidden, NetworkError) as exc:
        log.warning("could not tell %s the round ended: %s", chat_id, exc)


async def moved(app: Any, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its round continues under the new chat id."""
    svc = services_of(app)
    quiz, _ = svc.engines()
    moved_rounds = await quiz.move_chat(old_chat_id, new_chat_id)
    await svc.social_engine().move_chat(old_chat_id, new_chat_id)
    log.info("chat %s is now %s (%d round moved)", old_chat_id, new_chat_id, moved_rounds)


# votes ----------------------------------------------------------------------------------------


async def poll_answer(update: Update, context: BotContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous vote (voter_chat) cannot be scored
    outcome = await context.quiz.answer_poll(
        answer.poll_id, player_of(answer.user), answer.option_ids
    )
    if outcome.status is not Status.OK or outcome.view is None:
        log.debug("poll answer not counted: %s", outcome.status.value)
        return
    view = outcome.view
    round_ = await context.quiz.get_round(view.round_id)
    if round_ is None or not round_.is_active or round_.position != view.position:
        return
    if await context.quiz.should_close_early(round_.chat_id, view.round_id, view.position):
        at = await context.quiz.close_soon(round_.chat_id, view.round_id, view.position)
        arm(context.application, at)


async def poll_update(update: Update, context: BotContext) -> None:
    """Telegram's news about a poll the bot sent: how many voted when it closed, or a poll
    whose sendPoll timed out turning up."""
    poll = update.poll
    if poll is None:
        return
    if poll.is_closed:
        found = await context.quiz.poll_closed(poll.id, poll.total_voter_count)
        if found is not None:
            return
    adopted = await context.quiz.adopt_poll(poll.question, poll.id, poll.close_date)
    if adopted is not None:
        log.info("found the poll of round %s after a timed-out send", adopted.round_id)
        round_ = await context.quiz.get_round(adopted.round_id)
        if round_ is not None and poll.is_closed:
            await context.quiz.poll_closed(poll.id, poll.total_voter_count)
        if round_ is not None:
            at = await context.quiz.close_soon(
                round_.chat_id, adopted.round_id, adopted.position, adopted.closes_at
            )
            arm(context.application, at)


async def poll_next_pressed(update: Update, context: BotContext) -> None:
    """⏩ Next under a poll: the round's starter or a chat admin closes it now."""
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, cb.PollNextButton) or chat_id is None:
        await toast(query, render.notice(Status.INVALID))
        return
    round_ = await context.quiz.get_round(button.round_id)
    if round_ is None or round_.chat_id != chat_id or not round_.is_active:
        await toast(query, render.notice(Status.ROUND_OVER))
        return
    if round_.position != button.position:
        await toast(query, render.notice(Status.STALE))
        return
    user_id = query.from_user.id
    if round_.owner_id != user_id and not await is_chat_admin(context, chat_id, user_id):
        await toast(query, "Only the quiz’s starter or a chat admin can skip ahead.")
        return
    await toast(query, "⏩ Closing this poll…")
    at = await context.quiz.close_soon(chat_id, button.round_id, button.position)
    arm(context.application, at)


# stopping and membership ----------------------------------------------------------------------


async def is_chat_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden, NetworkError) as exc:
        log.warning("getChatMember failed: %s", exc)
        return False
    return member.status in ADMIN_STATUSES


async def stop_group_round(update: Update, context: BotContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # noqa: S101, PT018
    active = await context.quiz.open_round(chat.id)
    if active is None:
        await reply(update, "No quiz is running here. /quiz starts one.")
        return
    if active.owner_id != user.id and not await is_chat_admin(context, chat.id, user.id):
        await reply(update, "Only the person who started the quiz or a chat admin can stop it.")
        return
    state = await context.quiz.close_state(active.round_id, active.position)
    summary = await context.quiz.stop_round(active.round_id)
    if summary is None:
        return  # a timer ended it first; its table is posted
    if state is not None and state.question.message_id and not state.question.closed:
        await stop_poll(context.application, chat.id, state.question.message_id)
    await reply_rendered(update, render.round_table_message(summary))


async def membership_changed(update: Update, context: BotContext) -> None:
    """The bot was removed from a group: end its round there."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    left = change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
    await context.quiz.chat_membership(change.chat.id, change.chat.type, left=left)
    if left:
        active = await context.quiz.open_round(change.chat.id)
        if active is not None:
            await context.quiz.stop_round(active.round_id)
            log.info("removed from chat %s: round %s ended", change.chat.id, active.round_id)


async def recover_rounds(app: Any) -> int:
    """After a restart: group rounds whose step was lost get it back (their timers are in
    the database; a round whose poll was never sent, or whose timer is gone, gets one)."""
    quiz, _ = services_of(app).engines()
    recovered = await quiz.recover_group_rounds()
    for at in recovered:
        arm(app, at)
    return len(recovered)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        PollAnswerHandler(poll_answer),
        PollHandler(poll_update),
        CallbackQueryHandler(poll_next_pressed, pattern=cb.matches(cb.PollNextButton)),
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


WORK: dict[str, JobHandler] = {POLL_CLOSE: poll_close_job, POLL_SEND: poll_send_job}
