"""/me, /top and /goal."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.engine.scoring import MAX_DAILY_GOAL
from bot.telegram import render
from bot.telegram.common import (
    command,
    is_group,
    is_private,
    player_of,
    private_only,
    reply,
    reply_rendered,
)
from bot.telegram.context import BotContext

TOP_USAGE = "Write /top, /top week or /top all."


async def me_command(update: Update, context: BotContext) -> None:
    await show_me(update, context)


async def show_me(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    group = is_group(update)
    profile = await context.quiz.profile(player_of(user), chat.id if group else None)
    await reply_rendered(update, render.profile_message(profile, group=group))


async def top_command(update: Update, context: BotContext) -> None:
    args = [a.lower() for a in context.args or []]
    if len(args) > 1 or (args and args[0] not in ("week", "all")):
        await reply(update, TOP_USAGE)
        return
    await show_top(update, context, args[0] if args else None)


async def show_top(update: Update, context: BotContext, scope: str | None = None) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    group = is_group(update)
    if group:  # a group's boards show only people who played in that chat
        board = await context.quiz.board("week" if scope == "week" else "chat", user.id, chat.id)
    else:
        board = await context.quiz.board(scope or "all", user.id)
    await reply_rendered(update, render.board_message(board, user.id, group=group))


async def show_week(update: Update, context: BotContext) -> None:
    await show_top(update, context, "week")


async def goal_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    if not is_private(update):
        await private_only(update, context, "/goal", "me")
        return
    args = context.args or []
    if (
        len(args) != 1
        or not re.fullmatch(r"\d{1,4}", args[0])
        or not 1 <= int(args[0]) <= MAX_DAILY_GOAL
    ):
        await reply(
            update, f"Write /goal N: answers a day, from 1 to {MAX_DAILY_GOAL} (e.g. /goal 10)."
        )
        return
    goal = await context.study.set_goal(player_of(user), int(args[0]))
    await reply(
        update, f"🎯 Daily goal: {render.plural(goal, 'answer')}. /me shows today’s progress."
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("me", me_command),
        command("top", top_command),
        command("goal", goal_command),
    ]
