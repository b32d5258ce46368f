"""/read N, the paragraph buttons, and /search with its More button."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.search import search
from bot.engine.views import Status
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import (
    clean,
    command,
    edit,
    is_private,
    player_of,
    query_chat,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

MAX_QUERY = 200


def last_paragraph(context: BotContext) -> int:
    return context.bank.article.citable.stop - 1


async def read_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    last = last_paragraph(context)
    body = context.bank.article.body_count
    span = f"The article has {body} paragraphs (1 to {body}); ¶{last} is about the author."
    if not args:
        number = 1
    elif len(args) == 1 and re.fullmatch(r"\d{1,6}", args[0]):
        number = int(args[0])
    else:
        await reply(update, f"Write /read N with a paragraph number, e.g. /read 3. {span}")
        return
    if not 1 <= number <= last:
        await reply(update, f"There is no ¶{number}. {span}")
        return
    await show_paragraph(update, context, number)


async def show_paragraph(update: Update, context: BotContext, number: int) -> None:
    await reply_rendered(
        update,
        render.paragraph_message(context.bank.article, number, private=is_private(update)),
    )


async def read_pressed(update: Update, context: BotContext) -> None:
    """◀ ▶ page in place; from a feedback message (a round's context) the answer becomes the
    paragraph, with ↩ Back to it and Next ▶ when the round waits for it."""
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    article = context.bank.article
    if not isinstance(button, cb.ReadButton | cb.OpenParagraphButton) or not (
        1 <= button.number <= last_paragraph(context)
    ):
        log.info("ignored malformed read callback %r", (query.data or "")[:64])
        await toast(query, render.notice(Status.INVALID))
        return
    await toast(query)
    private = is_private(update)
    if isinstance(button, cb.OpenParagraphButton):
        chat_id = query_chat(query)
        if chat_id is not None:
            text, markup = render.paragraph_message(article, button.number, private=private)
            await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    next_position = None
    if button.round_id:
        outcome = await context.quiz.answered(
            button.round_id, button.position, player_of(query.from_user)
        )
        if outcome.view is None:
            await toast(query, render.notice(outcome.status))
            return
        next_position = outcome.next_position
    await edit(
        query,
        *render.paragraph_message(
            article,
            button.number,
            round_id=button.round_id,
            position=button.position,
            next_position=next_position,
            private=private,
        ),
    )


async def search_command(update: Update, context: BotContext) -> None:
    query = clean(" ".join(context.args or [])).strip()
    if not query:
        await reply(
            update,
            "Write /search WORDS, e.g. <code>/search Lukashenka</code>, "
            '<code>/search Ukrain*</code> or <code>/search "shock wave"</code>.',
        )
        return
    result = search(context.bank.article, query[:MAX_QUERY])
    await reply_rendered(update, render.search_message(result))


async def search_more(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    message = query.message
    text = getattr(message, "text", None)
    words = render.query_of(text)
    if not isinstance(button, cb.SearchMoreButton) or words is None:
        await toast(query, "This search is gone: send /search again.")
        return
    result = search(context.bank.article, words[:MAX_QUERY])
    if button.offset >= result.total:
        await toast(query, "That was the last page.")
        return
    await toast(query)
    await edit(query, *render.search_message(result, button.offset))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("read", read_command),
        command("search", search_command),
        CallbackQueryHandler(
            read_pressed, pattern=cb.matches(cb.ReadButton, cb.OpenParagraphButton)
        ),
        CallbackQueryHandler(search_more, pattern=cb.matches(cb.SearchMoreButton)),
    ]
