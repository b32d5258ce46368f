"""Immutable objects for the article and the question bank."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# The small fixed set of topics a question may belong to (see questions/README.md).
TOPICS: tuple[str, ...] = (
    "protests",
    "diplomacy",
    "russia",
    "security",
    "crimea",
    "minsk-talks",
    "economy",
    "people",
)

# The author line closes the body; everything after it is page furniture.
AUTHOR_LINE_PREFIX = "Vladislav Davidzon is a"

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Split on blank lines, drop empty paragraphs; the result is numbered from 1 by callers."""
    return tuple(p.strip("\n") for p in _PARAGRAPH_BREAK.split(text) if p.strip())


@dataclass(frozen=True, slots=True)
class Article:
    """The article as numbered paragraphs (¶1 is ``paragraphs[0]``)."""

    paragraphs: tuple[str, ...]
    author_line: int  # number of the author paragraph; body is 1..author_line-1

    @classmethod
    def from_text(cls, text: str) -> Article:
        paragraphs = split_paragraphs(text)
        for number, paragraph in enumerate(paragraphs, 1):
            if paragraph.startswith(AUTHOR_LINE_PREFIX):
                return cls(paragraphs, number)
        return cls(paragraphs, len(paragraphs) + 1)

    @property
    def body_count(self) -> int:
        return self.author_line - 1

    @property
    def citable(self) -> range:
        """Paragraph numbers a question may cite: the body and the author line."""
        return range(1, min(self.author_line, len(self.paragraphs)) + 1)

    def paragraph(self, number: int) -> str:
        if not 1 <= number <= len(self.paragraphs):
            raise IndexError(f"no paragraph {number}")
        return self.paragraphs[number - 1]

    def is_furniture(self, number: int) -> bool:
        return self.author_line < number <= len(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    paragraphs: tuple[int, ...]
    topic: str
    difficulty: int
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    quote: str
    source: str = ""  # "file:line" of the entry, for messages

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]

    @property
    def paragraph(self) -> int:
        """The first cited paragraph: where "Read ¶N" takes the learner."""
        return self.paragraphs[0]

    @property
    def citation(self) -> str:
        return ", ".join(f"¶{n}" for n in self.paragraphs)

    @property
    def is_true_false(self) -> bool:
        return self.options in (("True", "False"), ("False", "True"))


@dataclass(frozen=True, slots=True)
class Bank:
    article: Article
    questions: tuple[Question, ...]
    _by_id: Mapping[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({q.id: q for q in self.questions}))

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def for_paragraph(self, number: int) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if number in q.paragraphs)

    def for_topic(self, topic: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.topic == topic)

    def topics(self) -> dict[str, int]:
        counts = dict.fromkeys(TOPICS, 0)
        for q in self.questions:
            counts[q.topic] = counts.get(q.topic, 0) + 1
        return {t: n for t, n in counts.items() if n}
