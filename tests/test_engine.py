"""The quiz and study engines on both backends (mastery, reviews, starting rounds), the article
search, and the clock helpers. Time is a FakeClock, randomness ``random.Random(seed)``."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.engine.clock import next_local_time, parse_clock_time, parse_zone
from bot.engine.quiz import QuizEngine
from bot.engine.search import search
from bot.engine.study import Mark, StudyEngine
from bot.engine.views import AnswerOutcome, Player, RoundRequest, Status
from questions.model import Bank
from storage.db import Store
from storage.models import ChatKind, RoundMode, RoundState
from storage.queries import Queries
from tests.conftest import FakeClock

ALICE = Player(11, "Alice")
GROUP = -100_555


@pytest.fixture
async def quiz(any_db: str, bank: Bank, clock: FakeClock) -> AsyncIterator[QuizEngine]:
    store = await Store.open(any_db)
    try:
        yield QuizEngine(bank, store, clock=clock, rng=random.Random(23))
    finally:
        await store.close()


async def play(
    quiz: QuizEngine, answers: Sequence[tuple[str, bool]], player: Player = ALICE
) -> list[AnswerOutcome]:
    started = await quiz.start_round(
        player.id, ChatKind.PRIVATE, player, RoundRequest(question_ids=[q for q, _ in answers])
    )
    assert started.view is not None, started
    return await answer_all(quiz, started.view.round_id, [right for _, right in answers], player)


async def answer_all(
    quiz: QuizEngine, round_id: int, rights: Sequence[bool], player: Player = ALICE
) -> list[AnswerOutcome]:
    outcomes = []
    for position, right in enumerate(rights):
        view = await quiz.current(round_id)
        assert view is not None and view.position == position
        index = view.correct_shown if right else (view.correct_shown + 1) % len(view.order)
        outcome = await quiz.answer(round_id, position, index, player)
        assert outcome.status is Status.OK and outcome.correct is right
        outcomes.append(outcome)
    return outcomes


def single_paragraphs(bank: Bank) -> list[int]:
    """Paragraphs with at least three questions, each citing that paragraph alone."""
    return [
        n
        for n in range(1, bank.article.body_count + 1)
        if len(bank.for_paragraph(n)) >= 3
        and all(q.paragraphs == (n,) for q in bank.for_paragraph(n))
    ]


# mastery ------------------------------------------------------------------------------------


async def test_a_paragraph_is_mastered_on_the_answer_that_completes_it(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    number, other_number = single_paragraphs(bank)[:2]
    ids = [q.id for q in bank.for_paragraph(number)]
    first = await play(quiz, [(qid, qid != ids[2]) for qid in ids])  # one of them wrong
    assert [o.mastered for o in first] == [()] * len(ids)  # the last right one completes nothing
    study = StudyEngine(quiz)
    progress = await study.progress(ALICE.id)
    assert progress.paragraphs[number - 1].mark == Mark.WEAK and progress.mastered == 0

    clock.advance(minutes=1)
    [fixed] = await play(quiz, [(ids[2], True)])
    assert fixed.mastered == (number,)  # this answer completes the paragraph
    progress = await study.progress(ALICE.id)
    assert progress.paragraphs[number - 1].mark == Mark.MASTERED and progress.mastered == 1
    assert (await quiz.profile(ALICE)).mastered == 1

    [again] = await play(quiz, [(ids[0], True)])  # a known card answered right once more
    assert again.mastered == ()  # reported once, not again
    other = [q.id for q in bank.for_paragraph(other_number)]
    outcomes = await play(quiz, [(qid, True) for qid in other])
    assert [o.mastered for o in outcomes] == [()] * (len(other) - 1) + [(other_number,)]


async def test_every_paragraph_an_answer_reports_mastered_shows_mastered_on_the_map(
    quiz: QuizEngine, bank: Bank
) -> None:
    author = bank.article.author_line
    body = single_paragraphs(bank)[0]
    ids = [q.id for q in bank.for_paragraph(author)] + [q.id for q in bank.for_paragraph(body)]
    outcomes = await play(quiz, [(qid, True) for qid in dict.fromkeys(ids)])
    reported = {n for o in outcomes for n in o.mastered}
    progress = await StudyEngine(quiz).progress(ALICE.id)
    on_the_map = {p.paragraph for p in progress.paragraphs if p.mark == Mark.MASTERED}
    assert body in reported and body in on_the_map
    assert reported <= on_the_map, (reported, on_the_map)  # "¶29 mastered!", not on the map


# reviews ------------------------------------------------------------------------------------


async def test_a_wrong_answer_comes_back_due_in_a_review_round(
    quiz: QuizEngine, bank: Bank, clock: FakeClock
) -> None:
    study = StudyEngine(quiz)
    ids = [q.id for q in bank.questions[10:14]]
    nothing = await study.start_review(ALICE.id, ALICE)
    assert (nothing.outcome, nothing.next_due, nothing.has_cards) == (None, None, False)

    await play(quiz, [(ids[0], True), (ids[1], False), (ids[2], True), (ids[3], False)])
    assert await study.count_due(ALICE.id) == 0  # not due at once
    early = await study.start_review(ALICE.id, ALICE)
    assert early.outcome is None and early.has_cards
    assert early.next_due is not None and early.next_due > clock.now

    clock.advance(minutes=5)  # the wrong answers' short step has passed, the right ones' not
    assert await study.count_due(ALICE.id) == 2
    due = (await study.due_questions(ALICE.id)).ids
    assert sorted(due) == sorted([ids[1], ids[3]])
    review = await study.start_review(ALICE.id, ALICE)
    assert review.outcome is not None and review.outcome.view is not None
    view = review.outcome.view
    assert view.mode is RoundMode.REVIEW and view.is_review and view.total == 2
    round_ = await quiz.get_round(view.round_id)
    assert round_ is not None and (round_.mode, round_.label) == (RoundMode.REVIEW, "review")
    questions = await quiz.store.read(lambda q: q.round_questions(view.round_id))
    assert sorted(rq.question_id for rq in questions) == sorted([ids[1], ids[3]])

    outcomes = await answer_all(quiz, view.round_id, [True, True])
    recap = outcomes[-1].summary
    assert recap is not None and recap.mode is RoundMode.REVIEW
    assert recap.next_review is not None and recap.next_review > clock.now
    assert recap.next_review == await quiz.store.read(lambda q: q.next_due(ALICE.id))
    assert await study.count_due(ALICE.id) == 0
    assert outcomes[0].points == 1  # first right answers: a review earns them as well
    assert await quiz.consistency_problems() == []


# starting rounds ----------------------------------------------------------------------------


async def test_a_start_while_a_round_is_open_starts_nothing_unless_it_replaces_it(
    quiz: QuizEngine, bank: Bank
) -> None:
    ids = [q.id for q in bank.questions[:3]]
    first = await quiz.start_round(
        ALICE.id, ChatKind.PRIVATE, ALICE, RoundRequest(question_ids=ids)
    )
    assert first.view is not None and first.open_round is None
    await answer_all(quiz, first.view.round_id, [True])

    blocked = await quiz.start_round(
        ALICE.id, ChatKind.PRIVATE, ALICE, RoundRequest(question_ids=ids[:1])
    )
    assert blocked.view is None and blocked.open_round is not None
    assert (blocked.open_round.round_id, blocked.open_round.position) == (first.view.round_id, 1)
    assert (blocked.open_round.total, blocked.open_round.number) == (3, 2)
    assert await quiz.store.read(lambda q: q.count_active_rounds()) == 1

    replaced = await quiz.start_round(
        ALICE.id, ChatKind.PRIVATE, ALICE, RoundRequest(question_ids=ids[1:]), replace=True
    )
    assert replaced.view is not None and replaced.view.round_id != first.view.round_id
    assert (replaced.view.position, replaced.view.total) == (0, 2)
    old = await quiz.get_round(first.view.round_id)
    assert old is not None and old.state is RoundState.STOPPED
    assert await quiz.store.read(lambda q: q.count_active_rounds()) == 1
    stale = await quiz.answer(first.view.round_id, 1, 0, ALICE)
    assert stale.status is Status.ROUND_OVER  # the stopped round takes no more answers
    current = await quiz.open_round(ALICE.id)
    assert current is not None and current.round_id == replaced.view.round_id


class Watched:
    """The real store, counting the units of work submitted through it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.submitted = 0
        self.arrived = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def write(self, unit: Callable[[Queries], Any]) -> Any:
        self.submitted += 1
        self.arrived.set()
        return await self.store.write(unit)


