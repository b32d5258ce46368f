"""Answer throughput: the full path against the framework ceiling, over the same instant
request class, in the same run.

- **Ceiling**: a bare PTB handler that answers the callback and edits the message with a real
  feedback text and keyboard. Each update starts as the JSON dict Telegram sends and is turned
  into an ``Update`` and handed to ``Application.process_update`` (what PTB's own Updater
  and a bare bot do with every update).
- **Full path**: the same dicts through the production path: stored in the inbox (as the
  poller or the webhook stores them), leased per chat by the scheduler, through the bot's
  handlers, graded and committed by the engine, then the toast and the feedback edit (which
  go out only after the commit).

The two alternate a few times; the row gives the median of each and of their ratio, because
on a shared machine both drift together.
"""

from __future__ import annotations

import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.common import Row, Stopwatch
from bench.harness import ROUND, answer_taps, open_rounds, running_bot
from bot.engine.views import AnswerOutcome, QuestionView, Score, Status
from bot.telegram import render
from bot.testing.fakeapi import TOKEN
from bot.testing.instant import InstantRequest
from questions.loader import load_default_bank

TARGET = 0.25


def typical_feedback() -> render.Rendered:
    """A real feedback message: the text and keyboard the full path sends."""
    question = load_default_bank().questions[0]
    view = QuestionView(1, 0, ROUND, question, tuple(range(len(question.options))))
    outcome = AnswerOutcome(
        Status.OK,
        view=view,
        chosen=question.answer,
        correct=True,
        next_position=1,
        score=Score(1, 1),
        points=1,
    )
    return render.feedback_message(outcome, datetime.now(UTC))


async def ceiling(updates: list[dict[str, Any]]) -> float:
    """Updates per second through a bare handler (answer + edit) over instant requests."""
    text, markup = typical_feedback()

    async def bare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None  # noqa: S101
        await query.answer("✅ Correct!")
        await query.edit_message_text(text, reply_markup=markup)

    request = InstantRequest()
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .updater(None)
        .request(request)
        .get_updates_request(InstantRequest())
        .build()
    )
    app.add_handler(CallbackQueryHandler(bare))
    await app.initialize()
    with Stopwatch() as watch:
        for data in updates:
            await app.process_update(Update.de_json(data, app.bot))
    await app.shutdown()
    assert request.calls["editMessageText"] == len(updates)  # noqa: S101
    return len(updates) / watch.seconds


async def full_path(db_url: str, users: int) -> tuple[float, list[dict[str, Any]], list[str]]:
    """Answers per second through the production path; the updates; board problems."""
    async with running_bot(db_url) as bot:
        updates = answer_taps(await open_rounds(bot.quiz, range(1, users + 1)))
        bot.finish.expected = len(updates)
        with Stopwatch() as watch:
            await bot.feed(updates)
            await bot.finish.done.wait()
        problems = await bot.quiz.consistency_problems()
    return len(updates) / watch.seconds, updates, problems


async def answer_throughput(users: int, repeats: int) -> Row:
    fulls, ceilings, ratios = [], [], []
    problems: list[str] = []
    updates: list[dict[str, Any]] = []
    for attempt in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / f'throughput{attempt}.sqlite3'}"
            full, updates, found = await full_path(url, users)
        problems += found
        bare = await ceiling(updates)
        fulls.append(full)
        ceilings.append(bare)
        ratios.append(full / bare)
    ratio = statistics.median(ratios)
    return Row(
        f"Answer throughput, SQLite ({len(updates):,} answers by {users:,} players, "
        f"median of {repeats})",
        f"{statistics.median(fulls):,.0f} answers/s full path (inbox → commit → toast + edit)"
        + (f"; {len(problems)} board problems" if problems else ""),
        f"{statistics.median(ceilings):,.0f} updates/s bare PTB handler (same requests)",
        ratio,
        f"≥ {TARGET}",
        ratio >= TARGET and not problems,
    )
