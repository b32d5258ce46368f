"""Study in private chats: /review, /progress and /topics."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram import quiz, render
from bot.telegram.common import command, is_private, player_of, private_only, reply_rendered
from bot.telegram.context import BotContext


async def review_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        await private_only(update, context, "/review", "review")
        return
    await quiz.start_review(context, chat.id, player_of(user))


async def progress_command(update: Update, context: BotContext) -> None:
    if not is_private(update):
        await private_only(update, context, "/progress", "progress")
        return
    await show_progress(update, context)


async def show_progress(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    progress = await context.study.progress(user.id)
    await reply_rendered(update, render.progress_message(progress, context.bank.article))


async def topics_command(update: Update, context: BotContext) -> None:
    await show_topics(update, context)


async def show_topics(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    lines = await context.study.topics(user.id)
    await reply_rendered(update, render.topics_message(lines, private=is_private(update)))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("review", review_command),
        command("progress", progress_command),
        command("topics", topics_command),
    ]
