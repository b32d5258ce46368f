"""Spaced repetition with the ``fsrs`` package: one card per user and question.

Rating rule (documented in the README): a wrong answer rates ``Again``; a right answer rates
``Good``, or ``Hard`` when it took longer than :data:`HARD_AFTER_MS` (the learner had to think
it through). ``Easy`` is never given: picking from options is recognition, which is easier than
recall, so we do not stretch intervals further on speed alone.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import datetime

from fsrs import Card, Rating, Scheduler

from storage.models import CardRow

HARD_AFTER_MS = 20_000


def due_in_bank(cards: Iterable[CardRow], bank: Container[str], now: datetime) -> int:
    """How many of a learner's cards are due for review: due by ``now`` and still asked (a
    card of a question gone from the bank is never reviewed)."""
    return sum(1 for c in cards if c.due <= now and c.question_id in bank)


def make_scheduler() -> Scheduler:
    # No fuzzing: due dates are a pure function of the answers and the clock (testable).
    return Scheduler(enable_fuzzing=False)


def rating_for(correct: bool, elapsed_ms: int) -> Rating:
    if not correct:
        return Rating.Again
    return Rating.Hard if elapsed_ms > HARD_AFTER_MS else Rating.Good


def review(
    scheduler: Scheduler, card_json: str | None, correct: bool, elapsed_ms: int, now: datetime
) -> tuple[str, datetime]:
    """Apply one answer to a card (new if ``card_json`` is None); return (json, due)."""
    # An explicit card_id: fsrs would otherwise derive one from the wall clock (and sleep).
    card = Card.from_json(card_json) if card_json else Card(card_id=1)
    card, _log = scheduler.review_card(card, rating_for(correct, elapsed_ms), now)
    return card.to_json(), card.due


def retrievability(scheduler: Scheduler, card_json: str, now: datetime) -> float:
    return float(scheduler.get_card_retrievability(Card.from_json(card_json), now))
