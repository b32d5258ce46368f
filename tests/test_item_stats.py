"""Item statistics (questions.stats) against values computed by hand on a small fixture, and
the answer rows they are computed from, read by storage.analytics on both backends."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.engine import QuizEngine, StudyEngine
from bot.engine.views import Player, RoundRequest
from questions.__main__ import main as questions_main
from questions.answered import print_stats
from questions.model import Article, Bank, Question
from questions.stats import (
    METHOD,
    Flag,
    ItemStats,
    analyse,
    discrimination,
    group_size,
    report,
    total_scores,
)
from storage import analytics
from storage.db import Store
from storage.models import ChatKind
from tests.conftest import FakeClock

ARTICLE = Article.from_text("First paragraph.\n\nSecond paragraph.\n\nThird paragraph.")


def question(qid: str, options: int, answer: int, paragraph: int = 1) -> Question:
    return Question(
        id=qid,
        paragraphs=(paragraph,),
        topic="people",
        difficulty=2,
        question=f"Question {qid}?",
        options=tuple(f"{qid} option {i}" for i in range(options)),
        answer=answer,
        explanation="Because.",
        quote="paragraph",
    )


BANK = Bank(
    ARTICLE,
    (
        question("qa", 4, 0),
        question("qb", 2, 0),
        question("qc", 4, 2, 2),
        question("qd", 4, 1, 2),
        question("qe", 4, 3, 3),  # never answered
    ),
)


@dataclass(frozen=True)
class R:
    question_id: str
    user_id: int
    chosen: int
    correct: bool
    elapsed_ms: int


def answers(qid: str, right_option: int, rows: list[tuple[int, int, int]]) -> list[R]:
    return [R(qid, user, chosen, chosen == right_option, ms) for user, chosen, ms in rows]


def fixture() -> list[R]:
    """Players 1-8 answered a removed question 20 times each, right 20, 18, 15, 13, 7, 5, 2
    and 0 times: whatever they do on qa and qb (two answers, three for player 1), players 1
    and 2 are the upper 27 % (2 of 8) and players 7 and 8 the lower 27 %."""
    rows: list[R] = []
    for user, right in zip(range(1, 9), (20, 18, 15, 13, 7, 5, 2, 0), strict=True):
        rows += [R("removed", user, 0, i < right, 500) for i in range(20)]
    # qa: 1, 2, 4, 7 right; picks A4 B3 C1 D0; times 1..8 s.
    rows += answers(
        "qa",
        0,
        [
            (1, 0, 1000),
            (2, 0, 2000),
            (3, 1, 3000),
            (4, 0, 4000),
            (5, 1, 5000),
            (6, 2, 6000),
            (7, 0, 7000),
            (8, 1, 8000),
        ],
    )
    # qb: the upper group wrong, the lower group right; player 1 answered twice (wrong, then
    # right in a review).
    rows += answers(
        "qb",
        0,
        [
            (1, 1, 1000),
            (1, 0, 3000),
            (2, 1, 2000),
            (3, 0, 4000),
            (4, 0, 5000),
            (5, 0, 6000),
            (6, 0, 7000),
            (7, 0, 8000),
            (8, 0, 9001),
        ],
    )
    # qc: three players, all right.
    rows += answers("qc", 2, [(1, 2, 1000), (2, 2, 1001), (3, 2, 1004)])
    # qd: 40 new players (ids 100-139), each one answer: 32 chose A (wrong), 8 chose B.
    rows += answers("qd", 1, [(100 + i, 0 if i < 32 else 1, 2000) for i in range(40)])
    return rows


@pytest.fixture(scope="module")
def items() -> dict[str, ItemStats]:
    return {s.id: s for s in analyse(BANK, fixture(), {"qa": 2})}


def test_counts_p_values_and_median_times(items: dict[str, ItemStats]) -> None:
    qa, qb, qc, qd, qe = (items[k] for k in ("qa", "qb", "qc", "qd", "qe"))
    assert (qa.answers, qa.correct, qa.players, qa.p_value) == (8, 4, 8, 0.5)
    assert (qb.answers, qb.correct, qb.players) == (9, 7, 8)
    assert qb.p_value == pytest.approx(7 / 9)
    assert (qc.p_value, qd.p_value) == (1.0, 0.2)
    assert qa.median_ms == 4500  # the mean of the middle two of eight: 4000 and 5000
    assert qb.median_ms == 5000  # the middle of nine
    assert qc.median_ms == 1001
    assert (qe.answers, qe.p_value, qe.median_ms, qe.discrimination) == (0, None, None, None)


def test_picks_and_the_least_picked_distractor(items: dict[str, ItemStats]) -> None:
    qa, qb, qc, qd, qe = (items[k] for k in ("qa", "qb", "qc", "qd", "qe"))
    assert qa.picks == (4, 3, 1, 0)
    assert (qa.least_picked, qa.least_picked_share) == (3, 0.0)
    assert qb.picks == (7, 2)
    assert qb.least_picked == 1 and qb.least_picked_share == pytest.approx(2 / 9)
    # qc: every distractor has 0 picks; the first of them (A) is reported.
    assert (qc.least_picked, qc.least_picked_share) == (0, 0.0)
    assert qd.picks == (32, 8, 0, 0) and qd.least_picked == 2
    assert qd.pick_share(0) == 0.8
    assert (qe.least_picked, qe.least_picked_share) == (None, None)


def test_discrimination_upper_minus_lower_27_percent(items: dict[str, ItemStats]) -> None:
    # qa: upper (players 1, 2) right, right; lower (7, 8) right, wrong: 1 - 0.5.
    assert items["qa"].discrimination == pytest.approx(0.5)
    # qb: player 1 is 1/2 right on it, player 2 wrong; players 7 and 8 right: 0.25 - 1.
    assert items["qb"].discrimination == pytest.approx(-0.75)
    # qc: 3 players, fewer than MIN_PLAYERS (4).
    assert items["qc"].discrimination is None
    # qd: 40 players, groups of 11. Ranked by total score (their one answer), the lower 11
    # are all wrong; the upper 11 are the 8 right ones and 3 wrong ones: 8/11 - 0.
    assert group_size(40) == 11
    assert items["qd"].discrimination == pytest.approx(8 / 11)


def test_total_scores_count_answers_to_removed_questions() -> None:
    totals = total_scores(fixture())
    # player 1: removed 20/20, qa 1/1, qb 1/2, qc 1/1: 23 of 24
    assert totals[1] == pytest.approx(23 / 24)
    assert totals[8] == pytest.approx(1 / 22)  # removed 0/20, qa 0/1, qb 1/1
    assert totals[100] == 0.0 and totals[139] == 1.0


def test_group_sizes_and_the_minimum_number_of_players() -> None:
    assert [group_size(n) for n in (1, 4, 5, 8, 10, 100)] == [1, 1, 1, 2, 3, 27]
    totals = {1: 0.1, 2: 0.2, 3: 0.3, 4: 0.4}
    assert discrimination({1: 0, 2: 1, 3: 1}, totals) is None
    assert discrimination({1: 0, 2: 1, 3: 1, 4: 1}, totals) == 1.0
    assert discrimination({1: 1, 2: 1, 3: 1, 4: 0}, totals) == -1.0
    # Equal totals: the higher user id ranks higher (reproducible).
    assert discrimination({1: 1, 2: 0, 3: 0, 4: 0}, dict.fromkeys(totals, 0.5)) == -1.0


def test_flags(items: dict[str, ItemStats]) -> None:
    assert items["qa"].flags == (Flag.DISPUTED,)  # 2 open disputes; D is +0.5
    assert items["qb"].flags == (Flag.NEGATIVE,)
    assert items["qc"].flags == (Flag.TOO_EASY,)  # 3/3 right; unpicked, but < 30 answers
    assert items["qd"].flags == (Flag.TOO_HARD, Flag.UNPICKED)  # 0.2 right, 40 answers
    assert items["qe"].flags == ()


def test_flag_thresholds_are_strict() -> None:
    q = BANK.get("qa")
    assert q is not None

    def stats(answers: int, correct: int, picks: tuple[int, ...], d: float | None) -> ItemStats:
        return ItemStats(q, answers, correct, answers, picks, 1000, d, 0)

    assert stats(20, 19, (19, 1, 0, 0), 0.0).flags == ()  # exactly 95 %, D 0, < 30 answers
    assert stats(20, 5, (5, 5, 5, 5), None).flags == ()  # exactly 25 %
    assert stats(30, 29, (29, 1, 0, 0), 0.1).flags == (Flag.TOO_EASY, Flag.UNPICKED)


def test_report_lists_every_question_then_the_flagged_ones(
    items: dict[str, ItemStats],
) -> None:
    text = report(list(items.values()))
    lines = text.splitlines()
    assert lines[0].split() == [
        "id", "¶", "topic", "diff", "answers", "right", "p", "D", "median", "least", "disp",
    ]  # fmt: skip
    qa = next(line for line in lines if line.startswith("qa "))
    assert qa.split() == ["qa", "1", "people", "2", "8", "4", "0.50", "+0.50", "4.5s", "0%", "2"]
    assert "qb: negative discrimination" in text
    assert "qd: too hard (< 25% right); a distractor nobody picks (≥ 30 answers)" in text
    assert METHOD in text


# the rows, from the real engine, on both backends --------------------------------------------


async def play(
    quiz: QuizEngine, player: Player, ids: list[str], right: list[bool], clock: FakeClock
) -> int:
    """One private round of ``ids``, answering right or wrong, 3 s per question; returns the
    round's id."""
    start = await quiz.start_round(
        player.id, ChatKind.PRIVATE, player, RoundRequest(question_ids=ids), replace=True
    )
    view = start.view
    assert view is not None
    round_id = view.round_id
    for good in right:
        assert view is not None
        await quiz.mark_shown(view, 100 + view.position)
        clock.advance(seconds=3)
        wrong = next(i for i in range(len(view.options)) if i != view.correct_shown)
        outcome = await quiz.answer(
            view.round_id, view.position, view.correct_shown if good else wrong, player
        )
        assert outcome.view is not None
        if outcome.next_position is None:
            break
        _, view = await quiz.claim_next(view.round_id, outcome.next_position, player)
    return round_id


