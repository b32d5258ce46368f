"""/dashboard: a one-time sign-in link to the bank keepers' web dashboard.

Only users in ADMIN_USER_IDS get a link, and only in a private chat (a group gets a button
to the private chat, never a link). The link is ``DASHBOARD_URL/login?token=…``: valid 10
minutes, usable once (see ``bot.dashboard.auth``). It is sent without a link preview, so
Telegram does not open (and use up) the link itself.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.ext import BaseHandler

from bot.config import ConfigError
from bot.dashboard.auth import LOGIN_TTL, SignIn, login_link
from bot.telegram import render
from bot.telegram.common import command, is_private, private_only, reply
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

REFUSED = "Sorry, /dashboard is for the people who keep the question bank."
NOT_SET_UP = (
    "The dashboard is not set up yet: set {missing} for the bot, restart it, and start the "
    "dashboard with <code>python -m bot dashboard</code>."
)


def missing_settings(context: BotContext) -> list[str]:
    settings = context.settings
    missing = [] if settings.dashboard_url else ["DASHBOARD_URL (its public address)"]
    try:
        settings.require_dashboard_secret()
    except ConfigError:
        missing.append("DASHBOARD_SECRET (32 or more random characters)")
    return missing


def link_message(url: str) -> str:
    minutes = int(LOGIN_TTL.total_seconds() // 60)
    return (
        f"🔐 <b>Dashboard sign-in</b>\n{render.escape(url)}\n\n"
        f"The link works once, for {minutes} minutes. Do not forward it: whoever opens it "
        "first is signed in as you."
    )


async def dashboard_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or user.id not in context.settings.admin_user_ids:
        await reply(update, REFUSED)
        return
    if not is_private(update):
        await private_only(update, context, "/dashboard", "dashboard")
        return
    missing = missing_settings(context)
    if missing:
        await reply(update, NOT_SET_UP.format(missing=" and ".join(missing)))
        return
    quiz = context.quiz
    issued = await SignIn(quiz.store, clock=quiz.clock).issue(user.id)
    base = context.settings.dashboard_url
    assert base is not None  # noqa: S101 - checked by missing_settings
    log.info("dashboard sign-in link issued to %s", user.id)
    await message.reply_text(
        link_message(login_link(base, issued.token)),
        do_quote=False,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [command("dashboard", dashboard_command)]