async def test_two_starts_at_once_start_one_round(
    any_db: str, bank: Bank, clock: FakeClock
) -> None:
    """Both starts find the chat free, then their units of work meet in one batch: the
    second finds the first's round and starts nothing."""
    store = await Store.open(any_db)
    try:
        watched = Watched(store)
        quiz = QuizEngine(bank, watched, clock=clock, rng=random.Random(2))  # type: ignore[arg-type]
        ids = [q.id for q in bank.questions[:2]]
        release, started = threading.Event(), threading.Semaphore(0)

        def hold(q: Queries) -> None:
            started.release()
            release.wait(30)

        holders = []
        if not store.backend.inline:  # SQLite's units meet in one pass of the event loop
            holders = [
                asyncio.ensure_future(store.write(hold)) for _ in range(store.backend.writers)
            ]
            for _ in holders:
                assert await asyncio.to_thread(started.acquire, timeout=30)
        starts = [
            asyncio.ensure_future(
                quiz.start_round(GROUP, ChatKind.GROUP, player, RoundRequest(question_ids=ids))
            )
            for player in (ALICE, Player(22, "Bob"))
        ]
        async with asyncio.timeout(30):
            while watched.submitted < 2:  # both passed the open-round check; none committed
                watched.arrived.clear()
                await watched.arrived.wait()
        release.set()
        await asyncio.gather(*holders)
        outcomes = await asyncio.gather(*starts)
        [won] = [o.view for o in outcomes if o.view is not None]  # which one is a matter of luck
        [lost] = [o.open_round for o in outcomes if o.view is None]
        assert lost is not None and lost.round_id == won.round_id
        rounds = await store.read(lambda q: q.sql.all("SELECT state FROM rounds"))
        assert [r["state"] for r in rounds] == ["active"]
    finally:
        await store.close()


