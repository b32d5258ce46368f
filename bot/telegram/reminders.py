"""Daily reminders: /remind, the one-tap offer after a first round, and the reminder itself
(a timed job, sent at background priority, never to someone who blocked the bot)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
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
    edit_markup,
    is_private,
    player_of,
    private_only,
    private_press,
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


def parse_remind(args: list[str], current_tz: str | None) -> tuple[int, str, bool] | str:
    """(minute of the day, zone, whether the zone was written) from ``/remind`` arguments,
    or what is wrong."""
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
    return minute, tz, bool(rest)


async def remind_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        await private_only(update, context, "/remind", "remind")
        return
    args = context.args or []
    if not args:
        await show_reminder(update, context)
        return
    if len(args) == 1 and args[0].lower() == "off":
        removed = await context.study.remove_reminder(user.id)
        if removed:
            await reply_rendered(update, render.reminders_off_message())
        else:
            await reply_rendered(update, render.reminder_screen(None))
        return
    parsed = parse_remind(args, await context.study.time_zone(user.id))
    if isinstance(parsed, str):
        await reply(update, parsed)
        return
    minute, tz, written = parsed
    next_run = await context.study.set_reminder(player_of(user), chat.id, minute, tz)
    arm(context, next_run)
    ask_zone = tz == "UTC" and not written
    await reply_rendered(update, render.reminder_set_message(minute, tz, ask_zone=ask_zone))


async def show_reminder(update: Update, context: BotContext) -> None:
    """The reminder as it is, with one-tap changes (also the ``remind`` deep link)."""
    user = update.effective_user
    if user is None:
        return
    await reply_rendered(update, render.reminder_screen(await context.study.reminder(user.id)))


def arm(context: BotContext, at: Any) -> None:
    runtime = context.services.runtime
    if runtime is not None:
        runtime.jobs.arm(at)


async def reminder_pressed(update: Update, context: BotContext) -> None:
    press = await private_press(update, cb.ReminderButton)
    if press is None:
        return
    query, button, chat_id = press.query, press.button, press.chat_id
    if button.minute == cb.ReminderButton.PICK:
        await toast(query)
        await show_in_place(query, context, chat_id, render.pick_hour_message())
        return
    if button.minute == cb.ReminderButton.OFF:
        await context.study.remove_reminder(query.from_user.id)
        await toast(query, "Reminders are off.")
        await show_in_place(query, context, chat_id, render.reminders_off_message())
        return
    if not 0 <= button.minute < 24 * 60:
        await toast(query, render.notice(Status.INVALID))
        return
    tz = await context.study.time_zone(query.from_user.id)
    next_run = await context.study.set_reminder(
        player_of(query.from_user), chat_id, button.minute, tz
    )
    arm(context, next_run)
    await toast(query, "⏰ Reminder set.")
    rendered = render.reminder_set_message(button.minute, tz, ask_zone=tz == "UTC")
    await show_in_place(query, context, chat_id, rendered)


async def zone_pressed(update: Update, context: BotContext) -> None:
    """🌍 A zone under a reminder's confirmation: the same local time, in that zone."""
    press = await private_press(update, cb.ZoneButton)
    if press is None:
        return
    query, button, chat_id = press.query, press.button, press.chat_id
    current = await context.study.reminder(query.from_user.id)
    if current is None:
        await toast(query, "No reminder is set: pick a time first.")
        await show_in_place(query, context, chat_id, render.reminder_screen(None))
        return
    next_run = await context.study.set_reminder(
        player_of(query.from_user), chat_id, current.local_minute, button.zone
    )
    arm(context, next_run)
    await toast(query, f"🌍 {button.zone}")
    rendered = render.reminder_set_message(current.local_minute, button.zone, ask_zone=False)
    await show_in_place(query, context, chat_id, rendered)


REMINDER_KINDS = (cb.ReminderButton, cb.ZoneButton)  # the buttons of a reminder screen


async def show_in_place(
    query: CallbackQuery, context: BotContext, chat_id: int, rendered: render.Rendered
) -> None:
    """A reminder screen replaces the message its button was on; a button that came with
    other things (the offer under a recap) leaves them, loses the reminder buttons, and
    the screen comes as a new message."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    kept = [[b for b in row if not isinstance(cb.parse(_data(b)), REMINDER_KINDS)] for row in rows]
    kept = [row for row in kept if row]
    if not kept:
        await edit(query, *rendered)
        return
    await edit_markup(query, InlineKeyboardMarkup(kept))
    await context.bot.send_message(chat_id, rendered[0], reply_markup=rendered[1])


def _data(b: InlineKeyboardButton) -> str | None:
    return b.callback_data if isinstance(b.callback_data, str) else None


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
        CallbackQueryHandler(zone_pressed, pattern=cb.matches(cb.ZoneButton)),
    ]


WORK: dict[str, JobHandler] = {REMINDER_JOB: reminder_job}
