"""Every button's callback data, built and parsed in one place.

Callback data is hostile input: :func:`parse` accepts only the exact shapes built here
(bounded numbers, known words) and returns None for anything else. Each kind is a frozen
dataclass whose ``data`` property builds the string (at most 64 bytes, Telegram's limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from bot.engine.clock import COMMON_ZONES
from questions.model import TOPICS

MAX_DATA = 64
_INT = r"(\d{1,12})"
_SMALL = r"(\d{1,3})"


@dataclass(frozen=True, slots=True)
class Button:
    PREFIX: ClassVar[str] = ""
    SHAPE: ClassVar[re.Pattern[str]]

    @property
    def data(self) -> str:
        raise NotImplementedError

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button | None:
        """The button from a full match of its SHAPE (numbers are already bounded), or None
        when a value is out of range."""
        return cls(*(int(g) for g in m.groups() if g is not None))


# the quiz ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerButton(Button):
    """An option under a question: ``a:<round>:<position>:<shown option>``."""

    round_id: int
    position: int
    option: int
    SHAPE = re.compile(rf"a:{_INT}:{_SMALL}:(\d)")

    @property
    def data(self) -> str:
        return f"a:{self.round_id}:{self.position}:{self.option}"


@dataclass(frozen=True, slots=True)
class NextButton(Button):
    """ "Next ▶": send the round's question at ``position``."""

    round_id: int
    position: int
    SHAPE = re.compile(rf"n:{_INT}:{_SMALL}")

    @property
    def data(self) -> str:
        return f"n:{self.round_id}:{self.position}"


@dataclass(frozen=True, slots=True)
class ContinueButton(Button):
    """ "▶ Continue": show the open round's current question again."""

    round_id: int
    SHAPE = re.compile(rf"c:{_INT}")

    @property
    def data(self) -> str:
        return f"c:{self.round_id}"


class Ask:
    """What a start button asks for, in a few characters."""

    QUIZ = "q"  # q10: a 10-question quiz
    PARAGRAPH = "p"  # p5: quiz me on ¶5
    TOPIC = "t"  # t3: a quiz on TOPICS[3]
    REVIEW = "r"  # r: the due reviews
    RETRY = "x"  # x123: exactly the questions missed in round 123


@dataclass(frozen=True, slots=True)
class StartButton(Button):
    """Start a round: ``s:<ask>`` (``S:`` ends the open round first: "🆕 New")."""

    ask: str  # one of Ask
    number: int = 0  # size, paragraph, topic index or round id
    replace: bool = False
    SHAPE = re.compile(rf"([sS]):(?:([qptx]){_INT}|(r))")

    @property
    def data(self) -> str:
        head = "S" if self.replace else "s"
        tail = self.ask if self.ask == Ask.REVIEW else f"{self.ask}{self.number}"
        return f"{head}:{tail}"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button:
        replace = m[1] == "S"
        if m[4]:
            return cls(Ask.REVIEW, 0, replace)
        return cls(m[2], int(m[3]), replace)

    @property
    def topic(self) -> str | None:
        if self.ask == Ask.TOPIC and 0 <= self.number < len(TOPICS):
            return TOPICS[self.number]
        return None

    @classmethod
    def for_topic(cls, topic: str, *, replace: bool = False) -> StartButton:
        return cls(Ask.TOPIC, TOPICS.index(topic), replace)


# reading and searching --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadButton(Button):
    """Show paragraph ``number``; from a feedback message it keeps the way back to the round
    (``round_id``/``position``: the answered question) and edits that message in place."""

    number: int
    round_id: int = 0
    position: int = 0
    SHAPE = re.compile(rf"r:{_SMALL}(?::{_INT}:{_SMALL})?")

    @property
    def data(self) -> str:
        if self.round_id:
            return f"r:{self.number}:{self.round_id}:{self.position}"
        return f"r:{self.number}"


@dataclass(frozen=True, slots=True)
class OpenParagraphButton(Button):
    """Open paragraph ``number`` as a new message (from a list: search, progress)."""

    number: int
    SHAPE = re.compile(rf"o:{_SMALL}")

    @property
    def data(self) -> str:
        return f"o:{self.number}"


@dataclass(frozen=True, slots=True)
class BackButton(Button):
    """ "↩ Back": the feedback of the round's question at ``position`` again."""

    round_id: int
    position: int
    SHAPE = re.compile(rf"b:{_INT}:{_SMALL}")

    @property
    def data(self) -> str:
        return f"b:{self.round_id}:{self.position}"


@dataclass(frozen=True, slots=True)
class SearchMoreButton(Button):
    """ "More": the next page of the search shown in the message (the query is its header)."""

    offset: int
    SHAPE = re.compile(rf"f:{_SMALL}")

    @property
    def data(self) -> str:
        return f"f:{self.offset}"


# menus ------------------------------------------------------------------------------------


class Screen:
    MENU = "menu"
    ME = "me"
    TOP = "top"
    TOP_WEEK = "week"
    HELP = "help"
    PROGRESS = "progress"
    TOPICS = "topics"
    READ = "read"


@dataclass(frozen=True, slots=True)
class ScreenButton(Button):
    """Open a screen: ``m:<name>`` (the menu, /me, /top, /top week, /help, /progress,
    /topics, /read)."""

    screen: str
    SHAPE = re.compile(r"m:(menu|me|top|week|help|progress|topics|read)")

    @property
    def data(self) -> str:
        return f"m:{self.screen}"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button:
        return cls(m[1])


