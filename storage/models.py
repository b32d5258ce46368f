"""Rows returned by the repository, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    streak_current: int
    streak_best: int
    last_active_day: str | None
    blocked: bool


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    chat_id: int
    chat_kind: str
    owner_id: int | None
    state: str
    position: int
    size: int
    open_period: int | None
    label: str
    created_at: datetime

    @property
    def is_active(self) -> bool:
        return self.state == "active"


@dataclass(frozen=True, slots=True)
class RoundQuestion:
    round_id: int
    position: int
    question_id: str
    option_order: tuple[int, ...]
    asked_at: datetime | None
    message_id: int | None
    poll_id: str | None
    closes_at: datetime | None
    closed: bool


@dataclass(frozen=True, slots=True)
class Answer:
    round_id: int
    position: int
    question_id: str
    user_id: int
    chat_id: int
    chosen: int
    correct: bool
    elapsed_ms: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class BoardEntry:
    rank: int
    user_id: int
    name: str
    points: int
    answered: int
    time_ms: int


@dataclass(frozen=True, slots=True)
class QuestionStats:
    question_id: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class CardRow:
    user_id: int
    question_id: str
    card_json: str
    due: datetime
    last_correct: bool
    reviews: int


@dataclass(frozen=True, slots=True)
class Reminder:
    user_id: int
    chat_id: int
    minute_utc: int
    offset_minutes: int
    last_sent_day: str | None


@dataclass(frozen=True, slots=True)
class Dispute:
    id: int
    question_id: str
    user_id: int | None
    user_name: str | None
    text: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingInput:
    user_id: int
    kind: str
    question_id: str
    created_at: datetime
