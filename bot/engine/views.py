"""What the engine hands to the adapters (Telegram, console): plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from questions.model import Question
from storage.models import BoardEntry


@dataclass(frozen=True, slots=True)
class Player:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class QuestionView:
    round_id: int
    position: int  # 0-based
    total: int
    question: Question
    order: tuple[int, ...]  # bank option index shown at each place

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(self.question.options[i] for i in self.order)

    @property
    def correct_shown(self) -> int:
        return self.order.index(self.question.answer)

    @property
    def number(self) -> int:
        return self.position + 1


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
class RoundResultLine:
    player: Player
    points: int
    answered: int
    time_ms: int
    rank: int


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round_id: int
    total: int
    label: str
    lines: tuple[RoundResultLine, ...]
    missed: tuple[Question, ...] = ()  # private rounds: the questions the owner got wrong
    state: str = "finished"


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    status: Status
    view: QuestionView | None = None
    chosen: int | None = None  # bank option index
    correct: bool = False
    round_finished: bool = False
    next_position: int | None = None
    summary: RoundSummary | None = None


@dataclass(frozen=True, slots=True)
class StartOutcome:
    view: QuestionView | None
    resumed: bool = False
    already_running: bool = False
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
    streak_current: int
    streak_best: int
    global_rank: BoardEntry | None
    week_rank: BoardEntry | None
    chat_rank: BoardEntry | None
    topics: tuple[TopicAccuracy, ...] = field(default_factory=tuple)

    @property
    def accuracy(self) -> float:
        return self.points / self.answered if self.answered else 0.0


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