async def test_answer_rows_and_daily_counts_on_both_backends(any_db: str, bank: Bank) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    store = await Store.open(any_db)
    try:
        quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(3))
        study = StudyEngine(quiz)
        ids = [q.id for q in bank.questions[:3]]
        await play(quiz, Player(1, "Ann"), ids, [True, False, True], clock)
        clock.advance(days=1)
        await play(quiz, Player(2, "Ben"), ids, [False, False, True], clock)
        open_round = await quiz.start_round(
            2, ChatKind.PRIVATE, Player(2, "Ben"), RoundRequest(question_ids=ids[:1]), replace=True
        )
        assert open_round.view is not None
        assert await study.await_dispute(Player(2, "Ben"), open_round.view.round_id, 0) == ids[0]
        await study.take_dispute_text(Player(2, "Ben"), "<i>wrong</i>")

        rows = await store.read(analytics.answer_rows)
        assert [(r.question_id, r.user_id, r.correct, r.elapsed_ms) for r in rows] == [
            (ids[0], 1, True, 3000),
            (ids[1], 1, False, 3000),
            (ids[2], 1, True, 3000),
            (ids[0], 2, False, 3000),
            (ids[1], 2, False, 3000),
            (ids[2], 2, True, 3000),
        ]
        for r in rows:  # chosen is the bank's option index
            assert (r.chosen == bank.questions[ids.index(r.question_id)].answer) == r.correct
        assert await store.read(analytics.open_dispute_counts) == {ids[0]: 1}
        [dispute] = await store.read(lambda q: analytics.question_disputes(q, ids[0]))
        assert (dispute.user_name, dispute.text, dispute.resolved_at) == (
            "Ben",
            "<i>wrong</i>",
            None,
        )

        first = date(2026, 11, 24)
        days = [first + timedelta(days=i) for i in range(3)]
        start = datetime.combine(first, time(), tzinfo=UTC)
        counts = await store.read(lambda q: analytics.answers_per_day(q, days, start))
        assert [(c.day, c.answers, c.correct) for c in counts] == [
            (date(2026, 11, 24), 0, 0),
            (date(2026, 11, 25), 3, 2),
            (date(2026, 11, 26), 3, 1),
        ]
        totals = await store.read(
            lambda q: analytics.totals(q, datetime(2026, 11, 26, tzinfo=UTC))
        )
        assert (totals.players, totals.recent_players, totals.answers) == (2, 1, 6)
        assert (totals.active_rounds, totals.open_disputes) == (1, 1)
        cards = await store.read(analytics.learner_cards)
        assert len(cards) == 6 and {c.card_json for c in cards} == {""}

        stats = {s.id: s for s in analyse(bank, rows, {ids[0]: 1})}
        assert (stats[ids[0]].answers, stats[ids[0]].correct, stats[ids[0]].disputes) == (2, 1, 1)
        assert stats[ids[2]].median_ms == 3000
    finally:
        await store.close()


async def test_questions_stats_command(
    db_url: str, bank: Bank, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    store = await Store.open(db_url)
    try:
        quiz = QuizEngine(bank, store, clock=clock, rng=random.Random(3))
        await play(quiz, Player(1, "Ann"), [bank.questions[0].id], [True], clock)
    finally:
        await store.close()
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await in_thread(questions_main, ["stats"]) == 0
    out = capsys.readouterr().out
    first = next(line for line in out.splitlines() if line.startswith(bank.questions[0].id))
    assert first.split()[4:9] == ["1", "1", "1.00", "—", "3.0s"]
    assert f"{len(bank)} questions, 1 with answers; answers stored: 1." in out

    monkeypatch.setenv("DATABASE_URL", db_url.replace("quiz.sqlite3", "missing.sqlite3"))
    err = io.StringIO()
    assert await in_thread(print_stats, bank, io.StringIO(), err) == 2
    assert "does not exist" in err.getvalue()


async def in_thread(fn: Callable[..., int], *args: object) -> int:
    """Run a command (it calls ``asyncio.run``) outside the test's event loop."""
    return await asyncio.to_thread(fn, *args)
