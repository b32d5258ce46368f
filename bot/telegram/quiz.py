"""Quizzes in private chats: /quiz, /stop, the option, Next, Continue, New and Retry buttons,
and answers typed as a letter or a number."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.engine.quiz import DEFAULT_ROUND_SIZE, MAX_ROUND_SIZE
from bot.engine.views import AnswerOutcome, Player, QuestionView, RoundRequest, Status
from bot.telegram import callbacks as cb
from bot.telegram import challenges, disputes, groups, render
from bot.telegram.common import (
    command,
    edit,
    edit_markup,
    is_private,
    player_of,
    query_chat,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext
from questions.model import TOPICS
from storage.models import ChatKind, RoundMode

log = logging.getLogger(__name__)

GROUP_MAX = groups.MAX_GROUP_ROUND
USAGE = (
    f"Write /quiz [TOPIC] [N]: N questions from 1 to {MAX_ROUND_SIZE} (default "
    f"{DEFAULT_ROUND_SIZE}). Topics: /topics"
)
GROUP_USAGE = (
    f"In a group: /quiz [TOPIC] [N] [Ns]: N polls from 1 to {GROUP_MAX} (default 5) of Ns "
    "each (default 30s), e.g. /quiz 5 20s. Topics: /topics"
)
_NUMBER = re.compile(r"-?\d{1,9}")
_SECONDS = re.compile(r"(\d{1,4})s")
_TYPED = re.compile(r"\s*([A-Ja-j]|10|[1-9])\s*[.)]?\s*")
PARAGRAPH_ROUND = 5


def parse_quiz_args(args: list[str], *, group: bool) -> RoundRequest | str:
    """What ``/quiz`` asks for, or a short explanation with the right form."""
    usage = GROUP_USAGE if group else USAGE
    tokens = _tokens(args)
    if tokens is None:
        return usage
    numbers, seconds, words = tokens
    written = " ".join(args)
    topic = topic_named(words)
    if words and topic is None:
        return f"I don’t know “{render.escape(shorten_arg(' '.join(words)))}”. {usage}"
    if len(numbers) > 2 or (seconds is not None and len(numbers) > 1):
        return usage
    if len(numbers) > 1:
        if group:
            return f"/quiz {written}: did you mean /quiz {numbers[0]} {numbers[1]}s?"
        return (
            f"/quiz {written}: one number is the number of questions. "
            f"Did you mean /quiz {numbers[0]}?"
        )
    if seconds is not None and not group:
        count = numbers[0] if numbers else DEFAULT_ROUND_SIZE
        return (
            f"A poll time like {seconds}s is for group quizzes; here you answer at your own "
            f"pace. Did you mean /quiz {count}?"
        )
    size = numbers[0] if numbers else (5 if group else DEFAULT_ROUND_SIZE)
    limit = GROUP_MAX if group else MAX_ROUND_SIZE
    if not 1 <= size <= limit:
        return f"{'In a group, choose' if group else 'Choose'} 1 to {limit} questions: /quiz 5"
    if seconds is not None and not 5 <= seconds <= 600:
        return "Choose a poll time from 5s to 600s, e.g. /quiz 5 20s."
    return RoundRequest(size=size, topic=topic, open_period=seconds)


def _tokens(args: list[str]) -> tuple[list[int], int | None, list[str]] | None:
    """Numbers, one poll time and the other words of ``/quiz`` (None: too many parts)."""
    numbers: list[int] = []
    seconds: int | None = None
    words: list[str] = []
    if len(args) > 6:
        return None
    for raw in args:
        arg = raw.strip().lower()
        if _NUMBER.fullmatch(arg):
            numbers.append(int(arg))
        elif match := _SECONDS.fullmatch(arg):
            if seconds is not None:
                return None
            seconds = int(match[1])
        else:
            words.append(arg)
    return numbers, seconds, words


def suggestion(args: list[str]) -> InlineKeyboardMarkup | None:
    """After a /quiz that started nothing: a button for the quiz its first number asks for."""
    sizes = [int(a) for a in args if _NUMBER.fullmatch(a) and 1 <= int(a) <= MAX_ROUND_SIZE]
    size = sizes[0] if sizes else DEFAULT_ROUND_SIZE
    return render.keyboard(
        [
            render.button(f"▶️ {size}-question quiz", cb.StartButton(cb.Ask.QUIZ, size)),
            render.button("📚 Topics", cb.ScreenButton(cb.Screen.TOPICS)),
        ]
    )


def topic_named(words: list[str]) -> str | None:
    """The topic written as its name or its label, in any case (``minsk-talks``, ``Minsk
    talks``), or by words of three letters or more that start only its name (``minsk``)."""
    slug = "-".join(w.strip("-") for w in words)
    if slug in TOPICS:
        return slug
    if len(slug) < 3:
        return None
    parts = slug.split("-")
    starts = [
        t
        for t in TOPICS
        if len(parts) <= len(t.split("-"))
        and all(name.startswith(p) for p, name in zip(parts, t.split("-"), strict=False))
    ]
    return starts[0] if len(starts) == 1 else None


def shorten_arg(text: str) -> str:
    return render.shorten(text, 40)


# starting -----------------------------------------------------------------------------------


def start_button(request: RoundRequest, *, replace: bool, retry_of: int = 0) -> cb.StartButton:
    """The button that asks for ``request`` again (🆕 New after a conflict)."""
    if request.mode is RoundMode.REVIEW:
        return cb.StartButton(cb.Ask.REVIEW, 0, replace)
    if request.mode is RoundMode.RETRY:
        return cb.StartButton(cb.Ask.RETRY, retry_of, replace)
    if request.paragraph is not None:
        return cb.StartButton(cb.Ask.PARAGRAPH, request.paragraph, replace)
    if request.topic is not None:
        return cb.StartButton(cb.Ask.TOPIC, TOPICS.index(request.topic), replace)
    return cb.StartButton(cb.Ask.QUIZ, request.size, replace)


async def start_private(
    context: BotContext,
    chat_id: int,
    player: Player,
    request: RoundRequest,
    *,
    replace: bool = False,
    retry_of: int = 0,
) -> None:
    """Start what was asked, or say that a round is open and offer Continue or New."""
    started = await context.quiz.start_round(
        chat_id, ChatKind.PRIVATE, player, request, replace=replace
    )
    if started.open_round is not None:
        again = start_button(request, replace=True, retry_of=retry_of)
        text, markup = render.open_round_message(
            started.open_round, again, render.request_label(request)
        )
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    if started.empty or started.view is None:
        await context.bot.send_message(chat_id, "No questions match that. Try /topics.")
        return
    if request.mode is RoundMode.REVIEW:
        await context.bot.send_message(chat_id, render.review_intro(started.view.total))
    await send_question(context, chat_id, started.view)


async def send_question(context: BotContext, chat_id: int, view: QuestionView) -> Message:
    text, markup = render.question_message(view)
    message = await context.bot.send_message(chat_id, text, reply_markup=markup)
    await context.quiz.mark_shown(view, message.message_id)
    return message


async def request_for(
    context: BotContext, button: cb.StartButton, player: Player
) -> RoundRequest | str:
    """The round a start button asks for, or why it cannot start."""
    if button.ask == cb.Ask.QUIZ:
        return RoundRequest(size=max(1, min(button.number, MAX_ROUND_SIZE)))
    if button.ask == cb.Ask.PARAGRAPH:
        if not 1 <= button.number <= context.bank.article.body_count:
            return render.notice(Status.INVALID)
        return RoundRequest(size=PARAGRAPH_ROUND, paragraph=button.number)
    if button.ask == cb.Ask.TOPIC:
        if button.topic is None:
            return render.notice(Status.INVALID)
        return RoundRequest(size=DEFAULT_ROUND_SIZE, topic=button.topic)
    if button.ask == cb.Ask.RETRY:
        missed = await context.quiz.missed(button.number, player)
        if missed is None:
            return render.notice(Status.NOT_YOURS)
        if not missed:
            return "No mistakes to retry in that quiz. 🌟"
        return RoundRequest(question_ids=missed, mode=RoundMode.RETRY, label="your mistakes")
    return RoundRequest(mode=RoundMode.REVIEW)


async def quiz_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    group = not is_private(update)
    parsed = parse_quiz_args(context.args or [], group=group)
    if isinstance(parsed, str):
        # In a private chat the likely meaning is one tap away; a group just gets the form.
        await reply(update, parsed, None if group else suggestion(context.args or []))
        return
    if group:
        await groups.start_group_round(update, context, parsed)
        return
    await start_private(context, chat.id, player_of(user), parsed)


async def start_button_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101 - a CallbackQueryHandler
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, cb.StartButton) or chat_id is None or not is_private(update):
        await toast(query, render.notice(Status.INVALID))
        return
    player = player_of(query.from_user)
    request = await request_for(context, button, player)
    if isinstance(request, str):
        await toast(query, request)
        return
    await toast(query)
    if button.ask == cb.Ask.REVIEW:
        await start_review(context, chat_id, player, replace=button.replace)
        return
    await start_private(
        context, chat_id, player, request, replace=button.replace, retry_of=button.number
    )
    if button.replace and query.message is not None:
        await edit_markup(query, None)  # the conflict question is answered


async def start_review(
    context: BotContext, chat_id: int, player: Player, *, replace: bool = False
) -> None:
    started = await context.study.start_review(chat_id, player, replace=replace)
    if started.outcome is None:
        text, markup = render.nothing_due_message(
            started.next_due, context.quiz.clock(), started.has_cards
        )
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    request = RoundRequest(mode=RoundMode.REVIEW)
    if started.outcome.open_round is not None:
        text, markup = render.open_round_message(
            started.outcome.open_round,
            start_button(request, replace=True),
            render.request_label(request),
        )
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    if started.outcome.view is not None:
        intro = render.review_intro(started.outcome.view.total, started.due)
        await context.bot.send_message(chat_id, intro)
        await send_question(context, chat_id, started.outcome.view)


# answering ----------------------------------------------------------------------------------


async def answer_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    if not isinstance(button, cb.AnswerButton) or query_chat(query) is None:
        await toast(query, render.notice(Status.INVALID))
        return
    outcome = await context.quiz.answer(
        button.round_id, button.position, button.option, player_of(query.from_user)
    )
    player = player_of(query.from_user)
    if outcome.status is Status.ALREADY_ANSWERED and outcome.view is not None:
        # Show the stored feedback again: a retry after a lost reply must not leave the user
        # without it, and changes nothing.
        await toast(query, render.notice(outcome.status))
        await edit(query, *await feedback(context, outcome, player))
        return
    if outcome.status is not Status.OK:
        await toast(query, render.notice(outcome.status))
        return
    # The answer is committed: only now is it acknowledged.
    await toast(query, "✅ Correct!" if outcome.correct else "❌ Not quite")
    await edit(query, *await feedback(context, outcome, player))
    await challenges.report(context, outcome)


async def feedback(context: BotContext, outcome: AnswerOutcome, player: Player) -> render.Rendered:
    """The feedback message; a finished quiz's recap gets a fresh ⚔️ challenge to share."""
    token = await challenges.challenge_token(context, outcome, player)
    return render.feedback_message(outcome, context.quiz.clock(), token)


