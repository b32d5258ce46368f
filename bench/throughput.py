"""Answer throughput and latency through the real PTB Application with an offline request."""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler

from bench.app import start_bot, stop_bot
from bench.common import Row, Stopwatch, percentile
from bot.engine.quiz import QuizEngine
from bot.engine.views import AnswerOutcome, Player, QuestionView, Status
from bot.telegram import render
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.services import services_of
from questions.loader import load_default_bank
from tests import factories as f
from tests.fakeapi import TOKEN, FakeBotApi, OfflineRequest

ROUND = 10
CONCURRENCY = 64  # build_application default


def _offline(api: FakeBotApi) -> tuple[OfflineRequest, OfflineRequest]:
    return OfflineRequest(api), OfflineRequest(api)


def _typical_feedback() -> tuple[str, Any]:
    """A real feedback message (same text size and keyboard as the full path sends)."""
    bank = load_default_bank()
    question = bank.questions[0]
    view = QuestionView(1, 0, ROUND, question, tuple(range(len(question.options))))
    outcome = AnswerOutcome(
        Status.OK, view=view, chosen=question.answer, correct=True, next_position=1
    )
    return render.feedback_message(outcome)


async def _bare_app(api: FakeBotApi, concurrency: int) -> Application:  # type: ignore[type-arg]
    """The framework ceiling: a handler that only answers the callback and edits the message."""

    text, markup = _typical_feedback()

    async def bare(update: Update, context: Any) -> None:
        query = update.callback_query
        assert query is not None  # noqa: S101
        await query.answer("✅ Correct!")
        await query.edit_message_text(text, reply_markup=markup)

    requests = _offline(api)
    builder = ApplicationBuilder().token(TOKEN).request(requests[0])
    builder = builder.get_updates_request(requests[1])
    if concurrency > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrency))
    app = builder.build()
    app.add_handler(CallbackQueryHandler(bare, pattern=r"^quiz:"))
    await app.initialize()
    return app


async def _full_app(api: FakeBotApi, db: Path) -> Application:  # type: ignore[type-arg]
    return await start_bot(api, db, concurrency=CONCURRENCY)


async def _prepare_rounds(engine: QuizEngine, users: int) -> dict[int, tuple[int, list[int]]]:
    """Every user gets an open round; return user -> (round id, correct shown index per q)."""
    rounds = {}
    for uid in range(1, users + 1):
        player = Player(uid, f"user{uid}")
        started = await engine.start_round(uid, "private", player, ROUND)
        assert started.view is not None  # noqa: S101
        rqs = await engine.store.reads.round_questions(started.view.round_id)
        correct = []
        for rq in rqs:
            question = engine.bank.get(rq.question_id)
            assert question is not None  # noqa: S101
            correct.append(rq.option_order.index(question.answer))
        rounds[uid] = (started.view.round_id, correct)
    return rounds


def _updates(rounds: dict[int, tuple[int, list[int]]], total: int) -> list[dict[str, Any]]:
    rng = random.Random(2)
    updates: list[dict[str, Any]] = []
    for position in range(ROUND):
        for uid, (round_id, correct) in rounds.items():
            shown = correct[position] if rng.random() < 0.7 else (correct[position] + 1) % 2
            cb = f.callback(
                f.user(uid, f"user{uid}"), f"quiz:a:{round_id}:{position}:{shown}", 100 + position
            )
            updates.append({"update_id": len(updates) + 1, **cb})
            if len(updates) >= total:
                return updates
    return updates


async def _drive(
    app: Application,  # type: ignore[type-arg]
    api: FakeBotApi,
    updates: list[dict[str, Any]],
) -> float:
    """Feed every update through the running Application (its update queue and processor, as
    in production) and time until the last feedback edit has been sent."""
    objects = [Update.de_json(u, app.bot) for u in updates]
    done = asyncio.Event()
    edits = 0
    original = api.respond

    async def counting(method: str, fields: dict[str, str]) -> Any:
        nonlocal edits
        result = await original(method, fields)
        if method == "editMessageText":
            edits += 1
            if edits >= len(objects):
                done.set()
        return result

    api.respond = counting  # type: ignore[method-assign]
    await app.start()
    with Stopwatch() as watch:
        for update in objects:
            app.update_queue.put_nowait(update)
        await asyncio.wait_for(done.wait(), 600)
    await app.stop()
    api.respond = original  # type: ignore[method-assign]
    return len(objects) / watch.seconds


async def answer_throughput(users: int, total: int) -> tuple[Row, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        api = FakeBotApi()
        full = await _full_app(api, Path(tmp) / "bench.sqlite3")
        engine = services_of(full).quiz
        rounds = await _prepare_rounds(engine, users)
        updates = _updates(rounds, total)
        bare_rates = []
        for concurrency in (1, CONCURRENCY):  # the ceiling: the better of both modes
            bare_api = FakeBotApi()
            bare = await _bare_app(bare_api, concurrency)
            bare_rates.append(await _drive(bare, bare_api, updates))
            await bare.shutdown()
        bare_rate = max(bare_rates)
        full_rate = await _drive(full, api, updates)
        acks = sum(
            1
            for c in api.calls
            if c.method == "answerCallbackQuery"
            and c.get("text") in ("✅ Correct!", "❌ Not quite")
        )
        mismatches = await engine.store.reads.recount_mismatches()
        await stop_bot(full)
    ratio = full_rate / bare_rate
    row = Row(
        f"Answer throughput ({len(updates):,} callbacks, {users:,} users)",
        f"{full_rate:,.0f} updates/s full path",
        f"{bare_rate:,.0f} updates/s bare PTB handler",
        ratio,
        "≥ 0.5",
        ratio >= 0.5,
    )
    return row, {"acks": acks, "updates": len(updates), "mismatches": mismatches}


async def latency_under_load(users: int, rate: float, seconds: float) -> Row:
    """Offer ``rate`` answers/s to a running Application; time update-in to feedback-out."""
    with tempfile.TemporaryDirectory() as tmp:
        api = FakeBotApi()
        app = await _full_app(api, Path(tmp) / "latency.sqlite3")
        engine = services_of(app).quiz
        rounds = await _prepare_rounds(engine, users)
        total = int(rate * seconds)
        updates = [Update.de_json(u, app.bot) for u in _updates(rounds, total)]
        sent_at: dict[tuple[int, int], float] = {}
        latencies: list[float] = []
        all_answered = asyncio.Event()
        original = api.respond

        async def timed_respond(method: str, fields: dict[str, str]) -> Any:
            result = await original(method, fields)
            if method == "editMessageText":
                key = (int(fields["chat_id"]), int(fields["message_id"]))
                start = sent_at.pop(key, None)
                if start is not None:
                    latencies.append(time.perf_counter() - start)
                if len(latencies) >= total:
                    all_answered.set()
            return result

        api.respond = timed_respond  # type: ignore[method-assign]
        await app.start()
        interval = 1 / rate
        begin = time.perf_counter()
        for index, update in enumerate(updates):
            due = begin + index * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            query = update.callback_query
            assert query is not None and query.message is not None  # noqa: S101, PT018
            sent_at[(query.message.chat.id, query.message.message_id)] = time.perf_counter()
            await app.update_queue.put(update)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_answered.wait(), 60)
        offered = len(updates) / (time.perf_counter() - begin)
        await stop_bot(app)
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    return Row(
        f"Latency at {rate:,.0f} answers/s offered ({len(updates):,} answers)",
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        f"{offered:,.0f}/s achieved offer; {len(latencies):,} answered",
        None,
        "report",
        None,
    )
