"""The engine on a real temp database, with an injected clock and random generator."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.engine.quiz import QuizEngine, choose_questions, next_streak, option_order
from bot.engine.views import Player, Status
from questions.model import Bank
from storage.db import Store
from tests.conftest import FakeClock

ANN = Player(1, "Ann")
BEN = Player(2, "Ben")


@pytest.fixture
async def engine(tmp_path: Path, bank: Bank, clock: FakeClock) -> AsyncIterator[QuizEngine]:
    store = await Store.open(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    yield QuizEngine(bank, store, clock=clock, rng=random.Random(3))
    await store.close()


async def play(engine: QuizEngine, player: Player, size: int, right: bool) -> int:
    started = await engine.start_round(player.id, "private", player, size)
    view = started.view
    assert view is not None
    round_id = view.round_id
    while view is not None:
        index = view.correct_shown if right else (view.correct_shown + 1) % len(view.options)
        outcome = await engine.answer(view.round_id, view.position, index, player)
        assert outcome.status is Status.OK
        assert outcome.correct is right
        view = await engine.current(view.round_id)
    return round_id


def test_unseen_questions_come_first(bank: Bank) -> None:
    pool = bank.questions[:20]
    seen = {q.id for q in pool[:15]}
    chosen = choose_questions(pool, seen, 8, random.Random(1))
    assert {q.id for q in chosen[:5]} == {q.id for q in pool[15:]}
    assert len(chosen) == 8


def test_option_order_shuffles_but_keeps_true_false(bank: Bank) -> None:
    rng = random.Random(2)
    true_false = next(q for q in bank.questions if q.is_true_false)
    assert option_order(true_false, rng) == [0, 1]
    many = [option_order(q, rng) for q in bank.questions if len(q.options) == 4]
    assert any(order != [0, 1, 2, 3] for order in many)
    assert all(sorted(order) == [0, 1, 2, 3] for order in many)


def test_streak_counts_consecutive_utc_days(clock: FakeClock) -> None:
    today = clock.now.date()
    assert next_streak(0, 0, None, clock.now) == (1, 1)
    assert next_streak(3, 5, (today - timedelta(days=1)).isoformat(), clock.now) == (4, 5)
    assert next_streak(3, 3, today.isoformat(), clock.now) == (3, 3)
    assert next_streak(7, 7, (today - timedelta(days=2)).isoformat(), clock.now) == (1, 7)


async def test_round_grades_scores_and_summarises(engine: QuizEngine, clock: FakeClock) -> None:
    await play(engine, ANN, 3, right=True)
    round_id = await play(engine, BEN, 2, right=False)
    summary = await engine.summary(round_id)
    assert summary.lines[0].points == 0
    assert len(summary.missed) == 2
    board = await engine.board("all", BEN.id)
    assert [(e.name, e.points) for e in board.top] == [("Ann", 3), ("Ben", 0)]
    profile = await engine.profile(ANN)
    assert (profile.points, profile.answered, profile.streak_current) == (3, 3, 1)
    assert sum(t.answered for t in profile.topics) == 3
    assert await engine.store.reads.recount_mismatches() == []


async def test_second_round_prefers_unseen_and_streak_grows(
    engine: QuizEngine, clock: FakeClock
) -> None:
    first = await play(engine, ANN, 5, right=True)
    clock.advance(days=1)
    second = await play(engine, ANN, 5, right=True)
    firsts = {rq.question_id for rq in await engine.store.reads.round_questions(first)}
    seconds = {rq.question_id for rq in await engine.store.reads.round_questions(second)}
    assert not firsts & seconds
    profile = await engine.profile(ANN)
    assert (profile.streak_current, profile.streak_best) == (2, 2)
    clock.advance(days=3)
    assert (await engine.profile(ANN)).streak_current == 0


async def test_statuses_for_bad_answers(engine: QuizEngine) -> None:
    started = await engine.start_round(ANN.id, "private", ANN, 2)
    view = started.view
    assert view is not None
    rid = view.round_id
    assert (await engine.answer(rid, 0, 0, BEN)).status is Status.NOT_YOURS
    assert (await engine.answer(rid + 99, 0, 0, ANN)).status is Status.UNKNOWN_ROUND
    assert (await engine.answer(rid, 0, 9, ANN)).status is Status.INVALID
    assert (await engine.answer(rid, 1, 0, ANN)).status is Status.STALE
    assert (await engine.answer(rid, 0, 0, ANN)).status is Status.OK
    assert (await engine.answer(rid, 0, 1, ANN)).status is Status.ALREADY_ANSWERED
    resumed = await engine.start_round(ANN.id, "private", ANN, 5)
    assert resumed.resumed
    assert resumed.view is not None
    assert resumed.view.position == 1
    assert await engine.stop_round(rid) is not None
    assert (await engine.answer(rid, 1, 0, ANN)).status is Status.ROUND_OVER


async def test_weekly_board_starts_fresh_each_iso_week(
    engine: QuizEngine, clock: FakeClock
) -> None:
    await play(engine, ANN, 2, right=True)
    assert [e.points for e in (await engine.board("week", ANN.id)).top] == [2]
    clock.now = clock.now + timedelta(days=(7 - clock.now.weekday()))  # next Monday 12:00
    await play(engine, BEN, 1, right=True)
    week = await engine.board("week", ANN.id)
    assert [(e.name, e.points) for e in week.top] == [("Ben", 1)]
    assert week.me is None  # Ann has not played this week
    assert [e.points for e in (await engine.board("all", ANN.id)).top] == [2, 1]


async def test_question_removed_from_bank_is_skipped_and_old_answers_kept(
    tmp_path: Path, engine: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    started = await engine.start_round(ANN.id, "private", ANN, 3)
    assert started.view is not None
    view = started.view
    await engine.answer(view.round_id, 0, view.correct_shown, ANN)
    rqs = await engine.store.reads.round_questions(view.round_id)
    removed = {rqs[0].question_id, rqs[1].question_id}
    smaller = Bank(bank.article, tuple(q for q in bank.questions if q.id not in removed))
    engine2 = QuizEngine(smaller, engine.store, clock=clock, rng=random.Random(1))
    current = await engine2.current(view.round_id)
    assert current is not None
    assert current.position == 2  # position 1 was removed: skipped
    profile = await engine2.profile(ANN)
    assert profile.points == 1  # the old answer still counts
    fresh = await engine2.start_round(BEN.id, "private", BEN, 50)
    assert fresh.view is not None
    ids = {rq.question_id for rq in await engine2.store.reads.round_questions(fresh.view.round_id)}
    assert not ids & removed


async def test_every_answer_becomes_a_card_due_later(engine: QuizEngine, clock: FakeClock) -> None:
    await play(engine, ANN, 2, right=False)
    cards = await engine.store.reads.user_cards(ANN.id)
    assert len(cards) == 2
    assert all(not c.last_correct and c.due > clock.now for c in cards)
    assert await engine.store.reads.count_due(ANN.id, clock.now) == 0
    assert await engine.store.reads.count_due(ANN.id, clock.now + timedelta(hours=1)) == 2