async def answer_typed(update: Update, context: BotContext, shown: int) -> bool:
    """A typed option for the question on screen; False when no question is open."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    outcome, message_id = await context.quiz.answer_typed(chat.id, shown, player_of(user))
    if outcome.status in (Status.UNKNOWN_ROUND, Status.STALE) and message_id is None:
        return False
    if outcome.status is Status.INVALID:
        await reply(update, "That question has fewer options: tap one of its buttons.")
        return True
    if outcome.status is not Status.OK or outcome.view is None:
        await reply(update, render.notice(outcome.status))
        return True
    if message_id is not None:
        try:
            await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
        except BadRequest as exc:
            log.debug("question keyboard not removed: %s", exc.message)
    await reply_rendered(update, await feedback(context, outcome, player_of(user)))
    await challenges.report(context, outcome)
    return True


def typed_option(text: str) -> int | None:
    """``A``/``a``/``1`` (and ``B.``, ``2)``) as the shown option's index."""
    match = _TYPED.fullmatch(text)
    if not match:
        return None
    token = match[1]
    return int(token) - 1 if token.isdigit() else "abcdefghij".index(token.lower())


async def private_text(update: Update, context: BotContext) -> None:
    """A plain message: an option letter or number if a question is open (a ⚑ note that
    was waiting is dropped: the user moved on), else a ⚑ note if one was asked for,
    otherwise where the round stands or a pointer to the buttons."""
    message = update.effective_message
    user = update.effective_user
    if message is None or not message.text or user is None:
        return
    shown = typed_option(message.text)
    if shown is not None and await answer_typed(update, context, shown):
        await context.study.cancel_pending(user.id)
        return
    if await disputes.take_note(update, context):
        return
    chat = update.effective_chat
    open_round = await context.quiz.open_round(chat.id) if chat is not None else None
    if open_round is not None:
        await reply_rendered(update, render.round_waits_message(open_round))
        return
    await reply(
        update,
        "Tap ▶️ Quiz to play, or type an option’s letter while a question is open.",
        render.menu_keyboard(0),
    )


