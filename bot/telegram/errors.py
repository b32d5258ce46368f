"""The error handler: log the exception, apologise briefly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. Please try again."


async def _remember_block(update: object, context: BotContext) -> None:
    """A 403 in a private chat means the user blocked the bot: nothing the bot starts on its
    own goes to them until they write again."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        return
    try:
        await context.study.user_blocked_bot(update.effective_user.id)
    except Exception:
        log.exception("could not record the block")


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("blocked or removed from a chat: %s", error)
        await _remember_block(update, context)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_chat is not None and update.effective_message is not None:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)
