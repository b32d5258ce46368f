"""A daily quiz per group: /daily (the chat's admins), the daily round at its minute, and the
weekly recap on Sunday evening. Both are timed jobs of the group's chat."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import BaseHandler

from bot.engine.social import DAILY_JOB, RECAP_JOB, parse_daily
from bot.runtime.core import JobHandler
from bot.telegram import groups, render
from bot.telegram.common import command, is_group, player_of, reply
from bot.telegram.context import BotContext, services_of

log = logging.getLogger(__name__)


def arm(app: Any, at: datetime | None) -> None:
    runtime = services_of(app).runtime
    if runtime is not None and at is not None:
        runtime.jobs.arm(at)


async def daily_command(update: Update, context: BotContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if not is_group(update):
        await reply(update, "A daily quiz is for groups: add me to one and send /daily there.")
        return
    args = context.args or []
    if not args:
        await reply(update, render.daily_message(await context.social.daily(chat.id)))
        return
    if not await groups.is_chat_admin(context, chat.id, user.id):
        await reply(update, "Only the chat’s admins can schedule the daily quiz.")
        return
    if len(args) == 1 and args[0].lower() == "off":
        removed = await context.social.remove_daily(chat.id)
        await reply(update, "📅 The daily quiz is off." if removed else "No daily quiz was set.")
        return
    current = await context.social.daily(chat.id)
    parsed = parse_daily(args, current.tz if current else None)
    if isinstance(parsed, str):
        await reply(update, render.escape(parsed) if "<code>" not in parsed else parsed)
        return
    daily = await context.social.set_daily(chat.id, player_of(user), parsed)
    arm(context.application, daily.next_run)
    await reply(update, render.daily_message(daily))


def due_time(data: dict[str, Any]) -> datetime | None:
    """The time a job was scheduled for (its payload says), if readable."""
    try:
        due = datetime.fromisoformat(str(data.get("due")))
    except ValueError:
        return None
    return due if due.tzinfo is not None else None


async def daily_job(app: Any, chat_id: int, data: dict[str, Any]) -> None:
    """The daily quiz's minute: a round starts as if /quiz had been sent; if one is running
    already, one short line says today's is skipped."""
    social = services_of(app).social_engine()
    daily, following = await social.daily_due(chat_id, due_time(data))
    arm(app, following)
    if daily is None:
        log.info("daily quiz in %s not run (removed, or too late after downtime)", chat_id)
        return
    started = await social.start_daily_round(daily)
    try:
        if started.open_round is not None:
            await app.bot.send_message(chat_id, render.DAILY_SKIPPED)
            return
        if started.view is None:
            return
        await app.bot.send_message(chat_id, render.daily_intro(started.view.total, daily.seconds))
    except Forbidden:
        log.info("chat %s is gone: its daily quiz is removed", chat_id)
        await social.remove_daily(chat_id)
        if started.view is not None:
            await groups.unreachable(app, chat_id, started.view.round_id)
        return
    except (BadRequest, NetworkError) as exc:
        log.warning("daily quiz intro failed in %s: %s", chat_id, exc)
    if started.view is not None:
        await groups.send_poll(app, chat_id, started.view, daily.seconds)


async def recap_job(app: Any, chat_id: int, data: dict[str, Any]) -> None:
    """The end of the chat's week: its table and the most missed question."""
    social = services_of(app).social_engine()
    recap, following = await social.recap_due(chat_id)
    arm(app, following)
    if recap is None:
        return
    try:
        await app.bot.send_message(chat_id, render.recap_week_message(recap))
    except Forbidden:
        await social.remove_daily(chat_id)
    except (BadRequest, NetworkError) as exc:
        log.warning("weekly recap failed in %s: %s", chat_id, exc)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [command("daily", daily_command)]


WORK: dict[str, JobHandler] = {DAILY_JOB: daily_job, RECAP_JOB: recap_job}
