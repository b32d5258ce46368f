"""Inline mode (switch it on with @BotFather's /setinline): share a question or your latest
challenge in any chat. Result ids and links carry short codes, never question ids (ids spell
out their answers)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import BaseHandler, InlineQueryHandler

from bot.engine.search import matching_questions
from bot.engine.social import Challenge
from bot.telegram import render
from bot.telegram.common import clean, deep_link, player_of
from bot.telegram.context import BotContext
from questions.model import Question

log = logging.getLogger(__name__)

MAX_RESULTS = 10
PERSONAL_CACHE = 10  # seconds: a challenge card is personal and changes after each quiz
SEARCH_CACHE = 300


async def question_card(context: BotContext, question: Question) -> InlineQueryResultArticle:
    code = await context.social.code_for(question)
    return InlineQueryResultArticle(
        id=f"q-{code}",
        title=render.shorten(question.question, 100),
        description=render.shorten(" · ".join(question.options), 120),
        input_message_content=InputTextMessageContent(render.shared_question_text(question)),
        reply_markup=render.keyboard(
            [render.url_button("✅ Answer in the bot", deep_link(context, f"q_{code}"))]
        ),
    )


def challenge_card(context: BotContext, challenge: Challenge) -> Any:
    token = challenge.token
    return InlineQueryResultArticle(
        id=f"ch-{token}",
        title=f"⚔️ Challenge: I got {challenge.score}/{challenge.total}",
        description="Send it: your friend plays the same questions",
        input_message_content=InputTextMessageContent(render.challenge_card_text(challenge)),
        reply_markup=render.keyboard(
            [render.url_button("⚔️ Take the challenge", deep_link(context, f"ch_{token}"))]
        ),
    )


async def inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    text = clean(query.query).strip()[:256]
    player = player_of(query.from_user)
    results: list[Any] = []
    personal = True
    if text.startswith("ch_"):
        token = text[3:]
        challenge = await context.social.challenge(token)
        if challenge is not None and challenge.owner.id == player.id:
            results.append(challenge_card(context, challenge))
    elif not text:
        latest = await context.social.latest_challenge(player.id)
        if latest is not None:
            results.append(challenge_card(context, latest))
        for question in context.quiz.rng.sample(context.bank.questions, 3):
            results.append(await question_card(context, question))
    else:
        personal = False
        for question in matching_questions(context.bank.questions, text, MAX_RESULTS):
            results.append(await question_card(context, question))
    await query.answer(
        results,
        cache_time=PERSONAL_CACHE if personal else SEARCH_CACHE,
        is_personal=personal,
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [InlineQueryHandler(inline_query)]
