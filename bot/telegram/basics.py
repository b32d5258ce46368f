"""/start (with its menu and deep links), /help, the menu's screens and the command menus."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.views import RoundRequest, Status
from bot.telegram import (
    account,
    challenges,
    dashboard,
    disputes,
    quiz,
    reading,
    reminders,
    render,
    scores,
    study,
)
from bot.telegram import callbacks as cb
from bot.telegram.common import (
    command,
    deep_link,
    is_private,
    player_of,
    query_chat,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = (
    ("start", "Menu: quiz, review, read, stats"),
    ("quiz", "Start a quiz: /quiz [topic] [n]"),
    ("review", "Review the questions that are due"),
    ("read", "Read the article: /read [paragraph]"),
    ("search", "Find paragraphs: /search words"),
    ("progress", "Your mastery map of the article"),
    ("topics", "Topics and your accuracy"),
    ("me", "Your points, streak, goal and rank"),
    ("top", "Scoreboard: /top [week|all]"),
    ("stop", "Stop the current quiz"),
    ("remind", "Daily reminder: /remind 8am Europe/Kyiv"),
    ("goal", "Daily goal: /goal 10"),
    ("forget", "Delete all your data"),
    ("help", "How to play"),
)
GROUP_COMMANDS = (
    ("quiz", "Start a quiz here: /quiz [topic] [n] [Ns]"),
    ("stop", "Stop the quiz (its starter or an admin)"),
    ("daily", "A daily quiz: /daily 09:00 Europe/Kyiv 5 20s"),
    ("top", "This chat’s scoreboard: /top [week]"),
    ("me", "Your points and rank here"),
    ("read", "Read a paragraph: /read N"),
    ("help", "How to play"),
)
DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def set_commands(bot: Any) -> None:
    """The command menus: everything in private chats, only what works in groups."""
    try:
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in PRIVATE_COMMANDS], scope=BotCommandScopeAllPrivateChats()
        )
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in GROUP_COMMANDS], scope=BotCommandScopeAllGroupChats()
        )
    except TelegramError as exc:  # non-essential: the bot works without the menus
        log.warning("setMyCommands failed, carrying on: %s", exc)


async def start_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        await reply(
            update,
            "👋 I run quizzes on one article here: /quiz 5 20s starts five polls of 20 seconds. "
            "/help lists the rest.",
            render.keyboard(
                [render.url_button("💬 Open private chat", deep_link(context, "menu"))]
            ),
        )
        return
    payload = (context.args or [""])[0]
    if payload and DEEP_LINK.fullmatch(payload) and await open_deep_link(update, context, payload):
        return
    await show_menu(update, context)


async def show_menu(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    profile = await context.quiz.profile(player_of(user))
    await reply_rendered(
        update,
        render.start_message(
            user.first_name or "there",
            len(context.bank),
            context.bank.article.body_count,
            profile.due,
            profile.activity,
        ),
    )


async def open_deep_link(update: Update, context: BotContext, payload: str) -> bool:
    """``/start quiz``, ``review``, ``read_N``, a screen of :data:`LINKED_SCREENS` (the
    private-chat buttons groups get link here), ``ch_…`` and ``q_…``. True when the link
    opened something; unknown links fall back to the menu."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # noqa: S101, PT018
    screen = LINKED_SCREENS.get(payload)
    if screen is not None:
        await screen(update, context)
    elif payload == "quiz":
        await quiz.start_private(context, chat.id, player_of(user), RoundRequest())
    elif payload == "review":
        await quiz.start_review(context, chat.id, player_of(user))
    elif (m := re.fullmatch(r"read_(\d{1,3})", payload)) and 1 <= int(m[1]) <= (
        context.bank.article.citable.stop - 1
    ):
        await reading.show_paragraph(update, context, int(m[1]))
    elif payload.startswith("ch_"):
        return await challenges.open_challenge(update, context, payload[3:])
    elif payload.startswith("q_"):
        return await challenges.open_shared_question(update, context, payload[2:])
    else:
        await reply(update, "That link is not one I know (or it expired). Here is the menu:")
        return False
    return True


async def help_command(update: Update, context: BotContext) -> None:
    await show_help(update, context)


async def show_help(update: Update, context: BotContext) -> None:
    questions, paragraphs = len(context.bank), context.bank.article.body_count
    if is_private(update):
        await reply_rendered(update, render.help_message(questions, paragraphs))
    else:
        link = deep_link(context, "menu")
        await reply_rendered(update, render.group_help_message(questions, paragraphs, link))


Screen = Callable[[Update, BotContext], Awaitable[None]]
LINKED_SCREENS: dict[str, Screen] = {
    "menu": show_menu,
    "progress": study.show_progress,
    "me": scores.show_me,
    "top": scores.show_top,
    "goal": scores.show_goal,
    "remind": reminders.show_reminder,
    "forget": account.ask_to_forget,
    "disputes": disputes.disputes_command,
    "dashboard": dashboard.dashboard_command,
    "help": show_help,
}


async def screen_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    if not isinstance(button, cb.ScreenButton) or query_chat(query) is None:
        await toast(query, render.notice(Status.INVALID))
        return
    await toast(query)
    screens = {
        cb.Screen.MENU: show_menu,
        cb.Screen.ME: scores.show_me,
        cb.Screen.TOP: scores.show_top,
        cb.Screen.TOP_WEEK: scores.show_week,
        cb.Screen.HELP: show_help,
        cb.Screen.PROGRESS: study.show_progress,
        cb.Screen.TOPICS: study.show_topics,
    }
    if button.screen == cb.Screen.READ:
        await reading.show_paragraph(update, context, 1)
        return
    await screens[button.screen](update, context)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button whose data is none of ours (forged, or from an old version)."""
    query = update.callback_query
    if query is not None:
        log.info("ignored unknown callback data %r", (query.data or "")[:64])
        await toast(query, render.notice(Status.INVALID))


async def unknown_command(update: Update, context: BotContext) -> None:
    if is_private(update):
        await reply(update, "I don’t know that command. /help lists what I understand.")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("start", start_command),
        command("help", help_command),
        CallbackQueryHandler(screen_pressed, pattern=cb.matches(cb.ScreenButton)),
    ]