# study ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeButton(Button):
    """ "⚑ Report" under an answer: the next message is a note on that question."""

    round_id: int
    position: int
    SHAPE = re.compile(rf"d:{_INT}:{_SMALL}")

    @property
    def data(self) -> str:
        return f"d:{self.round_id}:{self.position}"


@dataclass(frozen=True, slots=True)
class ReminderButton(Button):
    """Set a daily reminder at ``minute`` (minutes after midnight, the user's zone);
    ``minute == PICK`` shows a choice of hours, ``OFF`` switches it off."""

    minute: int
    PICK: ClassVar[int] = 9999
    OFF: ClassVar[int] = 9998
    SHAPE = re.compile(r"t:(\d{1,4})")

    @property
    def data(self) -> str:
        return f"t:{self.minute}"


@dataclass(frozen=True, slots=True)
class ForgetButton(Button):
    confirm: bool
    SHAPE = re.compile(r"g:(yes|no)")

    @property
    def data(self) -> str:
        return f"g:{'yes' if self.confirm else 'no'}"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button:
        return cls(m[1] == "yes")


@dataclass(frozen=True, slots=True)
class ResolveButton(Button):
    """An admin resolves a dispute from the /disputes page starting at ``offset``."""

    dispute_id: int
    offset: int = 0
    SHAPE = re.compile(rf"v:{_INT}:{_SMALL}")

    @property
    def data(self) -> str:
        return f"v:{self.dispute_id}:{self.offset}"


@dataclass(frozen=True, slots=True)
class DisputePageButton(Button):
    offset: int
    SHAPE = re.compile(rf"w:{_SMALL}")

    @property
    def data(self) -> str:
        return f"w:{self.offset}"


@dataclass(frozen=True, slots=True)
class ZoneButton(Button):
    """A time zone for the daily reminder: ``z:<index>`` into ``COMMON_ZONES``."""

    index: int
    SHAPE = re.compile(r"z:(\d)")

    @property
    def data(self) -> str:
        return f"z:{self.index}"

    @property
    def zone(self) -> str:
        return COMMON_ZONES[self.index][1]

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button | None:
        index = int(m[1])
        return cls(index) if index < len(COMMON_ZONES) else None


@dataclass(frozen=True, slots=True)
class GoalButton(Button):
    """Set the daily goal to ``answers``: ``l:<answers>``."""

    answers: int
    SHAPE = re.compile(rf"l:{_SMALL}")

    @property
    def data(self) -> str:
        return f"l:{self.answers}"


@dataclass(frozen=True, slots=True)
class CancelNoteButton(Button):
    """ "✖ Cancel" under the ⚑ Report prompt: no note is saved."""

    SHAPE = re.compile(r"k:note")

    @property
    def data(self) -> str:
        return "k:note"


# groups -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollNextButton(Button):
    """ "⏩ Next" under a group poll: its round's starter (or an admin) closes it now."""

    round_id: int
    position: int
    SHAPE = re.compile(rf"p:{_INT}:{_SMALL}")

    @property
    def data(self) -> str:
        return f"p:{self.round_id}:{self.position}"


@dataclass(frozen=True, slots=True)
class ChallengeButton(Button):
    """ "🆕 Take the challenge" (after a conflict): ends the open round, starts the friend's
    challenge ``token``."""

    token: str
    SHAPE = re.compile(r"h:([A-Za-z0-9_-]{11,60})")

    @property
    def data(self) -> str:
        return f"h:{self.token}"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button:
        return cls(m[1])


@dataclass(frozen=True, slots=True)
class SharedQuestionButton(Button):
    """ "🆕 Answer this one" (after a conflict): ends the open round, asks the shared question
    whose opaque ``code`` came in a ``q_`` link."""

    code: str
    SHAPE = re.compile(r"j:([a-z0-9]{4,16})")

    @property
    def data(self) -> str:
        return f"j:{self.code}"

    @classmethod
    def from_match(cls, m: re.Match[str]) -> Button:
        return cls(m[1])


KINDS: tuple[type[Button], ...] = (
    AnswerButton,
    NextButton,
    ContinueButton,
    StartButton,
    ReadButton,
    OpenParagraphButton,
    BackButton,
    SearchMoreButton,
    ScreenButton,
    DisputeButton,
    ReminderButton,
    ZoneButton,
    GoalButton,
    CancelNoteButton,
    ForgetButton,
    ResolveButton,
    DisputePageButton,
    PollNextButton,
    ChallengeButton,
    SharedQuestionButton,
)


def parse(data: str | None) -> Button | None:
    """The button a callback's data stands for, or None if it is not one we built."""
    if not data or len(data) > MAX_DATA:  # a str is at least as long in bytes
        return None
    return _parse(data)


@lru_cache(maxsize=4096)  # every handler's pattern asks about the same tap: parse it once
def _parse(data: str) -> Button | None:
    if len(data.encode()) > MAX_DATA:
        return None
    for kind in KINDS:
        if m := kind.SHAPE.fullmatch(data):
            return kind.from_match(m)
    return None


def matches(*kinds: type[Button]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the data parses as one of ``kinds``."""

    def check(data: object) -> bool:
        return isinstance(data, str) and isinstance(parse(data), kinds)

    return check
