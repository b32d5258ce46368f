"""/quiz in private chats and its answer / next buttons (``^quiz:``)."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.quiz import DEFAULT_ROUND_SIZE, MAX_ROUND_SIZE
from bot.engine.views import QuestionView, Status
from bot.telegram import groups, render
from bot.telegram.common import command, edit, edit_markup, is_private, player_of, reply, toast
from bot.telegram.services import Context, services

log = logging.getLogger(__name__)

ANSWER = re.compile(r"quiz:a:(\d{1,12}):(\d{1,3}):(\d)")
NEXT = re.compile(r"quiz:n:(\d{1,12}):(\d{1,3})")
ON_PARAGRAPH = re.compile(r"quiz:p:(\d{1,3})")
PARAGRAPH_ROUND = 5
PATTERN = r"^quiz:"

USAGE = (
    "Usage: /quiz [TOPIC] [N] — N questions from 1 to "
    f"{MAX_ROUND_SIZE} (default {DEFAULT_ROUND_SIZE}). Topics: /topics"
)


class QuizArgs:
    """Parsed ``/quiz`` arguments: an optional topic, a count, a poll timer ("20s")."""

    def __init__(self, size: int, topic: str | None, seconds: int | None) -> None:
        self.size, self.topic, self.seconds = size, topic, seconds


def parse_quiz_args(args: list[str], topics: set[str]) -> QuizArgs | str:
    """Return the arguments, or a short message saying what is wrong."""
    size, topic, seconds = DEFAULT_ROUND_SIZE, None, None
    if len(args) > 3:
        return USAGE
    for raw in args:
        arg = raw.strip().lower()
        if re.fullmatch(r"-?\d{1,9}", arg):
            size = int(arg)
            if not 1 <= size <= MAX_ROUND_SIZE:
                return f"Choose 1 to {MAX_ROUND_SIZE} questions."
        elif re.fullmatch(r"\d{1,4}s", arg):
            seconds = int(arg[:-1])
            if not 5 <= seconds <= 600:
                return "Choose a poll time from 5s to 600s."
        elif arg in topics:
            topic = arg
        else:
            shown = render.name(raw[:40])
            return f"I don't know “{shown}”. {USAGE}"
    return QuizArgs(size, topic, seconds)


async def send_question(update: Update, context: Context, view: QuestionView) -> None:
    chat = update.effective_chat
    assert chat is not None  # noqa: S101
    text, markup = render.question_message(view)
    message = await context.bot.send_message(chat.id, text, reply_markup=markup)
    await services(context).quiz.mark_asked(view, message_id=message.message_id)


async def quiz_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return
    svc = services(context)
    parsed = parse_quiz_args(context.args or [], set(svc.bank.topics()))
    if isinstance(parsed, str):
        await reply(update, parsed)
        return
    if not is_private(update):
        await groups.start_group_round(update, context, parsed)
        return
    await start_private_round(update, context, parsed.size, topic=parsed.topic)


async def start_private_round(
    update: Update,
    context: Context,
    size: int,
    *,
    topic: str | None = None,
    paragraph: int | None = None,
) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None  # noqa: S101, PT018
    started = await services(context).quiz.start_round(
        chat.id, "private", player_of(user), size, topic=topic, paragraph=paragraph
    )
    if started.empty:
        await context.bot.send_message(chat.id, "No questions match that. Try /topics.")
        return
    if started.view is None:
        await context.bot.send_message(chat.id, "Sorry, I could not start a quiz. Try again.")
        return
    if started.resumed:
        await context.bot.send_message(
            chat.id, "You have a quiz in progress — here is where you left off. /stop ends it."
        )
    await send_question(update, context, started.view)


async def answer_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    data = query.data or ""
    if match := ANSWER.fullmatch(data):
        await _answer(update, context, *(int(g) for g in match.groups()))
    elif match := NEXT.fullmatch(data):
        await _next(update, context, int(match[1]), int(match[2]))
    elif (match := ON_PARAGRAPH.fullmatch(data)) and is_private(update):
        number = int(match[1])
        if not 1 <= number <= services(context).bank.article.body_count:
            await toast(query, render.notice(Status.INVALID))
            return
        await toast(
            query,
        )
        await start_private_round(update, context, PARAGRAPH_ROUND, paragraph=number)
    elif data == "quiz:new" and is_private(update):
        await toast(
            query,
        )
        await start_private_round(update, context, DEFAULT_ROUND_SIZE)
    else:
        log.info("ignored malformed quiz callback %r", data[:64])
        await toast(query, render.notice(Status.INVALID))


async def _answer(
    update: Update, context: Context, round_id: int, position: int, shown: int
) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    outcome = await services(context).quiz.answer(
        round_id, position, shown, player_of(query.from_user)
    )
    if outcome.status is Status.ALREADY_ANSWERED and outcome.view is not None:
        # Show the stored feedback again: a retry after a lost reply must not leave the user
        # without it, and changes nothing.
        await toast(query, render.notice(outcome.status))
        text, markup = render.feedback_message(outcome)
        await edit(query, text, markup)
        return
    if outcome.status is not Status.OK:
        await toast(query, render.notice(outcome.status))
        return
    # The answer is committed: only now is it acknowledged.
    await toast(query, "✅ Correct!" if outcome.correct else "❌ Not quite")
    text, markup = render.feedback_message(outcome)
    await edit(query, text, markup)  # after the last question it ends with the round summary


async def _next(update: Update, context: Context, round_id: int, position: int) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    status, view = await services(context).quiz.claim_next(
        round_id, position, player_of(query.from_user)
    )
    if status is not Status.OK or view is None:
        await toast(query, render.notice(status))
        return
    await toast(
        query,
    )
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is not None:  # keep "Read ¶N", drop the used "Next" button
        rows = [
            [b for b in row if not str(b.callback_data).startswith("quiz:n:")]
            for row in markup.inline_keyboard
        ]
        await edit_markup(query, InlineKeyboardMarkup([r for r in rows if r]))
    await send_question(update, context, view)


async def stop_command(update: Update, context: Context) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if not is_private(update):
        await groups.stop_group_round(update, context)
        return
    engine = services(context).quiz
    active = await engine.store.reads.active_round(chat.id)
    if active is None:
        await reply(update, "No quiz is running. Send /quiz to start one.")
        return
    summary = await engine.stop_round(active.id)
    await reply(update, render.summary_message(summary) if summary else "The quiz is over.")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("quiz", quiz_command),
        command("stop", stop_command),
        CallbackQueryHandler(answer_button, pattern=PATTERN),
    ]
