"""Commands for the people who keep the bank: /disputes (users in ADMIN_USER_IDS only)."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.views import Status
from bot.telegram import render
from bot.telegram.common import command, edit, reply, toast
from bot.telegram.services import Context, services

log = logging.getLogger(__name__)

RESOLVE = re.compile(r"disp:r:(\d{1,12})")


def is_admin(context: Context, user_id: int) -> bool:
    return user_id in services(context).settings.admin_user_ids


async def disputes_command(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or not is_admin(context, user.id):
        await reply(update, "Sorry, /disputes is for the people who keep the question bank.")
        return
    svc = services(context)
    text, markup = render.disputes_message(await svc.study.open_disputes(), svc.bank)
    await reply(update, text, markup)


async def resolve_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    match = RESOLVE.fullmatch(query.data or "")
    if not is_admin(context, query.from_user.id):
        log.warning("non-admin %s pressed a dispute button", query.from_user.id)
        await toast(query, "Only bank keepers can resolve disputes.")
        return
    if match is None:
        await toast(query, render.notice(Status.INVALID))
        return
    svc = services(context)
    resolved = await svc.study.resolve_dispute(int(match[1]), query.from_user.id)
    await toast(query, f"#{match[1]} resolved." if resolved else "Already resolved.")
    text, markup = render.disputes_message(await svc.study.open_disputes(), svc.bank)
    await edit(query, text, markup)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("disputes", disputes_command),
        CallbackQueryHandler(resolve_button, pattern=r"^disp:"),
    ]
