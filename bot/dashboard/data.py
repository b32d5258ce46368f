"""What the dashboard's pages show, read from the store and shaped for the templates.

No aiohttp and no HTML here: :class:`Dashboard` reads through ``Store.read`` (the SQL is in
``storage.analytics``), computes item statistics with ``questions.stats`` and mastery with
the study engine's rule, and changes nothing but disputes (through ``StudyEngine``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.dashboard.charts import BarChart, bar_chart
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.study import DisputePage, Mark, StudyEngine, mastery
from questions.model import Bank, Question
from questions.stats import Flag, ItemStats, analyse
from storage import analytics
from storage.analytics import DayCount, Totals
from storage.db import Store
from storage.models import CardRow, Dispute
from storage.queries import Queries

DAYS = 30
LETTERS = "ABCDEFGHIJ"
MAX_REPLY = 500
DISPUTES_SHOWN = 200
CSV_COLUMNS = (
    "id",
    "paragraphs",
    "topic",
    "difficulty",
    "answers",
    "correct",
    "p_value",
    "discrimination",
    "median_ms",
    "disputes",
)


# the questions table ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    value: Callable[[ItemStats], Any]
    numeric: bool = True
    title: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("id", "id", lambda s: s.id, numeric=False),
    Column("paragraphs", "¶", lambda s: s.question.paragraphs, title="cited paragraphs"),
    Column("topic", "topic", lambda s: s.question.topic, numeric=False),
    Column("difficulty", "diff.", lambda s: s.question.difficulty, title="difficulty (1-3)"),
    Column("answers", "answers", lambda s: s.answers),
    Column("correct", "correct", lambda s: s.correct),
    Column("p_value", "p-value", lambda s: s.p_value, title="share of answers that were right"),
    Column(
        "discrimination",
        "discrimination",
        lambda s: s.discrimination,
        title="upper–lower 27 % index",
    ),
    Column("median_ms", "median", lambda s: s.median_ms, title="median answer time"),
    Column(
        "distractor",
        "least picked",
        lambda s: s.least_picked_share,
        title="share of answers choosing the least-picked wrong option",
    ),
    Column("disputes", "disputes", lambda s: s.disputes, title="open disputes"),
)
COLUMN_KEYS = {c.key: c for c in COLUMNS}


def sort_items(items: Sequence[ItemStats], key: str | None, descending: bool) -> list[ItemStats]:
    """Sorted by a column (unknown keys keep bank order); unknown values (None) go last in
    either direction; equal values keep bank order."""
    column = COLUMN_KEYS.get(key or "")
    if column is None:
        return list(items)
    known = [s for s in items if column.value(s) is not None]
    unknown = [s for s in items if column.value(s) is None]
    return sorted(known, key=column.value, reverse=descending) + unknown


def filter_items(
    items: Sequence[ItemStats], topic: str | None, flag: Flag | None
) -> list[ItemStats]:
    return [
        s
        for s in items
        if (topic is None or s.question.topic == topic) and (flag is None or flag in s.flags)
    ]


def items_csv(items: Sequence[ItemStats]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in items:
        writer.writerow(
            [
                s.id,
                " ".join(str(n) for n in s.question.paragraphs),
                s.question.topic,
                s.question.difficulty,
                s.answers,
                s.correct,
                "" if s.p_value is None else f"{s.p_value:.4f}",
                "" if s.discrimination is None else f"{s.discrimination:.4f}",
                "" if s.median_ms is None else s.median_ms,
                s.disputes,
            ]
        )
    return buffer.getvalue()


# one question ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionRow:
    letter: str
    text: str
    correct: bool
    picks: int
    share: float | None
    least_picked: bool


@dataclass(frozen=True, slots=True)
class Passage:
    """A cited paragraph cut into (text, is part of the quote) pieces."""

    number: int
    pieces: tuple[tuple[str, bool], ...]

    @property
    def quoted(self) -> bool:
        return any(marked for _, marked in self.pieces)


@dataclass(frozen=True, slots=True)
class QuestionPage:
    stats: ItemStats
    options: tuple[OptionRow, ...]
    passages: tuple[Passage, ...]
    disputes: tuple[Dispute, ...]

    @property
    def question(self) -> Question:
        return self.stats.question


def highlight(numbers: Sequence[int], texts: Sequence[str], quote: str) -> tuple[Passage, ...]:
    """Mark the quote inside the cited paragraphs. A quote may run across paragraphs (the
    bank allows it within the cited ones joined by a blank line): each part is marked."""
    joined = "\n\n".join(texts)
    start = joined.find(quote) if quote else -1
    stop = start + len(quote)
    passages = []
    offset = 0
    for number, text in zip(numbers, texts, strict=True):
        lo, hi = max(start, offset), min(stop, offset + len(text))
        if start < 0 or lo >= hi:
            pieces: tuple[tuple[str, bool], ...] = ((text, False),)
        else:
            a, b = lo - offset, hi - offset
            found = ((text[:a], False), (text[a:b], True), (text[b:], False))
            pieces = tuple(p for p in found if p[0])
        passages.append(Passage(number, pieces))
        offset += len(text) + 2
    return tuple(passages)


def option_rows(stats: ItemStats) -> tuple[OptionRow, ...]:
    q = stats.question
    least = stats.least_picked
    return tuple(
        OptionRow(
            LETTERS[i],
            text,
            i == q.answer,
            stats.picks[i],
            stats.pick_share(i),
            i == least,
        )
        for i, text in enumerate(q.options)
    )


# paragraphs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParagraphRow:
    number: int
    text: str
    questions: int
    learners: int  # everyone with at least one study card
    mastered: int  # learners for whom the paragraph is mastered
    started: int  # learners who answered at least one of its questions

    @property
    def share(self) -> float:
        return self.mastered / self.learners if self.learners else 0.0

    @property
    def shade(self) -> int:
        """0-10: the CSS class that shades the paragraph (m0 … m10)."""
        return round(self.share * 10)


def paragraph_rows(bank: Bank, cards: Sequence[CardRow], now: datetime) -> list[ParagraphRow]:
    """Mastery as ``bot.engine.study.mastery`` defines it, counted over every learner."""
    by_user: defaultdict[int, list[CardRow]] = defaultdict(list)
    for card in cards:
        if card.question_id in bank:
            by_user[card.user_id].append(card)
    body = bank.article.body_count
    mastered, started = [0] * body, [0] * body
    for user_cards in by_user.values():
        for p in mastery(bank, user_cards, now).paragraphs:
            mastered[p.paragraph - 1] += p.mark == Mark.MASTERED
            started[p.paragraph - 1] += p.answered > 0
    return [
        ParagraphRow(
            n,
            bank.article.paragraph(n),
            len(bank.for_paragraph(n)),
            len(by_user),
            mastered[n - 1],
            started[n - 1],
        )
        for n in range(1, body + 1)
    ]


# the overview --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    totals: Totals
    days: tuple[DayCount, ...]
    chart: BarChart

    @property
    def recent_answers(self) -> int:
        return sum(d.answers for d in self.days)


# the service --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reads:
    answers: list[analytics.AnswerRow]
    disputes: dict[str, int]


def _item_reads(q: Queries) -> _Reads:
    return _Reads(analytics.answer_rows(q), analytics.open_dispute_counts(q))


class Dashboard:
    """The pages' data. Reads only, except :meth:`resolve` (the study engine's unit)."""

    def __init__(self, bank: Bank, store: Store, clock: Clock = system_clock) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.study = StudyEngine(QuizEngine(bank, store, clock=clock))

    async def overview(self, days: int = DAYS) -> Overview:
        now = self.clock()
        today = now.astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        start = datetime.combine(first, time(), tzinfo=UTC)
        listed = [first + timedelta(days=i) for i in range(days)]

        def read(q: Queries) -> tuple[Totals, list[DayCount]]:
            return analytics.totals(q, start), analytics.answers_per_day(q, listed, start)

        totals, counts = await self.store.read(read, offload=True)
        chart = bar_chart([(d.day.strftime("%d %b"), d.answers) for d in counts])
        return Overview(totals, tuple(counts), chart)

    async def items(self) -> list[ItemStats]:
        reads = await self.store.read(_item_reads, offload=True)
        return analyse(self.bank, reads.answers, reads.disputes)

    async def question(self, question_id: str) -> QuestionPage | None:
        question = self.bank.get(question_id)
        if question is None:
            return None

        def read(q: Queries) -> tuple[_Reads, list[Dispute]]:
            return _item_reads(q), analytics.question_disputes(q, question_id)

        reads, disputes = await self.store.read(read, offload=True)
        [stats] = [
            s for s in analyse(self.bank, reads.answers, reads.disputes) if s.id == question_id
        ]
        texts = [self.bank.article.paragraph(n) for n in question.paragraphs]
        passages = highlight(question.paragraphs, texts, question.quote)
        return QuestionPage(stats, option_rows(stats), passages, tuple(disputes))

    async def paragraphs(self) -> list[ParagraphRow]:
        cards = await self.store.read(analytics.learner_cards, offload=True)
        return paragraph_rows(self.bank, cards, self.clock())

    async def disputes(self, limit: int = DISPUTES_SHOWN) -> DisputePage:
        return await self.study.open_disputes(limit)

    async def resolve(self, dispute_id: int, by_user: int, reply: str | None) -> bool:
        """Resolve an open dispute (False if it was resolved already or does not exist)."""
        text = " ".join((reply or "").split())[:MAX_REPLY]
        text = text.encode("utf-8", "replace").decode("utf-8")
        return await self.study.resolve_dispute(dispute_id, by_user, text or None)