# moving on ----------------------------------------------------------------------------------


async def next_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, cb.NextButton) or chat_id is None:
        await toast(query, render.notice(Status.INVALID))
        return
    status, view = await context.quiz.claim_next(
        button.round_id, button.position, player_of(query.from_user)
    )
    if status is not Status.OK or view is None:
        await toast(query, render.notice(status))
        return
    await toast(query)
    await drop_next_button(query)
    await send_question(context, chat_id, view)


async def drop_next_button(query: Any) -> None:
    """Keep the message's other buttons, drop the used "Next ▶"."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return
    rows = [
        [b for b in row if not isinstance(cb.parse(str(b.callback_data)), cb.NextButton)]
        for row in markup.inline_keyboard
    ]
    await edit_markup(query, render.keyboard(*rows))


async def continue_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, cb.ContinueButton) or chat_id is None:
        await toast(query, render.notice(Status.INVALID))
        return
    view = await context.quiz.resume(chat_id)
    if view is None or view.round_id != button.round_id:
        await toast(query, render.notice(Status.ROUND_OVER))
        return
    await toast(query)
    await edit_markup(query, None)
    await send_question(context, chat_id, view)


async def back_pressed(update: Update, context: BotContext) -> None:
    """↩ Back from a paragraph to the answer it was opened from."""
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    if not isinstance(button, cb.BackButton):
        await toast(query, render.notice(Status.INVALID))
        return
    outcome = await context.quiz.answered(
        button.round_id, button.position, player_of(query.from_user)
    )
    if outcome.view is None:
        await toast(query, render.notice(outcome.status))
        return
    await toast(query)
    await edit(query, *await feedback(context, outcome, player_of(query.from_user)))


async def stop_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None or update.effective_user is None:
        return
    if not is_private(update):
        await groups.stop_group_round(update, context)
        return
    active = await context.quiz.open_round(chat.id)
    if active is None:
        await reply(
            update,
            "No quiz is running. Tap ▶️ Quiz to start one.",
            render.keyboard([render.QUIZ_BUTTON()]),
        )
        return
    summary = await context.quiz.stop_round(active.round_id)
    await reply_rendered(update, render.stopped_message(summary, context.quiz.clock()))
    if summary is not None and summary.mode is RoundMode.CHALLENGE and summary.lines:
        await challenges.send_head_to_head(context, active.round_id)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    private_text_filter = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT
    return [
        command("quiz", quiz_command),
        command("stop", stop_command),
        CallbackQueryHandler(answer_pressed, pattern=cb.matches(cb.AnswerButton)),
        CallbackQueryHandler(next_pressed, pattern=cb.matches(cb.NextButton)),
        CallbackQueryHandler(start_button_pressed, pattern=cb.matches(cb.StartButton)),
        CallbackQueryHandler(continue_pressed, pattern=cb.matches(cb.ContinueButton)),
        CallbackQueryHandler(back_pressed, pattern=cb.matches(cb.BackButton)),
        MessageHandler(private_text_filter & ~filters.COMMAND, private_text),
    ]
