"""Group rounds as native quiz polls: /quiz and /stop in groups, poll answers, poll timers.

Everything a round needs to continue lives in SQLite; the JobQueue only holds timers, and
``resume_group_rounds`` re-creates them (or closes overdue polls) after a restart.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import ChatMember, ChatMemberUpdated, InputPollOption, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, BaseHandler, ChatMemberHandler, PollAnswerHandler

from bot.engine.views import QuestionView, Status
from bot.telegram import render
from bot.telegram.common import player_of, reply
from bot.telegram.services import Context, Services, services, services_of

log = logging.getLogger(__name__)

DEFAULT_OPEN_PERIOD = 30
GRACE_SECONDS = 1  # let Telegram close the poll before we stop it and post the result
MAX_GROUP_ROUND = 20
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def _job_name(round_id: int, position: int) -> str:
    return f"poll-close:{round_id}:{position}"


async def start_group_round(update: Update, context: Context, parsed: Any) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # noqa: S101, PT018
    if parsed.size > MAX_GROUP_ROUND:
        await reply(update, f"In a group, choose 1 to {MAX_GROUP_ROUND} questions.")
        return
    seconds = parsed.seconds or DEFAULT_OPEN_PERIOD
    engine = services(context).quiz
    started = await engine.start_round(
        chat.id, "group", player_of(user), parsed.size, topic=parsed.topic, open_period=seconds
    )
    if started.already_running:
        await reply(update, "A quiz is already running in this chat. /stop ends it.")
        return
    if started.view is None:
        await reply(update, "No questions match that. Try /topics.")
        return
    view = started.view
    topic = f" on <i>{render.escape(parsed.topic)}</i>" if parsed.topic else ""
    await reply(
        update,
        f"🎯 <b>Quiz{topic}</b>: {view.total} question{'s' if view.total != 1 else ''}, "
        f"{seconds} s each. Tap an option in each poll — 1 point per right answer; "
        "the faster answer breaks ties. /stop ends the quiz.",
    )
    await send_poll(context.application, chat.id, view, seconds)


async def send_poll(app: Application, chat_id: int, view: QuestionView, seconds: int) -> None:  # type: ignore[type-arg]
    """Send one quiz poll and arm its timer; an unreachable chat ends the round."""
    svc: Services = services_of(app)
    q = view.question
    prefix = f"[{view.number}/{view.total}] "
    text = prefix + q.question if len(prefix) + len(q.question) <= 300 else q.question
    try:
        message = await app.bot.send_poll(
            chat_id,
            text,
            # Plain text: bank text may contain & or < and must not be parsed as HTML.
            [InputPollOption(option, text_parse_mode=None) for option in view.options],
            is_anonymous=False,
            type="quiz",
            correct_option_ids=[view.correct_shown],
            explanation=q.explanation,
            explanation_parse_mode=None,
            question_parse_mode=None,
            open_period=seconds,
        )
    except Forbidden:
        log.info("chat %s unreachable: ending round %s", chat_id, view.round_id)
        await svc.quiz.stop_round(view.round_id)
        return
    poll_id = message.poll.id if message.poll else None
    await svc.quiz.mark_asked(
        view, message_id=message.message_id, poll_id=poll_id, open_period=seconds
    )
    schedule_close(app, chat_id, view.round_id, view.position, seconds + GRACE_SECONDS)


def schedule_close(
    app: Application,  # type: ignore[type-arg]
    chat_id: int,
    round_id: int,
    position: int,
    delay: float,
) -> None:
    assert app.job_queue is not None  # noqa: S101
    app.job_queue.run_once(
        close_poll_job,
        when=max(0.0, delay),
        data=(chat_id, round_id, position),
        name=_job_name(round_id, position),
        chat_id=chat_id,
    )


async def close_poll_job(context: Context) -> None:
    assert context.job is not None  # noqa: S101
    chat_id, round_id, position = cast(tuple[int, int, int], context.job.data)
    await close_and_continue(context.application, chat_id, round_id, position)


async def close_and_continue(
    app: Application,  # type: ignore[type-arg]
    chat_id: int,
    round_id: int,
    position: int,
) -> None:
    """Close a poll once (timer or everyone answered), post its result, send the next one."""
    engine = services_of(app).quiz
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(_job_name(round_id, position)):
            job.schedule_removal()
    rq = await engine.store.reads.round_question(round_id, position)
    result = await engine.close_question(round_id, position)
    if result is None:
        return
    try:
        if rq is not None and rq.message_id is not None:
            await _stop_poll(app, chat_id, rq.message_id)
        await app.bot.send_message(chat_id, render.poll_result_message(result))
        round_ = await engine.store.reads.get_round(round_id)
        if result.next_view is not None and round_ is not None:
            await send_poll(app, chat_id, result.next_view, round_.open_period or 30)
        elif result.summary is not None:
            await app.bot.send_message(chat_id, render.round_table_message(result.summary))
    except Forbidden:
        log.info("chat %s unreachable: ending round %s", chat_id, round_id)
        await engine.stop_round(round_id)


async def _stop_poll(app: Application, chat_id: int, message_id: int) -> None:  # type: ignore[type-arg]
    try:
        await app.bot.stop_poll(chat_id, message_id)
    except BadRequest as exc:  # closed already by its open_period, or deleted
        log.debug("stopPoll: %s", exc.message)


async def poll_answer(update: Update, context: Context) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous vote (voter_chat) cannot be scored
    engine = services(context).quiz
    outcome = await engine.answer_poll(answer.poll_id, player_of(answer.user), answer.option_ids)
    if outcome.status is not Status.OK or outcome.view is None:
        log.debug("poll answer ignored: %s", outcome.status.value)
        return
    view = outcome.view
    if await engine.everyone_answered(view.round_id, view.position):
        round_ = await engine.store.reads.get_round(view.round_id)
        if round_ is not None:
            await close_and_continue(
                context.application, round_.chat_id, view.round_id, view.position
            )


async def is_chat_admin(context: Context, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("getChatMember failed: %s", exc)
        return False
    return member.status in ADMIN_STATUSES


async def stop_group_round(update: Update, context: Context) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # noqa: S101, PT018
    engine = services(context).quiz
    active = await engine.store.reads.active_round(chat.id)
    if active is None:
        await reply(update, "No quiz is running here. /quiz starts one.")
        return
    if active.owner_id != user.id and not await is_chat_admin(context, chat.id, user.id):
        await reply(update, "Only the person who started the quiz or a chat admin can stop it.")
        return
    rq = await engine.store.reads.round_question(active.id, active.position)
    summary = await engine.stop_round(active.id)
    if context.job_queue is not None and rq is not None:
        for job in context.job_queue.get_jobs_by_name(_job_name(active.id, active.position)):
            job.schedule_removal()
    if rq is not None and rq.message_id is not None and not rq.closed:
        await _stop_poll(context.application, chat.id, rq.message_id)
    if summary is not None:
        await reply(update, render.round_table_message(summary))


async def membership_changed(update: Update, context: Context) -> None:
    """The bot was removed from a group: end its round there."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        engine = services(context).quiz
        active = await engine.store.reads.active_round(change.chat.id)
        if active is not None:
            await engine.stop_round(active.id)
            log.info("removed from chat %s: round %s ended", change.chat.id, active.id)


async def resume_group_rounds(app: Application) -> int:  # type: ignore[type-arg]
    """After a restart: re-arm poll timers, close overdue polls, send unsent questions."""
    engine = services_of(app).quiz
    resumed = 0
    for round_ in await engine.store.reads.active_rounds("group"):
        rq = await engine.store.reads.round_question(round_.id, round_.position)
        seconds = round_.open_period or DEFAULT_OPEN_PERIOD
        if rq is None:
            await engine.stop_round(round_.id)
            continue
        try:
            if rq.poll_id is None or rq.closes_at is None:
                view = await engine.current(round_.id)
                if view is not None:
                    await send_poll(app, round_.chat_id, view, seconds)
            else:
                left = (rq.closes_at - engine.clock()).total_seconds()
                if left > 0:
                    schedule_close(
                        app, round_.chat_id, round_.id, rq.position, left + GRACE_SECONDS
                    )
                else:
                    await close_and_continue(app, round_.chat_id, round_.id, rq.position)
        except TelegramError as exc:
            log.warning("could not resume round %s: %s", round_.id, exc)
            await engine.stop_round(round_.id)
        resumed += 1
    return resumed


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        PollAnswerHandler(poll_answer),
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