async def test_a_group_chat_has_one_open_round_too(quiz: QuizEngine, bank: Bank) -> None:
    ids = [q.id for q in bank.questions[:2]]
    request = RoundRequest(question_ids=ids, open_period=30)
    first = await quiz.start_round(GROUP, ChatKind.GROUP, ALICE, request)
    assert first.view is not None
    other = await quiz.start_round(GROUP, ChatKind.GROUP, Player(22, "Bob"), request)
    assert other.view is None and other.open_round is not None
    assert (other.open_round.round_id, other.open_round.owner_id) == (first.view.round_id, 11)
    elsewhere = await quiz.start_round(GROUP - 1, ChatKind.GROUP, ALICE, request)
    assert elsewhere.view is not None  # another chat is free
    assert await quiz.store.read(lambda q: q.count_active_rounds()) == 2


async def test_a_request_nothing_matches_starts_nothing(quiz: QuizEngine) -> None:
    empty = await quiz.start_round(
        ALICE.id, ChatKind.PRIVATE, ALICE, RoundRequest(question_ids=["no-such-question"])
    )
    assert (empty.view, empty.open_round, empty.empty) == (None, None, True)
    assert await quiz.open_round(ALICE.id) is None


# search -------------------------------------------------------------------------------------


def paragraphs(bank: Bank, query: str) -> list[int]:
    result = search(bank.article, query)
    assert result.total == len(result.hits)
    return [hit.paragraph for hit in result.hits]


def test_search_matches_whole_words_only(bank: Bank) -> None:
    assert paragraphs(bank, "war") == [8]  # not "towards", "toward" or "outwardly"
    assert "towards" in bank.article.paragraph(2)


def test_search_counts_possessives_as_the_word(bank: Bank) -> None:
    found = paragraphs(bank, "Lukashenka")
    assert found == [3, 4, 5, 6, 7, 12, 14, 15, 17, 18, 19, 23, 24, 28]
    # ¶12, ¶14 and ¶15 name him only as "Lukashenka’s"
    assert "Lukashenka’s" in bank.article.paragraph(12)
    assert (
        paragraphs(bank, "Lukashenka's")
        == paragraphs(bank, "Lukashenka’s")
        == [
            3,
            6,
            12,
            14,
            15,
            19,
        ]
    )


