"""Rows as frozen dataclasses, mapped by column name (``sqlite3.Row`` or psycopg's dict rows).

Each backend hands back its own types (SQLite: ISO text and 0/1; PostgreSQL: ``datetime`` and
``bool``); :func:`as_time` and ``bool()`` turn either into the same Python values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

Row = Any  # a mapping-like row: row["column"]


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class RoundState(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class RoundMode(StrEnum):
    QUIZ = "quiz"  # new questions (all, a topic or a paragraph)
    REVIEW = "review"  # the learner's due cards
    RETRY = "retry"  # exactly the questions missed in an earlier round
    CHALLENGE = "challenge"  # a friend's questions, in the friend's order
    SINGLE = "single"  # one shared question (a deep link)
    DAILY = "daily"  # a group's scheduled daily quiz


class PendingKind(StrEnum):
    DISPUTE = "dispute"  # the user's next message is a note on a question


def as_time(value: str | datetime) -> datetime:
    """A stored time (ISO text in SQLite, ``timestamptz`` in PostgreSQL) as an aware UTC time."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def as_time_or_none(value: str | datetime | None) -> datetime | None:
    return None if value is None else as_time(value)


def to_text(moment: datetime) -> str:
    """The SQLite form of a time: ISO-8601 in UTC with microseconds (sorts as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    streak_current: int
    streak_best: int
    last_active_day: str | None
    blocked: bool
    tz: str | None
    daily_goal: int
    goal_day: str | None
    goal_answers: int
    reminder_offered: bool

    @classmethod
    def from_row(cls, r: Row, prefix: str = "") -> User:
        """``prefix``: the column alias prefix when joined with other tables (``u_``)."""
        p = prefix
        return cls(
            id=r[f"{p}id"],
            name=r[f"{p}name"],
            streak_current=r[f"{p}streak_current"],
            streak_best=r[f"{p}streak_best"],
            last_active_day=r[f"{p}last_active_day"],
            blocked=bool(r[f"{p}blocked"]),
            tz=r[f"{p}tz"],
            daily_goal=r[f"{p}daily_goal"],
            goal_day=r[f"{p}goal_day"],
            goal_answers=r[f"{p}goal_answers"],
            reminder_offered=bool(r[f"{p}reminder_offered"]),
        )


USER_COLUMNS = (
    "id, name, streak_current, streak_best, last_active_day, blocked, tz, daily_goal, "
    "goal_day, goal_answers, reminder_offered"
)
USER_JOINED = ", ".join(f"u.{c} AS u_{c}" for c in USER_COLUMNS.split(", "))


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    chat_id: int
    chat_kind: ChatKind
    owner_id: int | None
    state: RoundState
    position: int
    size: int
    open_period: int | None
    label: str
    mode: RoundMode
    created_at: datetime

    @property
    def is_active(self) -> bool:
        return self.state is RoundState.ACTIVE

    @property
    def is_group(self) -> bool:
        return self.chat_kind is ChatKind.GROUP

    @classmethod
    def from_row(cls, r: Row) -> Round:
        return cls(
            id=r["id"],
            chat_id=r["chat_id"],
            chat_kind=ChatKind(r["chat_kind"]),
            owner_id=r["owner_id"],
            state=RoundState(r["state"]),
            position=r["position"],
            size=r["size"],
            open_period=r["open_period"],
            label=r["label"],
            mode=RoundMode(r["mode"]),
            created_at=as_time(r["created_at"]),
        )


ROUND_COLUMNS = (
    "r.id, r.chat_id, r.chat_kind, r.owner_id, r.state, r.position, r.size, r.open_period, "
    "r.label, r.mode, r.created_at"
)


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
    send_started_at: datetime | None
    voters: int | None  # how many votes Telegram reported when the poll closed

    @classmethod
    def from_row(cls, r: Row, prefix: str = "") -> RoundQuestion:
        """``prefix``: the column alias prefix when joined with a round (``q_``)."""
        p = prefix
        return cls(
            round_id=r[p + "round_id"],
            position=r[p + "position"],
            question_id=r[p + "question_id"],
            option_order=tuple(int(i) for i in r[p + "option_order"].split(",")),
            asked_at=as_time_or_none(r[p + "asked_at"]),
            message_id=r[p + "message_id"],
            poll_id=r[p + "poll_id"],
            closes_at=as_time_or_none(r[p + "closes_at"]),
            closed=bool(r[p + "closed"]),
            send_started_at=as_time_or_none(r[p + "send_started_at"]),
            voters=r[p + "voters"],
        )


_RQ_NAMES = (
    "round_id",
    "position",
    "question_id",
    "option_order",
    "asked_at",
    "message_id",
    "poll_id",
    "closes_at",
    "closed",
    "send_started_at",
    "voters",
)
RQ_COLUMNS = ", ".join(f"rq.{name}" for name in _RQ_NAMES)
# The same, aliased ``q_…`` for queries that also select a round's columns.
RQ_JOINED = ", ".join(f"rq.{name} AS q_{name}" for name in _RQ_NAMES)


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    round_id: int
    position: int
    question_id: str
    user_id: int
    chat_id: int
    chosen: int
    correct: bool
    elapsed_ms: int
    answered_at: datetime

    @classmethod
    def from_row(cls, r: Row) -> Answer:
        return cls(
            id=r["id"],
            round_id=r["round_id"],
            position=r["position"],
            question_id=r["question_id"],
            user_id=r["user_id"],
            chat_id=r["chat_id"],
            chosen=r["chosen"],
            correct=bool(r["correct"]),
            elapsed_ms=r["elapsed_ms"],
            answered_at=as_time(r["answered_at"]),
        )


ANSWER_COLUMNS = (
    "a.id, a.round_id, a.position, a.question_id, a.user_id, a.chat_id, a.chosen, a.correct, "
    "a.elapsed_ms, a.answered_at"
)


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

    @classmethod
    def from_row(cls, r: Row) -> CardRow:
        return cls(
            user_id=r["user_id"],
            question_id=r["question_id"],
            card_json=r["card"],
            due=as_time(r["due"]),
            last_correct=bool(r["last_correct"]),
            reviews=r["reviews"],
        )


CARD_COLUMNS = "user_id, question_id, card, due, last_correct, reviews"


@dataclass(frozen=True, slots=True)
class Reminder:
    user_id: int
    chat_id: int
    local_minute: int  # minute of the day in ``tz``
    tz: str  # a zoneinfo name or a ±HH:MM offset
    last_sent_day: str | None

    @classmethod
    def from_row(cls, r: Row) -> Reminder:
        return cls(r["user_id"], r["chat_id"], r["local_minute"], r["tz"], r["last_sent_day"])


@dataclass(frozen=True, slots=True)
class Dispute:
    id: int
    question_id: str
    user_id: int | None
    user_name: str | None
    text: str
    created_at: datetime
    resolved_at: datetime | None
    reply: str | None

    @classmethod
    def from_row(cls, r: Row) -> Dispute:
        return cls(
            id=r["id"],
            question_id=r["question_id"],
            user_id=r["user_id"],
            user_name=r["user_name"],
            text=r["text"],
            created_at=as_time(r["created_at"]),
            resolved_at=as_time_or_none(r["resolved_at"]),
            reply=r["reply"],
        )


@dataclass(frozen=True, slots=True)
class PendingInput:
    user_id: int
    kind: PendingKind
    question_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InboxItem:
    """An update or a due job, waiting for its key's turn."""

    id: int
    update_id: int | None
    key: int
    kind: str
    payload: str
    attempts: int

    @classmethod
    def from_row(cls, r: Row) -> InboxItem:
        return cls(r["id"], r["update_id"], r["key"], r["kind"], r["payload"], r["attempts"])


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    kind: str
    key: int
    run_at: datetime
    payload: str

    @classmethod
    def from_row(cls, r: Row) -> Job:
        return cls(r["name"], r["kind"], r["key"], as_time(r["run_at"]), r["payload"])


@dataclass(frozen=True, slots=True)
class ChatInfo:
    id: int
    kind: str
    member_count: int | None
    counted_at: datetime | None
    left_at: datetime | None

    @classmethod
    def from_row(cls, r: Row) -> ChatInfo:
        return cls(
            r["id"],
            r["kind"],
            r["member_count"],
            as_time_or_none(r["counted_at"]),
            as_time_or_none(r["left_at"]),
        )


@dataclass(frozen=True, slots=True)
class EarlyVote:
    poll_id: str
    user_id: int
    name: str
    option: int
    received_at: datetime
