"""The scoring rules (bot/engine/scoring.py) through the engine, on both backends: a point once
per question and board, the boards of an answer, streaks and the daily goal in the player's
time zone, and ranking. After every scenario a recount from the answers agrees with the
stored awards, totals and rank histograms."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import scoring
from bot.engine.quiz import QuizEngine
from bot.engine.study import StudyEngine
from bot.engine.views import AnswerOutcome, Player, RoundRequest, Status
from questions.model import Bank
from storage.db import Store
from storage.models import BoardEntry, ChatKind
from storage.queries import Queries
from tests.conftest import FakeClock

ALICE, BOB, CAROL, DAVE = (
    Player(11, "Alice"),
    Player(22, "Bob"),
    Player(33, "Carol"),
    Player(44, "Dave"),
)
CONSOLE = Player(scoring.CONSOLE_PLAYER, "console")
GROUP_A, GROUP_B = -100_111, -100_222
W48, W49 = "week:2026-W48", "week:2026-W49"  # the clock starts on Wednesday 2026-11-25


@pytest.fixture
async def quiz(any_db: str, bank: Bank, clock: FakeClock) -> AsyncIterator[QuizEngine]:
    store = await Store.open(any_db)
    try:
        yield QuizEngine(bank, store, clock=clock, rng=random.Random(11))
    finally:
        await store.close()


async def totals(quiz: QuizEngine) -> dict[tuple[str, int], tuple[int, int]]:
    """(board, user) -> (points, answered)."""
    rows = await quiz.store.read(Queries.all_scores)
    return {(board, user): (points, answered) for board, user, points, answered, _ in rows}


async def consistent(quiz: QuizEngine) -> None:
    assert await quiz.consistency_problems() == []


def shown(view_order: Sequence[int], answer: int, right: bool) -> int:
    correct = list(view_order).index(answer)
    return correct if right else (correct + 1) % len(view_order)


async def play_private(
    quiz: QuizEngine, player: Player, answers: Sequence[tuple[str, bool]]
) -> list[AnswerOutcome]:
    """A private round of these questions, each answered right or wrong."""
    started = await quiz.start_round(
        player.id, ChatKind.PRIVATE, player, RoundRequest(question_ids=[q for q, _ in answers])
    )
    assert started.view is not None, started
    round_id, outcomes = started.view.round_id, []
    for position, (qid, right) in enumerate(answers):
        view = await quiz.current(round_id)
        assert view is not None and (view.position, view.question.id) == (position, qid)
        outcome = await quiz.answer(
            round_id, position, shown(view.order, view.question.answer, right), player
        )
        assert outcome.status is Status.OK and outcome.correct is right
        outcomes.append(outcome)
    return outcomes


Vote = tuple[Player, bool, float]  # who, right or wrong, seconds after the poll was sent


async def play_group(
    quiz: QuizEngine,
    clock: FakeClock,
    chat_id: int,
    ids: Sequence[str],
    votes: Sequence[Sequence[Vote]],
    starter: Player = ALICE,
) -> tuple[int, list[list[AnswerOutcome]]]:
    """A group round: for each question a poll is sent, these votes arrive, the poll closes."""
    started = await quiz.start_round(
        chat_id, ChatKind.GROUP, starter, RoundRequest(question_ids=list(ids), open_period=60)
    )
    assert started.view is not None, started
    round_id, outcomes = started.view.round_id, []
    for position, question_votes in enumerate(votes):
        view = await quiz.current(round_id)
        assert view is not None and view.position == position
        poll_id = f"poll-{chat_id}-{round_id}-{position}"
        sent = clock.now
        await quiz.poll_sent(view, chat_id, 900 + position, poll_id, 60)
        got = []
        for player, right, seconds in sorted(question_votes, key=lambda v: v[2]):
            clock.now = sent + timedelta(seconds=seconds)
            outcome = await quiz.answer_poll(
                poll_id, player, [shown(view.order, view.question.answer, right)]
            )
            assert outcome.status is Status.OK and outcome.correct is right
            got.append(outcome)
        outcomes.append(got)
        clock.now = sent + timedelta(seconds=61)
        assert await quiz.close_question(round_id, position) is not None
    return round_id, outcomes


# the points rule ----------------------------------------------------------------------------


async def test_a_right_answer_earns_a_point_once_ever_per_question(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    q1, q2 = bank.questions[0].id, bank.questions[1].id
    first = await play_private(quiz, ALICE, [(q1, True), (q2, False)])
    assert [o.points for o in first] == [1, 0]
    assert first[-1].summary is not None and first[-1].summary.points == 1
    assert await totals(quiz) == {("all", 11): (1, 2), (W48, 11): (1, 2)}
    await consistent(quiz)

    replay = await play_private(quiz, ALICE, [(q1, True)])
    assert replay[0].points == 0  # a replay earns nothing...
    assert replay[0].summary is not None and replay[0].summary.points == 0
    assert await totals(quiz) == {("all", 11): (1, 3), (W48, 11): (1, 3)}  # ...but counts
    [card] = await quiz.store.read(lambda q: q.cards_for(ALICE.id, [q1]))
    assert card.reviews == 2 and card.last_correct  # and trains the study card
    await consistent(quiz)

    wrong_then_right = await play_private(quiz, ALICE, [(q1, False), (q2, True)])
    assert [o.points for o in wrong_then_right] == [0, 1]  # q2's first right answer
    assert await totals(quiz) == {("all", 11): (2, 5), (W48, 11): (2, 5)}
    [card] = await quiz.store.read(lambda q: q.cards_for(ALICE.id, [q1]))
    assert card.reviews == 3 and not card.last_correct
    await consistent(quiz)

    clock.advance(days=7)  # ISO week 2026-W49
    next_week = await play_private(quiz, ALICE, [(q1, True), (q2, True)])
    assert [o.points for o in next_week] == [1, 1]  # weekly points only
    assert await totals(quiz) == {
        ("all", 11): (2, 7),
        (W48, 11): (2, 5),
        (W49, 11): (2, 2),
    }
    profile = await quiz.profile(ALICE)
    assert (profile.points, profile.answered, profile.correct) == (2, 7, 5)
    assert profile.week_rank is not None and profile.week_rank.points == 2
    await consistent(quiz)


async def test_a_second_tap_on_an_answered_question_changes_nothing(
    quiz: QuizEngine, bank: Bank
) -> None:
    q1, q2 = bank.questions[0].id, bank.questions[1].id
    started = await quiz.start_round(
        ALICE.id, ChatKind.PRIVATE, ALICE, RoundRequest(question_ids=[q1, q2])
    )
    assert started.view is not None
    view = started.view
    right = shown(view.order, view.question.answer, True)
    first = await quiz.answer(view.round_id, 0, right, ALICE)
    again = await quiz.answer(view.round_id, 0, (right + 1) % len(view.order), ALICE)
    assert (first.status, first.points) == (Status.OK, 1)
    assert (again.status, again.correct, again.points) == (Status.ALREADY_ANSWERED, True, 1)
    assert await totals(quiz) == {("all", 11): (1, 1), (W48, 11): (1, 1)}
    await consistent(quiz)


async def test_a_group_round_counts_on_each_chat_board_once_per_chat(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    q1, q2 = bank.questions[0].id, bank.questions[1].id
    a_all, a_week = scoring.chat_board(GROUP_A), scoring.chat_week_board(GROUP_A, "2026-W48")
    await play_private(quiz, ALICE, [(q1, True)])  # Alice has q1's global point already

    _, [[alice, bob], [alice2]] = await play_group(
        quiz, clock, GROUP_A, [q1, q2], [[(ALICE, True, 2), (BOB, True, 3)], [(ALICE, False, 1)]]
    )
    assert alice.points == 1  # on the chat's boards only
    assert bob.points == 1
    assert alice2.points == 0
    assert await totals(quiz) == {
        ("all", 11): (1, 3),
        (W48, 11): (1, 3),
        (a_all, 11): (1, 2),
        (a_week, 11): (1, 2),
        ("all", 22): (1, 1),
        (W48, 22): (1, 1),
        (a_all, 22): (1, 1),
        (a_week, 22): (1, 1),
    }
    await consistent(quiz)

    _, [[alice, bob]] = await play_group(
        quiz, clock, GROUP_A, [q1], [[(ALICE, True, 1), (BOB, True, 2)]], starter=BOB
    )
    assert (alice.points, bob.points) == (0, 0)  # the same chat: nothing new

    b_all, b_week = scoring.chat_board(GROUP_B), scoring.chat_week_board(GROUP_B, "2026-W48")
    _, [[alice]] = await play_group(quiz, clock, GROUP_B, [q1], [[(ALICE, True, 1)]])
    assert alice.points == 1  # another chat: its own boards
    scores = await totals(quiz)
    assert scores[(b_all, 11)] == scores[(b_week, 11)] == (1, 1)
    assert scores[("all", 11)] == (1, 5)
    assert scores[(a_all, 11)] == scores[(a_week, 11)] == (1, 3)
    await consistent(quiz)

    clock.advance(days=7)
    a_next = scoring.chat_week_board(GROUP_A, "2026-W49")
    _, [[alice]] = await play_group(quiz, clock, GROUP_A, [q1], [[(ALICE, True, 1)]])
    assert alice.points == 1
    scores = await totals(quiz)
    assert scores[(a_next, 11)] == (1, 1)  # the chat's new week
    assert scores[(W49, 11)] == (1, 1)  # and the global week
    assert scores[(a_all, 11)] == (1, 4)  # but not the chat's all-time board again
    assert scores[("all", 11)] == (1, 6)
    chat_week = await quiz.board("week", ALICE.id, GROUP_A)
    assert chat_week.board == a_next and [e.user_id for e in chat_week.top] == [11]
    await consistent(quiz)


async def test_the_console_player_is_on_no_board(quiz: QuizEngine, bank: Bank) -> None:
    q1, q2 = bank.questions[0].id, bank.questions[1].id
    outcomes = await play_private(quiz, CONSOLE, [(q1, True), (q2, True)])
    assert [o.points for o in outcomes] == [0, 0]
    assert outcomes[-1].summary is not None and outcomes[-1].summary.points == 0
    assert outcomes[-1].summary.lines[0].points == 2  # the round's own table still counts
    assert await totals(quiz) == {}
    for scope in ("all", "week"):
        board = await quiz.board(scope, CONSOLE.id)
        assert (board.top, board.me, board.players) == ((), None, 0)
    cards = await quiz.store.read(lambda q: q.user_cards(CONSOLE.id))
    assert {c.question_id for c in cards} == {q1, q2}  # study still works for the console
    await play_private(quiz, ALICE, [(q1, True)])
    assert await totals(quiz) == {("all", 11): (1, 1), (W48, 11): (1, 1)}
    await consistent(quiz)


async def test_the_recount_reports_totals_that_do_not_follow_from_the_answers(
    quiz: QuizEngine, bank: Bank
) -> None:
    await play_private(quiz, ALICE, [(bank.questions[0].id, True)])
    await consistent(quiz)
    await quiz.store.write(
        lambda q: q.sql.run("UPDATE scores SET points = 2 WHERE board = 'all' AND user_id = 11")
    )
    problems = await quiz.consistency_problems()
    assert any("score ('all', 11)" in p for p in problems), problems
    assert "rank histogram differs from the scores" in problems


# streaks and the daily goal -----------------------------------------------------------------


def kyiv(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in UTC; Kyiv is UTC+2 in November, so 22:00 UTC is local midnight."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def test_streak_and_daily_goal_follow_the_players_time_zone(quiz: QuizEngine) -> None:
    store = quiz.store
    await store.write(lambda q: q.upsert_user(7, "Kateryna", kyiv(25, 12)))
    await store.write(lambda q: q.set_user_tz(7, "Europe/Kyiv"))
    await store.write(lambda q: q.set_daily_goal(7, 3))

    async def answer_at(moment: datetime) -> scoring.Activity:
        def unit(q: Queries) -> scoring.Activity:
            user = q.get_user(7)
            assert user is not None
            return scoring.record_activity(q, user, moment)

        return await store.write(unit)

    async def now(moment: datetime) -> scoring.Activity:
        return scoring.activity_now(await store.read(lambda q: q.get_user(7)), moment)

    seen = [await answer_at(kyiv(25, 21, 30)), await answer_at(kyiv(25, 21, 50))]  # 23:xx
    seen += [await answer_at(kyiv(25, 22, m)) for m in (10, 20, 30, 40)]  # 00:xx, the 26th
    assert [(a.streak, a.best, a.today) for a in seen] == [
        (1, 1, 1),
        (1, 1, 2),
        (2, 2, 1),  # a new local day (still the 25th in UTC): the streak grows, count restarts
        (2, 2, 2),
        (2, 2, 3),
        (2, 2, 4),
    ]
    assert [a.streak_grew for a in seen] == [False, False, True, False, False, False]
    assert [a.goal_reached_now for a in seen] == [False, False, False, False, True, False]
    user = await store.read(lambda q: q.get_user(7))
    assert user is not None
    assert (user.last_active_day, user.goal_day, user.goal_answers) == (
        "2026-11-26",
        "2026-11-26",
        4,
    )

    later = await now(kyiv(26, 21, 59))  # 23:59 on the 26th in Kyiv
    assert (later.streak, later.answered_today, later.today, later.goal) == (2, True, 4, 3)
    next_day = await now(kyiv(26, 22, 1))  # 00:01 on the 27th: kept until the day is over
    assert (next_day.streak, next_day.answered_today, next_day.today) == (2, False, 0)
    lapsed = await now(kyiv(27, 22, 1))  # the 28th: the 27th had no answer
    assert (lapsed.streak, lapsed.best) == (0, 2)
    again = await answer_at(kyiv(27, 22, 5))
    assert (again.streak, again.best, again.streak_grew, again.today) == (1, 2, False, 1)


def test_the_streak_rules_on_their_own() -> None:
    day = datetime(2026, 11, 26, tzinfo=UTC).date()
    assert scoring.next_streak(4, 9, "2026-11-25", day) == (5, 9)
    assert scoring.next_streak(9, 9, "2026-11-25", day) == (10, 10)
    assert scoring.next_streak(4, 9, "2026-11-26", day) == (4, 9)  # the same day
    assert scoring.next_streak(4, 9, "2026-11-24", day) == (1, 9)
    assert scoring.next_streak(0, 0, None, day) == (1, 1)
    assert scoring.shown_streak(4, "2026-11-25", day) == 4
    assert scoring.shown_streak(4, "2026-11-24", day) == 0
    assert scoring.activity_now(None, datetime(2026, 11, 26, tzinfo=UTC)).goal == 10


async def test_the_daily_goal_is_reached_exactly_once_through_the_engine(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    study = StudyEngine(quiz)
    assert await study.set_goal(ALICE, 2) == 2
    await quiz.store.write(lambda q: q.set_user_tz(ALICE.id, "Europe/Kyiv"))
    clock.now = kyiv(25, 21, 58)  # 23:58 in Kyiv
    ids = [q.id for q in bank.questions[:5]]
    before = await play_private(quiz, ALICE, [(ids[0], True), (ids[1], False), (ids[2], True)])
    clock.now = kyiv(25, 22, 2)  # 00:02: a new local day
    after = await play_private(quiz, ALICE, [(ids[3], True), (ids[4], True)])
    activity = [o.activity for o in before + after]
    assert all(a is not None for a in activity)
    assert [(a.today, a.goal_reached_now) for a in activity if a] == [
        (1, False),
        (2, True),  # a wrong answer counts towards the goal too
        (3, False),
        (1, False),
        (2, True),  # the next local day's goal
    ]
    assert [a.streak for a in activity if a] == [1, 1, 1, 2, 2]
    assert await study.set_goal(ALICE, 10_000) == scoring.MAX_DAILY_GOAL


# ranking ------------------------------------------------------------------------------------


def entry(user_id: int, points: int, time_ms: int = 0) -> BoardEntry:
    return BoardEntry(0, user_id, f"U{user_id}", points, points + 1, time_ms)


def test_ranked_gives_equal_points_one_rank() -> None:
    entries = [entry(1, 5), entry(2, 5), entry(3, 3), entry(4, 3), entry(5, 3), entry(6, 1)]
    ranked = scoring.ranked(entries)
    assert [e.rank for e in ranked] == [1, 1, 3, 3, 3, 6]
    assert [(e.user_id, e.points, e.answered) for e in ranked] == [
        (e.user_id, e.points, e.answered) for e in entries
    ]
    assert scoring.ranked([]) == []
    keys = sorted(
        [(2, 700, 9), (3, 900, 1), (2, 600, 10), (2, 600, 4)], key=lambda k: scoring.order_key(*k)
    )
    assert keys == [(3, 900, 1), (2, 600, 4), (2, 600, 10), (2, 700, 9)]


async def test_the_round_table_and_the_board_rank_players_alike(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    """Bob and Alice tie on points; Bob was faster in total, so he is listed first although
    his id is larger. Both share rank 1; Carol is 3rd, Dave 4th."""
    q1, q2, q3 = (q.id for q in bank.questions[:3])
    round_id, _ = await play_group(
        quiz,
        clock,
        GROUP_A,
        [q1, q2, q3],
        [
            [(DAVE, False, 1), (ALICE, True, 2), (CAROL, True, 3), (BOB, True, 5)],
            [(CAROL, False, 1), (BOB, True, 1.5), (ALICE, True, 5)],
            [(ALICE, False, 1), (BOB, False, 2), (CAROL, False, 3), (DAVE, False, 4)],
        ],
    )
    summary = await quiz.summary(round_id)
    table = [(line.player.id, line.points, line.time_ms, line.rank) for line in summary.lines]
    assert table == [
        (22, 2, 6500, 1),
        (11, 2, 7000, 1),
        (33, 1, 3000, 3),
        (44, 0, 0, 4),
    ]
    board = await quiz.board("chat", DAVE.id, GROUP_A)
    assert [(e.user_id, e.points, e.time_ms, e.rank) for e in board.top] == table
    assert board.me is None and board.players == 4
    week = await quiz.board("week", DAVE.id, GROUP_A)
    assert [(e.user_id, e.rank) for e in week.top] == [(p, r) for p, _, _, r in table]
    global_board = await quiz.board("all", DAVE.id)
    assert [(e.user_id, e.rank) for e in global_board.top] == [(p, r) for p, _, _, r in table]
    await consistent(quiz)


async def test_a_players_own_rank_counts_only_those_with_more_points(
    quiz: QuizEngine, bank: Bank
) -> None:
    ids = [q.id for q in bank.questions[:14]]
    players = [Player(100 + i, f"P{i}") for i in range(13)]
    for i, player in enumerate(players):  # player i answers i questions right
        await play_private(quiz, player, [(qid, n < i) for n, qid in enumerate(ids[: max(i, 1)])])
    await play_private(quiz, Player(200, "Tied"), [(ids[0], True)])  # one point, like P1
    board = await quiz.board("all", 100)
    assert [e.points for e in board.top] == list(range(12, 2, -1))
    assert board.me is not None and (board.me.points, board.me.rank) == (0, 14)
    tied = await quiz.board("all", 200)
    assert tied.me is not None and (tied.me.points, tied.me.rank) == (1, 12)
    assert board.players == 14
    await consistent(quiz)