def test_search_prefixes_phrases_case_and_apostrophes(bank: Bank) -> None:
    ukraine = paragraphs(bank, "Ukrain*")
    assert len(ukraine) == 25 and {1, 2, 28} <= set(ukraine)
    assert paragraphs(bank, "Ukrain") == []  # without the star, a word must be whole
    assert paragraphs(bank, "ukraine*") == paragraphs(bank, "Ukraine*")
    assert paragraphs(bank, '"war of words"') == [8]
    assert paragraphs(bank, '"WAR   of\u00a0Words"') == [8]  # case and spacing
    assert paragraphs(bank, '"words of war"') == []
    assert paragraphs(bank, "LUKASHENKA") == paragraphs(bank, "lukashenka")
    assert paragraphs(bank, "Ukraine’s") == paragraphs(bank, "ukraine's") == [7, 10, 14, 25]
    assert paragraphs(bank, "Lukashenka Putin") == [3, 24]  # every term must appear
    result = search(bank.article, '"war of words" Ukrainian')
    assert result.terms == ("war of words", "ukrainian")
    [hit] = result.hits
    text = hit.text.lower()
    assert [text[s:e] for s, e in hit.spans] == ["war of words", "ukrainian"]
    assert search(bank.article, "   ").total == 0


# the clock ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minute"),
    [
        ("8am", 8 * 60),
        ("8 AM", 8 * 60),
        ("8:30pm", 20 * 60 + 30),
        ("20:30", 20 * 60 + 30),
        ("20.30", 20 * 60 + 30),
        ("20h", 20 * 60),
        ("07:05", 7 * 60 + 5),
        ("12am", 0),
        ("12pm", 12 * 60),
        ("12:30am", 30),
        ("0:00", 0),
        ("23:59", 23 * 60 + 59),
        ("8", None),  # a bare number is a count, not a time
        ("25:00", None),
        ("24:00", None),
        ("13pm", None),
        ("0am", None),
        ("8:60", None),
        ("8:", None),
        ("8:5", None),
        ("noon", None),
        ("", None),
    ],
)
def test_parse_clock_time(text: str, minute: int | None) -> None:
    assert parse_clock_time(text) == minute


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/kyiv", "Europe/Kyiv"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("gmt", "UTC"),
        ("UTC+2", "+02:00"),
        ("utc-5:30", "-05:30"),
        ("+0530", "+05:30"),
        ("-03", "-03:00"),
        ("GMT+0", "UTC"),
        ("+14:00", "+14:00"),
        ("+14:30", None),
        ("+15", None),
        ("Europe/Atlantis", None),
        ("Kyiv", None),
        ("", None),
    ],
)
def test_parse_zone(text: str, zone: str | None) -> None:
    assert parse_zone(text) == zone


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "minute", "expected"),
    [
        # 09:00 in Berlin: CEST (UTC+2) until Sunday 25 October 2026, then CET (UTC+1).
        (utc(2026, 10, 24, 6, 0), 9 * 60, utc(2026, 10, 24, 7, 0)),
        (utc(2026, 10, 24, 8, 0), 9 * 60, utc(2026, 10, 25, 8, 0)),  # not 07:00 UTC
        (utc(2026, 10, 25, 8, 0), 9 * 60, utc(2026, 10, 26, 8, 0)),  # exactly then: tomorrow
        # ... and CET until 29 March 2026, then CEST.
        (utc(2026, 3, 28, 12, 0), 9 * 60, utc(2026, 3, 29, 7, 0)),
        # 02:30 does not exist on 29 March: it resolves forward, to 03:30 CEST.
        (utc(2026, 3, 28, 12, 0), 2 * 60 + 30, utc(2026, 3, 29, 1, 30)),
    ],
)
def test_next_local_time_across_a_dst_change(
    now: datetime, minute: int, expected: datetime
) -> None:
    found = next_local_time(now, minute, "Europe/Berlin")
    assert found == expected and found.tzinfo is not None
    assert found > now


def test_next_local_time_in_a_fixed_offset_and_in_utc() -> None:
    now = utc(2026, 11, 25, 23, 30)
    assert next_local_time(now, 60, "+02:00") == utc(2026, 11, 25, 23, 0) + timedelta(days=1)
    assert next_local_time(now, 23 * 60 + 45, None) == utc(2026, 11, 25, 23, 45)
    assert next_local_time(now, 30, "-05:30") == utc(2026, 11, 26, 6, 0)
