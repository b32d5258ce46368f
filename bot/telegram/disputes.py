"""⚑ Report a question (a note for the bank keepers), /cancel, and the keepers' /disputes
(users in ADMIN_USER_IDS, private chats only: notes and names are never posted to a group)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.views import Status
from bot.telegram import callbacks as cb
from bot.telegram import render
from bot.telegram.common import (
    clean,
    command,
    edit,
    is_private,
    player_of,
    private_only,
    query_chat,
    reply,
    reply_rendered,
    toast,
)
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

PAGE = 10
NOTE_ASKED = (
    "⚑ What is wrong with this question? Send me one message: it goes to the people who keep "
    "the question bank."
)


def is_admin(context: BotContext, user_id: int) -> bool:
    return user_id in context.settings.admin_user_ids


async def dispute_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    chat_id = query_chat(query)
    question_id = None
    if isinstance(button, cb.DisputeButton) and chat_id is not None:
        question_id = await context.study.await_dispute(
            player_of(query.from_user), button.round_id, button.position
        )
    if question_id is None or chat_id is None:
        await toast(query, render.notice(Status.INVALID))
        return
    await toast(query)
    await context.bot.send_message(
        chat_id,
        NOTE_ASKED,
        reply_markup=render.keyboard([render.button("✖ Cancel", cb.CancelNoteButton())]),
    )


async def take_note(update: Update, context: BotContext) -> bool:
    """Store the message as the awaited ⚑ note; False if no note was awaited."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text:
        return False
    dispute_id = await context.study.take_dispute_text(player_of(user), clean(message.text))
    if dispute_id is None:
        return False
    await reply_rendered(
        update,
        await carry_on(
            context,
            update.effective_chat,
            f"Thank you: your note is saved (#{dispute_id}) for the bank keepers.",
        ),
    )
    return True


async def carry_on(context: BotContext, chat: Chat | None, text: str) -> render.Rendered:
    """``text`` with the way back: ▶ Continue to an open round, else a new quiz or the menu
    (in a private chat; a group gets the text alone)."""
    if chat is None or chat.type != Chat.PRIVATE:
        return text, None
    open_round = await context.quiz.open_round(chat.id)
    if open_round is not None:
        return text, render.keyboard(
            [render.button("▶ Continue", cb.ContinueButton(open_round.round_id))]
        )
    return text, render.keyboard(
        [render.QUIZ_BUTTON(), render.button("🏠 Menu", cb.ScreenButton(cb.Screen.MENU))]
    )


async def cancel_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    cancelled = await context.study.cancel_pending(user.id)
    text = "Cancelled: no note will be saved." if cancelled else "Nothing to cancel."
    await reply_rendered(update, await carry_on(context, update.effective_chat, text))


async def cancel_pressed(update: Update, context: BotContext) -> None:
    """✖ Cancel under the ⚑ prompt."""
    query = update.callback_query
    assert query is not None  # noqa: S101
    cancelled = await context.study.cancel_pending(query.from_user.id)
    await toast(query, "Cancelled." if cancelled else "Nothing to cancel.")
    text = "⚑ Cancelled: no note will be saved." if cancelled else "⚑ No note was waiting."
    await edit(query, *await carry_on(context, update.effective_chat, text))


async def disputes_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or not is_admin(context, user.id):
        await reply(update, "Sorry, /disputes is for the people who keep the question bank.")
        return
    if not is_private(update):
        await private_only(update, context, "/disputes", "disputes")
        return
    await show_disputes(update, context)


async def show_disputes(update: Update, context: BotContext, offset: int = 0) -> None:
    page = await context.study.open_disputes(PAGE, offset)
    await reply(update, *render.disputes_message(page, context.bank, PAGE))


async def disputes_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None  # noqa: S101
    button = cb.parse(query.data)
    if not is_admin(context, query.from_user.id) or query_chat(query) is None:
        log.warning("non-admin %s pressed a dispute button", query.from_user.id)
        await toast(query, "Only bank keepers can resolve disputes.")
        return
    offset = 0
    if isinstance(button, cb.ResolveButton):
        resolved = await context.study.resolve_dispute(button.dispute_id, query.from_user.id)
        await toast(query, f"#{button.dispute_id} resolved." if resolved else "Already resolved.")
        offset = button.offset
    elif isinstance(button, cb.DisputePageButton):
        await toast(query)
        offset = button.offset
    else:
        await toast(query, render.notice(Status.INVALID))
        return
    page = await context.study.open_disputes(PAGE, offset)
    if not page.disputes and page.total:  # the last entry of the last page was resolved
        page = await context.study.open_disputes(PAGE, max(0, page.total - PAGE))
    await edit(query, *render.disputes_message(page, context.bank, PAGE))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        command("cancel", cancel_command),
        command("disputes", disputes_command),
        CallbackQueryHandler(dispute_pressed, pattern=cb.matches(cb.DisputeButton)),
        CallbackQueryHandler(cancel_pressed, pattern=cb.matches(cb.CancelNoteButton)),
        CallbackQueryHandler(
            disputes_button, pattern=cb.matches(cb.ResolveButton, cb.DisputePageButton)
        ),
    ]
