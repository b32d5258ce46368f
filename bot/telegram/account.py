"""/forget: after a confirmation, delete every row about the user."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.views import Status
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import command, edit, is_private, private_only, reply, toast
from bot.telegram.context import BotContext

CONFIRM = (
    "This deletes your answers, points, review cards, reminder and daily goal; your notes to "
    "the bank keepers stay, without your name. Your points leave every scoreboard. It cannot "
    "be undone."
)


async def forget_command(update: Update, context: BotContext) -> None:
    if not is_private(update):
        await private_only(update, context, "/forget", "forget")
        return
    await ask_to_forget(update, context)


async def ask_to_forget(update: Update, context: BotContext) -> None:
    """The confirmation (also the ``forget`` deep link from a group's private-chat button)."""
    await reply(
        update,
        CONFIRM,
        render.keyboard(
            [
                render.button("🗑 Yes, delete everything", cb.ForgetButton(confirm=True)),
                render.button("Keep my data", cb.ForgetButton(confirm=False)),
            ]
        ),
    )


async def forget_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    if not isinstance(button, cb.ForgetButton) or not is_private(update):
        await toast(query, render.notice(Status.INVALID))
        return
    if not button.confirm:
        await toast(query, "Nothing deleted.")
        await edit(
            query,
            "Nothing was deleted.",
            render.keyboard([render.button("🏠 Menu", cb.ScreenButton(cb.Screen.MENU))]),
        )
        return
    forgotten = await context.study.forget(query.from_user.id)
    await toast(query, "Deleted." if forgotten else "Nothing was stored.")
    await edit(
        query,
        "🗑 Done: everything I stored about you is deleted. Nothing is stored again until you play."
        if forgotten
        else "Nothing is stored about you: there was nothing to delete.",
        render.keyboard([render.QUIZ_BUTTON()]),
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("forget", forget_command),
        CallbackQueryHandler(forget_pressed, pattern=cb.matches(cb.ForgetButton)),
    ]
