"""What the engine hands to the adapters (Telegram, console): plain frozen dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from bot.engine.scoring import Activity
from questions.model import Question
from storage.models import BoardEntry, RoundMode, RoundState


@dataclass(frozen=True, slots=True)
class Player:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Score:
    right: int
    answered: int


@dataclass(frozen=True, slots=True)
class QuestionView:
    round_id: int
    position: int  # 0-based
    total: int
    question: Question
    order: tuple[int, ...]  # bank option index shown at each place
    mode: RoundMode = RoundMode.QUIZ
    score: Score = Score(0, 0)  # the round owner's score before this question

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(self.question.options[i] for i in self.order)

    @property
    def correct_shown(self) -> int:
        return self.order.index(self.question.answer)

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def is_review(self) -> bool:
        return self.mode is RoundMode.REVIEW


class Status(Enum):
    OK = "ok"
    UNKNOWN_ROUND = "unknown round"
    NOT_YOURS = "not your round"
    ROUND_OVER = "round is over"
    STALE = "not the current question"
    ALREADY_ANSWERED = "already answered"
    INVALID = "invalid option"
    CLOSED = "question closed"


@dataclass(frozen=True, slots=True)
class RoundRequest:
    """What a player asked for: a quiz (all, a topic, a paragraph) or a fixed question list."""

    size: int = 10
    topic: str | None = None
    paragraph: int | None = None
    question_ids: Sequence[str] | None = None  # review, retry, challenge, one shared question
    option_orders: Sequence[Sequence[int]] | None = None  # a challenge: the same option order
    mode: RoundMode = RoundMode.QUIZ
    open_period: int | None = None  # seconds per poll (groups)
    label: str | None = None


@dataclass(frozen=True, slots=True)
class OpenRound:
    """A round still open in the chat: where it stands."""

    round_id: int
    position: int
    total: int
    mode: RoundMode
    label: str
    owner_id: int | None

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class RoundResultLine:
    player: Player
    points: int  # right answers in this round
    answered: int
    time_ms: int  # total answer time of the right answers
    rank: int


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round_id: int
    total: int
    label: str
    lines: tuple[RoundResultLine, ...]
    missed: tuple[Question, ...] = ()  # private rounds: the owner's wrong answers, in order
    state: RoundState = RoundState.FINISHED
    mode: RoundMode = RoundMode.QUIZ
    points: int = 0  # board points the owner earned in this round (private rounds)
    next_review: datetime | None = None  # review rounds: when the next card falls due
    due_now: int = 0  # review rounds: cards due again right away (more than a round held)

    @property
    def perfect(self) -> bool:
        return bool(self.lines) and not self.missed and self.lines[0].points == self.total


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    status: Status
    view: QuestionView | None = None
    chosen: int | None = None  # bank option index
    correct: bool = False
    round_finished: bool = False
    next_position: int | None = None
    summary: RoundSummary | None = None
    score: Score | None = None  # the round owner's score after this answer
    points: int = 0  # board points this answer earned (0 for a replayed question)
    activity: Activity | None = None
    mastered: tuple[int, ...] = ()  # paragraphs this answer made mastered
    offer_reminder: bool = False  # a first good round: offer a daily reminder, once


@dataclass(frozen=True, slots=True)
class StartOutcome:
    view: QuestionView | None
    open_round: OpenRound | None = None  # a round is already open in this chat
    empty: bool = False  # no questions match the request


@dataclass(frozen=True, slots=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Profile:
    player: Player
    points: int
    answered: int
    correct: int
    activity: Activity
    global_rank: BoardEntry | None
    week_rank: BoardEntry | None
    chat_rank: BoardEntry | None
    due: int = 0
    mastered: int = 0
    paragraphs: int = 0
    known_share: float = 0.0
    topics: tuple[TopicAccuracy, ...] = field(default_factory=tuple)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Board:
    title: str
    board: str
    top: tuple[BoardEntry, ...]
    me: BoardEntry | None  # the caller, when not in the top list
    players: int


@dataclass(frozen=True, slots=True)
class PollResult:
    """What happened to one group poll, for the result message after it closes."""

    view: QuestionView
    right: tuple[tuple[Player, int], ...]  # (player, elapsed ms), fastest first
    answered: int
    next_view: QuestionView | None
    summary: RoundSummary | None
    closed_at: datetime | None = None
