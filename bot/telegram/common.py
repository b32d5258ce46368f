"""Small helpers shared by the handler modules."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import CommandHandler, filters

from bot.engine.views import Player

log = logging.getLogger(__name__)

Callback = Callable[[Update, Any], Coroutine[Any, Any, None]]


def player_of(user: User) -> Player:
    full = user.full_name.strip() or (f"@{user.username}" if user.username else f"user {user.id}")
    return Player(user.id, full[:64])


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup, do_quote=False)


async def toast(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press. Cosmetic: a failure (timeout, 5xx) must not stop the edit that
    follows, so it is logged and the handler carries on."""
    try:
        await query.answer(text)
    except (TimedOut, NetworkError, BadRequest) as exc:
        log.warning("answerCallbackQuery failed, carrying on: %s", exc)


async def edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the button's message; an unchanged text or a deleted message is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return
        if "message to edit not found" in exc.message.lower() or "can't be edited" in exc.message:
            log.info("could not edit message: %s", exc.message)
            return
        raise


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        log.debug("keyboard not changed: %s", exc.message)
    except Forbidden:
        log.info("cannot change keyboard: bot blocked")


# Commands count only in new messages: not edits, not forwards, not channel posts.
COMMAND_FILTER = filters.UpdateType.MESSAGE & ~filters.FORWARDED


def command(name: str, callback: Callback) -> CommandHandler[Any, None]:
    return CommandHandler(name, callback, filters=COMMAND_FILTER)
