"""Daily reminders: /remind, the one-tap offer after a first round, and the reminder itself
(a timed job, sent at background priority, never to someone who blocked the bot)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.clock import parse_clock_time, parse_zone
from bot.engine.study import REMINDER_JOB
from bot.engine.views import Status
from bot.runtime.core import JobHandler
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import (
    command,
    edit,
    is_private,
    player_of,
    private_only,
    query_chat,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext, services_of

log = logging.getLogger(__name__)

USAGE = (
    "Write /remind TIME [ZONE]: <code>/remind 8am</code>, <code>/remind 20:30 Europe/Kyiv</code>,"
    " <code>/remind 07:00 +02:00</code>; <code>/remind off</code> stops it."
)


def parse_remind(args: list[str], current_tz: str | None) -> tuple[int, str] | str:
    """(minute of the day, zone) from ``/remind`` arguments, or what is wrong."""
    if not 1 <= len(args) <= 3:
        return USAGE
    minute = parse_clock_time(args[0])
    rest = args[1:]
    if minute is None and len(args) >= 2:  # "8 am"
        minute = parse_clock_time(args[0] + args[1])
        rest = args[2:]
    if minute is None:
        return f"I read “{render.escape(args[0][:20])}” as no time of day. {USAGE}"
    if len(rest) > 1:
        return USAGE
    tz = current_tz or "UTC"
    if rest:
        found = parse_zone(rest[0])
        if found is None:
            return (
                f"I don’t know the time zone “{render.escape(rest[0][:40])}”. Use a name like "
                "<code>Europe/Kyiv</code> or an offset like <code>+02:00</code>."
            )
        tz = found
    return minute, tz


async def remind_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        await private_only(update, context, "/remind", "me")
        return
    args = context.args or []
    if not args:
        await reply(update, render.reminder_text(await context.study.reminder(user.id)))
        return
    if len(args) == 1 and args[0].lower() == "off":
        removed = await context.study.remove_reminder(user.id)
        await reply(update, "🔕 Reminders are off." if removed else "You had no reminder set.")
        return
    current = await context.study.reminder(user.id)
    parsed = parse_remind(args, current.tz if current else None)
    if isinstance(parsed, str):
        await reply(update, parsed)
        return
    minute, tz = parsed
    next_run = await context.study.set_reminder(player_of(user), chat.id, minute, tz)
    arm(context, next_run)
    await reply_rendered(update, render.reminder_set_message(minute, tz, next_run))


def arm(context: BotContext, at: Any) -> None:
    runtime = context.services.runtime
    if runtime is not None:
        runtime.jobs.arm(at)


async def reminder_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, cb.ReminderButton) or chat_id is None or not is_private(update):
        await toast(query, render.notice(Status.INVALID))
        return
    if button.minute == cb.ReminderButton.PICK:
        await toast(query)
        await context.bot.send_message(
            chat_id, "⏰ Pick the time for your daily nudge:", reply_markup=render.hour_choices()
        )
        return
    if button.minute == cb.ReminderButton.OFF:
        await context.study.remove_reminder(query.from_user.id)
        await toast(query, "Reminders are off.")
        await edit(query, "🔕 Reminders are off. /remind 8am switches them on again.")
        return
    if not 0 <= button.minute < 24 * 60:
        await toast(query, render.notice(Status.INVALID))
        return
    current = await context.study.reminder(query.from_user.id)
    tz = current.tz if current else "UTC"
    next_run = await context.study.set_reminder(
        player_of(query.from_user), chat_id, button.minute, tz
    )
    arm(context, next_run)
    await toast(query, "⏰ Reminder set.")
    text, markup = render.reminder_set_message(button.minute, tz, next_run)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def reminder_job(app: Any, key: int, data: dict[str, Any]) -> None:
    """A reminder is due (work item of the user's chat, background priority)."""
    _, study = services_of(app).engines()
    nudge, following = await study.reminder_due(key)
    runtime = services_of(app).runtime
    if runtime is not None and following is not None:
        runtime.jobs.arm(following)
    if nudge is None:
        return
    text, markup = render.reminder_nudge(nudge.due, nudge.streak, nudge.answered_today)
    try:
        await app.bot.send_message(nudge.chat_id, text, reply_markup=markup)
    except Forbidden:
        log.info("user %s blocked the bot: nothing more is sent to them", key)
        await study.user_blocked_bot(key)
    except (BadRequest, NetworkError) as exc:
        log.warning("reminder to %s failed: %s", key, exc)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("remind", remind_command),
        CallbackQueryHandler(reminder_pressed, pattern=cb.matches(cb.ReminderButton)),
    ]


WORK: dict[str, JobHandler] = {REMINDER_JOB: reminder_job}
