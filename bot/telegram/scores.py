"""/me, /top and /goal."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.scoring import MAX_DAILY_GOAL
from bot.engine.views import Status
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import (
    command,
    deep_link,
    edit,
    is_group,
    is_private,
    player_of,
    private_only,
    private_press,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext

TOP_USAGE = "Write /top, /top week or /top all."


async def me_command(update: Update, context: BotContext) -> None:
    await show_me(update, context)


async def show_me(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if is_group(update):
        profile = await context.quiz.profile(player_of(user), chat.id)
        link = deep_link(context, "me")
        await reply_rendered(update, render.group_profile_message(profile, link))
        return
    profile = await context.quiz.profile(player_of(user))
    await reply_rendered(update, render.profile_message(profile))


async def top_command(update: Update, context: BotContext) -> None:
    args = [a.lower() for a in context.args or []]
    if len(args) > 1 or (args and args[0] not in ("week", "all")):
        await reply(
            update,
            TOP_USAGE,
            render.keyboard(
                [
                    render.button("📅 This week", cb.ScreenButton(cb.Screen.TOP_WEEK)),
                    render.button("🏆 All time", cb.ScreenButton(cb.Screen.TOP)),
                ]
            ),
        )
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
        await private_only(update, context, "/goal", "goal")
        return
    args = context.args or []
    if not args:
        await show_goal(update, context)
        return
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
    await reply_rendered(update, render.goal_set_message(goal))


async def show_goal(update: Update, context: BotContext) -> None:
    """The goal and today's progress, with one-tap goals (also the ``goal`` deep link)."""
    user = update.effective_user
    if user is None:
        return
    activity = (await context.quiz.profile(player_of(user))).activity
    await reply_rendered(update, render.goal_screen(activity.goal, activity.today))


async def goal_pressed(update: Update, context: BotContext) -> None:
    press = await private_press(update, cb.GoalButton)
    if press is None:
        return
    query, answers = press.query, press.button.answers
    if not 1 <= answers <= MAX_DAILY_GOAL:
        await toast(query, render.notice(Status.INVALID))
        return
    goal = await context.study.set_goal(player_of(query.from_user), answers)
    await toast(query, f"🎯 {render.plural(goal, 'answer')} a day")
    await edit(query, *render.goal_set_message(goal))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("me", me_command),
        command("top", top_command),
        command("goal", goal_command),
        CallbackQueryHandler(goal_pressed, pattern=cb.matches(cb.GoalButton)),
    ]
