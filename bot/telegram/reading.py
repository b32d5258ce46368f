"""/read N and the ◀ ▶ buttons (``^read:``)."""

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

NAVIGATE = re.compile(r"read:(\d{1,4})")
OPEN = re.compile(r"read:o:(\d{1,4})")


async def read_command(update: Update, context: Context) -> None:
    article = services(context).bank.article
    last = article.citable.stop - 1
    args = context.args or []
    if not args:
        number = 1
    elif len(args) == 1 and re.fullmatch(r"\d{1,6}", args[0]):
        number = int(args[0])
    else:
        await reply(update, f"Usage: /read N — a paragraph number from 1 to {last}.")
        return
    if not 1 <= number <= last:
        await reply(update, f"The article has paragraphs 1 to {last}. Try /read 1.")
        return
    text, markup = render.paragraph_message(article, number)
    await reply(update, text, markup)


async def read_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    article = services(context).bank.article
    data = query.data or ""
    match = NAVIGATE.fullmatch(data) or OPEN.fullmatch(data)
    number = int(match[1]) if match else 0
    if not 1 <= number < article.citable.stop:
        log.info("ignored malformed read callback %r", data[:64])
        await toast(query, render.notice(Status.INVALID))
        return
    await toast(
        query,
    )
    text, markup = render.paragraph_message(article, number)
    if OPEN.fullmatch(data) and query.message is not None:
        await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)
    else:
        await edit(query, text, markup)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("read", read_command),
        CallbackQueryHandler(read_button, pattern=r"^read:"),
    ]
