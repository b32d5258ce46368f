"""/me and /top."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram import render
from bot.telegram.common import command, is_group, player_of, reply
from bot.telegram.services import Context, services

TOP_USAGE = "Usage: /top, /top week or /top all"


async def me_command(update: Update, context: Context) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    engine = services(context).quiz
    player = player_of(user)
    await engine.touch_player(player)
    profile = await engine.profile(player, chat.id if is_group(update) else None)
    await reply(update, render.profile_message(profile))


async def top_command(update: Update, context: Context) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    args = [a.lower() for a in context.args or []]
    if len(args) > 1 or (args and args[0] not in ("week", "all")):
        await reply(update, TOP_USAGE)
        return
    default = "chat" if is_group(update) else "all"
    scope = args[0] if args else default
    board = await services(context).quiz.board(scope, user.id, chat.id)
    await reply(update, render.board_message(board, user.id))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [command("me", me_command), command("top", top_command)]
