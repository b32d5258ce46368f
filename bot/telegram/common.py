"""Small helpers shared by the handler modules: who is asking, replies, toasts, edits."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import CommandHandler, filters

from bot.engine.views import Player, Status
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
MAX_NAME_STORED = 64


def clean(text: str) -> str:
    """User text safe to store and send: a lone surrogate (invalid UTF-8) becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


# Direction overrides and isolates turn the text after a name around ("…’s challenge" read
# backwards); control characters break lines. Neither belongs in a name.
_NAME_JUNK = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x1f\x7f]+")


def display_name(text: str) -> str:
    return " ".join(_NAME_JUNK.sub(" ", clean(text)).split())


def player_of(user: User) -> Player:
    full = display_name(user.full_name) or (f"@{user.username}" if user.username else "")
    return Player(user.id, (full or f"user {user.id}")[:MAX_NAME_STORED])


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


async def reply_rendered(update: Update, rendered: render.Rendered) -> Message | None:
    return await reply(update, *rendered)


async def toast(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press. Cosmetic: a failure (timeout, 5xx, an expired query) must not
    stop the edit that follows, so it is logged and the handler carries on."""
    try:
        await query.answer(text[: render.MAX_TOAST] if text else None)
    except (TimedOut, NetworkError, BadRequest) as exc:
        log.warning("answerCallbackQuery failed, carrying on: %s", exc)


async def edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit the button's message; an unchanged text or a gone message is not an error.
    Returns False when the message could not be edited."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        reason = exc.message.lower()
        if "not modified" in reason:
            return True
        if "not found" in reason or "can't be edited" in reason:
            log.info("could not edit message: %s", exc.message)
            return False
        raise
    return True


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        log.debug("keyboard not changed: %s", exc.message)
    except Forbidden:
        log.info("cannot change keyboard: bot blocked")


B = TypeVar("B", bound=cb.Button)


@dataclass(frozen=True, slots=True)
class Press(Generic[B]):
    query: CallbackQuery
    button: B
    chat_id: int


async def private_press(update: Update, kind: type[B]) -> Press[B] | None:
    """The press of a ``kind`` button in a private chat; anything else (forged data, a
    group, an inline message) gets the short "not valid" toast and None."""
    query = update.callback_query
    assert query is not None  # noqa: S101 - called from a CallbackQueryHandler
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    if not isinstance(button, kind) or chat_id is None or not is_private(update):
        await toast(query, render.notice(Status.INVALID))
        return None
    return Press(query, button, chat_id)


def query_chat(query: CallbackQuery) -> int | None:
    """The chat a button was pressed in; None for buttons of inline messages."""
    return query.message.chat.id if query.message is not None else None


def deep_link(context: BotContext, payload: str) -> str:
    return f"https://t.me/{context.bot.username}?start={payload}"


async def private_only(update: Update, context: BotContext, what: str, payload: str) -> None:
    """A private feature asked for in a group: a button to the private chat, no error."""
    await reply_rendered(update, render.private_only_message(what, deep_link(context, payload)))


# Commands count only in new messages: not edits, not forwards, not channel posts.
COMMAND_FILTER = filters.UpdateType.MESSAGE & ~filters.FORWARDED


def command(name: str, callback: Callback) -> CommandHandler[BotContext, None]:
    return CommandHandler(name, callback, filters=COMMAND_FILTER)
