"""Reads for the bank keepers: answer rows for item statistics, daily activity, cards.

Functions of a :class:`~storage.queries.Queries` (run them with ``Store.read``), in SQL that
SQLite and PostgreSQL both accept. The statistics themselves are pure Python
(``questions.stats``); this module only fetches rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.models import CardRow, Dispute
from storage.queries import Queries
from storage.sql import placeholders


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One stored answer, as the item statistics need it (``chosen``: bank option index)."""

    question_id: str
    user_id: int
    chosen: int
    correct: bool
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date  # a UTC day
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class Totals:
    players: int  # everyone who answered at least once
    recent_players: int  # ... since the ``since`` time given to :func:`totals`
    answers: int
    active_rounds: int
    open_disputes: int


def answer_rows(q: Queries) -> list[AnswerRow]:
    """Every answer, oldest first."""
    rows = q.sql.all(
        "SELECT question_id, user_id, chosen, correct, elapsed_ms FROM answers ORDER BY id"
    )
    return [
        AnswerRow(
            r["question_id"],
            int(r["user_id"]),
            int(r["chosen"]),
            bool(r["correct"]),
            int(r["elapsed_ms"]),
        )
        for r in rows
    ]


def open_dispute_counts(q: Queries) -> dict[str, int]:
    """Open disputes per question id."""
    rows = q.sql.all(
        "SELECT question_id, COUNT(*) AS n FROM disputes WHERE resolved_at IS NULL "
        "GROUP BY question_id"
    )
    return {r["question_id"]: int(r["n"]) for r in rows}


def question_disputes(q: Queries, question_id: str) -> list[Dispute]:
    """Every dispute of one question, open ones first, newest first."""
    rows = q.sql.all(
        "SELECT d.id, d.question_id, d.user_id, u.name AS user_name, d.text, d.created_at, "
        "d.resolved_at, d.reply FROM disputes d LEFT JOIN users u ON u.id = d.user_id "
        "WHERE d.question_id = ? "
        "ORDER BY CASE WHEN d.resolved_at IS NULL THEN 0 ELSE 1 END, d.id DESC",
        (question_id,),
    )
    return [Dispute.from_row(r) for r in rows]


def totals(q: Queries, since: datetime) -> Totals:
    row = q.sql.one(
        "SELECT COUNT(DISTINCT user_id) AS players, COUNT(*) AS answers, "
        "COUNT(DISTINCT CASE WHEN answered_at >= ? THEN user_id END) AS recent "
        "FROM answers",
        (since,),
    )
    return Totals(
        players=int(row["players"]),
        recent_players=int(row["recent"]),
        answers=int(row["answers"]),
        active_rounds=q.count_active_rounds(),
        open_disputes=q.count_open_disputes(),
    )


def answers_per_day(q: Queries, days: Sequence[date], start: datetime) -> list[DayCount]:
    """Answers on each of ``days`` (consecutive UTC days; the first begins at ``start``).

    The day boundaries are bound parameters (a VALUES list, whose columns both databases
    name column1, column2, ...), so no date function of either dialect is needed and each
    day is a range on the ``answers_answered_at`` index.
    """
    if not days:
        return []
    bounds: list[object] = []
    for index, day in enumerate(days):
        bounds += [
            day.isoformat(),
            start + timedelta(days=index),
            start + timedelta(days=index + 1),
        ]
    rows = q.sql.all(
        "SELECT d.column1 AS day, COUNT(a.id) AS answers, "
        "COALESCE(SUM(CASE WHEN a.correct THEN 1 ELSE 0 END), 0) AS correct "
        f"FROM (VALUES {placeholders(len(days), 3)}) AS d "
        "LEFT JOIN answers a ON a.answered_at >= d.column2 AND a.answered_at < d.column3 "
        "GROUP BY d.column1 ORDER BY d.column1",
        bounds,
    )
    return [
        DayCount(date.fromisoformat(r["day"]), int(r["answers"]), int(r["correct"])) for r in rows
    ]


def learner_cards(q: Queries) -> list[CardRow]:
    """Every study card, without its FSRS state (mastery needs only due and last answer)."""
    rows = q.sql.all(
        "SELECT user_id, question_id, '' AS card, due, last_correct, reviews FROM cards "
        "ORDER BY user_id, question_id"
    )
    return [CardRow.from_row(r) for r in rows]
