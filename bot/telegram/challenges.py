"""Challenge a friend: the recap's ⚔️ button shares an inline card with a link
``t.me/<bot>?start=ch_<token>``; the friend plays the same questions in the same order, and
both get the head-to-head when the friend finishes. Shared questions: ``?start=q_<code>``."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.engine.views import AnswerOutcome, Player, Status
from bot.telegram import callbacks as cb
from bot.telegram import quiz, render
from bot.telegram.common import edit_markup, player_of, private_press, reply, toast
from bot.telegram.context import BotContext
from storage.models import RoundMode

log = logging.getLogger(__name__)

EXPIRED = "That challenge has expired, or its link is not complete. Here is the menu instead:"


async def open_challenge(update: Update, context: BotContext, token: str) -> bool:
    """``/start ch_<token>``; False (and a short note) when the link is not valid."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None  # noqa: S101, PT018
    challenge = await context.social.challenge(token)
    if challenge is None:
        await reply(update, EXPIRED)
        return False
    player = player_of(user)
    if challenge.owner.id == player.id:
        await reply(
            update,
            "That is your own challenge: send it to a friend with the ⚔️ button after a quiz.",
        )
        return True
    earlier = await context.social.previous_attempt(challenge, player)
    if earlier is not None:
        playing = await context.quiz.open_round(chat.id)
        if playing is not None and playing.round_id == earlier:
            await reply(
                update,
                f"You are playing this challenge (question {playing.number}/{playing.total}).",
                render.keyboard([render.button("▶ Continue", cb.ContinueButton(earlier))]),
            )
            return True
        await reply(update, "You took this challenge already. ⚔️ Ask for a new one!")
        return True
    await take(context, chat.id, player, token, replace=False)
    return True


async def take(
    context: BotContext, chat_id: int, player: Player, token: str, *, replace: bool
) -> None:
    challenge = await context.social.challenge(token)
    if challenge is None:
        await context.bot.send_message(chat_id, EXPIRED.split(". Here", maxsplit=1)[0] + ".")
        return
    started = await context.social.take_challenge(challenge, player, chat_id, replace=replace)
    if started.open_round is not None:
        text, markup = render.open_round_message(
            started.open_round, cb.ChallengeButton(token), "🆕 Take the challenge"
        )
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    if started.view is None:
        await context.bot.send_message(chat_id, "Those questions are gone from the bank, sorry.")
        return
    await context.bot.send_message(chat_id, render.challenge_intro(challenge))
    await quiz.send_question(context, chat_id, started.view)


async def take_pressed(update: Update, context: BotContext) -> None:
    press = await private_press(update, cb.ChallengeButton)
    if press is None:
        return
    await toast(press.query)
    await edit_markup(press.query, None)
    player = player_of(press.query.from_user)
    await take(context, press.chat_id, player, press.button.token, replace=True)


async def challenge_token(
    context: BotContext, outcome: AnswerOutcome, player: Player
) -> str | None:
    """A fresh challenge for the recap of a finished private quiz (None for other rounds)."""
    view = outcome.view
    if outcome.summary is None or view is None:
        return None
    if view.mode not in (RoundMode.QUIZ, RoundMode.RETRY):
        return None
    return await context.social.create_challenge(view.round_id, player)


async def report(context: BotContext, outcome: AnswerOutcome) -> None:
    """The friend finished a challenge: the head-to-head to both (not to a challenger who
    blocked the bot)."""
    view = outcome.view
    if outcome.status is not Status.OK or not outcome.round_finished or view is None:
        return
    if view.mode is not RoundMode.CHALLENGE:
        return
    await send_head_to_head(context, view.round_id)


async def send_head_to_head(context: BotContext, round_id: int) -> None:
    """A challenge round ended (finished, or stopped after an answer): the head-to-head to
    both, once."""
    result = await context.social.finished_attempt(round_id)
    if result is None:
        return
    text, markup = render.head_to_head_message(result), render.head_to_head_keyboard()
    await context.bot.send_message(result.friend.id, text, reply_markup=markup)
    if result.challenger_blocked:
        return
    try:
        await context.bot.send_message(result.challenger.id, text, reply_markup=markup)
    except Forbidden:
        await context.study.user_blocked_bot(result.challenger.id)
    except (BadRequest, NetworkError) as exc:
        log.info("could not tell the challenger %s: %s", result.challenger.id, exc)


async def open_shared_question(update: Update, context: BotContext, code: str) -> bool:
    """``/start q_<code>``: that question as a one-question round."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None  # noqa: S101, PT018
    if await context.social.question_for(code) is None:
        await reply(update, "That question link is not one I know. Here is the menu instead:")
        return False
    await ask_shared(context, chat.id, player_of(user), code, replace=False)
    return True


async def ask_shared(
    context: BotContext, chat_id: int, player: Player, code: str, *, replace: bool
) -> None:
    question = await context.social.question_for(code)
    if question is None:
        await context.bot.send_message(chat_id, "That question is gone from the bank, sorry.")
        return
    started = await context.social.share_single(question, player, chat_id, replace=replace)
    if started.open_round is not None:
        text, markup = render.open_round_message(
            started.open_round, cb.SharedQuestionButton(code), "🆕 Answer this one"
        )
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    if started.view is not None:
        await quiz.send_question(context, chat_id, started.view)


async def shared_pressed(update: Update, context: BotContext) -> None:
    """🆕 Answer this one: end the open round, ask the shared question."""
    press = await private_press(update, cb.SharedQuestionButton)
    if press is None:
        return
    await toast(press.query)
    await edit_markup(press.query, None)
    player = player_of(press.query.from_user)
    await ask_shared(context, press.chat_id, player, press.button.code, replace=True)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CallbackQueryHandler(take_pressed, pattern=cb.matches(cb.ChallengeButton)),
        CallbackQueryHandler(shared_pressed, pattern=cb.matches(cb.SharedQuestionButton)),
    ]
