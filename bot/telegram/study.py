"""Study commands in private chats: /review, /progress, /topics, /search, /remind, /forget,
and the ⚑ Challenge flow (``^chal:``, ``^forget:``)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.engine.study import parse_reminder_time, search
from bot.engine.views import Status
from bot.telegram import render
from bot.telegram.common import command, edit, is_private, player_of, reply, toast
from bot.telegram.quiz import send_question
from bot.telegram.services import Context, services, services_of

log = logging.getLogger(__name__)

PRIVATE_ONLY = "Study commands work in a private chat with me."
CHALLENGE = re.compile(r"chal:(\d{1,12}):(\d{1,3})")


def reminder_job_name(user_id: int) -> str:
    return f"review:{user_id}"


async def _private(update: Update) -> bool:
    if is_private(update):
        return True
    await reply(update, PRIVATE_ONLY)
    return False


async def review_command(update: Update, context: Context) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await _private(update):
        return
    svc = services(context)
    started = await svc.study.start_review(chat.id, player_of(user))
    if started.outcome is None:
        text, markup = render.nothing_due_message(
            started.next_due, svc.quiz.clock(), started.has_cards
        )
        await reply(update, text, markup)
        return
    if started.outcome.resumed:
        await reply(update, "Finish your current quiz first (or /stop it) — here it is again.")
    elif started.outcome.view is not None:
        due = started.outcome.view.total
        await reply(update, f"📚 Review: {due} card{'s' if due != 1 else ''} due.")
    if started.outcome.view is not None:
        await send_question(update, context, started.outcome.view)


async def progress_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or not await _private(update):
        return
    svc = services(context)
    text, markup = render.progress_message(await svc.study.progress(user.id), svc.bank.article)
    await reply(update, text, markup)


async def topics_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    await reply(update, render.topics_message(await services(context).study.topics(user.id)))


async def search_command(update: Update, context: Context) -> None:
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, "Usage: /search WORDS — e.g. /search Lukashenka’s tractor")
        return
    hits = search(services(context).bank.article, query[:200])
    text, markup = render.search_message(query, hits)
    await reply(update, text, markup)


# reminders --------------------------------------------------------------------------------


async def remind_command(update: Update, context: Context) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await _private(update):
        return
    svc = services(context)
    args = context.args or []
    if len(args) == 1 and args[0].lower() == "off":
        removed = await svc.study.remove_reminder(user.id)
        unschedule_reminder(context.application, user.id)
        await reply(update, "Reminders are off." if removed else "You had no reminder set.")
        return
    parsed = parse_reminder_time(args)
    if isinstance(parsed, str):
        await reply(update, parsed)
        return
    minute_utc, offset = parsed
    await svc.study.set_reminder(player_of(user), chat.id, minute_utc, offset)
    schedule_reminder(context.application, user.id, chat.id, minute_utc)
    await reply(
        update,
        f"⏰ Every day at {args[0]}{' ' + args[1] if len(args) > 1 else ' UTC'} "
        f"({minute_utc // 60:02d}:{minute_utc % 60:02d} UTC) I will tell you when reviews are "
        "due. /remind off stops it.",
    )


def schedule_reminder(app: Application, user_id: int, chat_id: int, minute_utc: int) -> None:  # type: ignore[type-arg]
    assert app.job_queue is not None  # noqa: S101
    unschedule_reminder(app, user_id)
    app.job_queue.run_daily(
        reminder_job,
        time=time(minute_utc // 60, minute_utc % 60, tzinfo=UTC),
        data=user_id,
        name=reminder_job_name(user_id),
        chat_id=chat_id,
    )


def unschedule_reminder(app: Application, user_id: int) -> None:  # type: ignore[type-arg]
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(reminder_job_name(user_id)):
        job.schedule_removal()


async def reminder_job(context: Context) -> None:
    assert context.job is not None  # noqa: S101
    user_id = int(context.job.data)  # type: ignore[call-overload]
    chat_id = context.job.chat_id
    study = services(context).study
    due = await study.count_due(user_id)
    if due == 0 or chat_id is None:
        return
    try:
        await context.bot.send_message(
            chat_id,
            f"📚 {due} review{'s are' if due != 1 else ' is'} due. Send /review to keep them "
            "fresh. (/remind off stops these)",
        )
    except Forbidden:
        log.info("user %s blocked the bot: reminders off", user_id)
        await study.user_blocked_bot(user_id)
        context.job.schedule_removal()
        return
    await study.reminder_sent(user_id)


async def restore_reminders(app: Application) -> int:  # type: ignore[type-arg]
    """Re-create every reminder job from SQLite (called in post_init)."""
    reminders = await services_of(app).study.reminders()
    for r in reminders:
        schedule_reminder(app, r.user_id, r.chat_id, r.minute_utc)
    return len(reminders)


# challenge a question -----------------------------------------------------------------------


async def challenge_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    match = CHALLENGE.fullmatch(query.data or "")
    question_id = None
    if match:
        question_id = await services(context).study.await_dispute(
            player_of(query.from_user), int(match[1]), int(match[2])
        )
    if question_id is None:
        await toast(query, render.notice(Status.INVALID))
        return
    await toast(
        query,
    )
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            "⚑ What is wrong with this question? Send me one message — it goes to the people "
            "who keep the question bank. /cancel if you changed your mind.",
        )


async def text_message(update: Update, context: Context) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text:
        return
    dispute_id = await services(context).study.take_dispute_text(player_of(user), message.text)
    if dispute_id is None:
        await reply(update, "Send /quiz to play, /review to study, or /help for all commands.")
        return
    await reply(update, f"Thank you — your note is saved (#{dispute_id}) for the bank keepers.")


async def cancel_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    cancelled = await services(context).study.cancel_pending(user.id)
    await reply(update, "Cancelled." if cancelled else "Nothing to cancel.")


# forget -----------------------------------------------------------------------------------


async def forget_command(update: Update, context: Context) -> None:
    if not await _private(update):
        return
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🗑 Yes, delete everything", callback_data="forget:yes"),
                InlineKeyboardButton("Keep my data", callback_data="forget:no"),
            ]
        ]
    )
    await reply(
        update,
        "This deletes all your answers, points, review cards, reminders and notes' link to "
        "you. Your points leave every scoreboard. It cannot be undone.",
        markup,
    )


async def forget_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    if query.data == "forget:yes":
        await services(context).study.forget(query.from_user.id)
        unschedule_reminder(context.application, query.from_user.id)
        await toast(query, "Deleted.")
        await edit(
            query, "🗑 Done: everything I stored about you is deleted. /start to begin anew."
        )
    elif query.data == "forget:no":
        await toast(query, "Nothing deleted.")
        await edit(query, "Nothing was deleted.")
    else:
        await toast(query, render.notice(Status.INVALID))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    private_text = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT
    return [
        command("review", review_command),
        command("progress", progress_command),
        command("topics", topics_command),
        command("search", search_command),
        command("remind", remind_command),
        command("cancel", cancel_command),
        command("forget", forget_command),
        CallbackQueryHandler(challenge_button, pattern=r"^chal:"),
        CallbackQueryHandler(forget_button, pattern=r"^forget:"),
        MessageHandler(private_text & ~filters.COMMAND, text_message),
    ]
