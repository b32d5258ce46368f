"""Study mode: search the article, review due cards, the mastery map, reminders, disputes.

"Mastered" (see README): a paragraph is mastered when every one of its questions has been
answered, the last answer to each was right, and none of them is due for review now.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.quiz import QuizEngine
from bot.engine.views import Player, StartOutcome
from questions.model import Article, Bank
from storage.models import CardRow, Dispute, Reminder

REVIEW_ROUND_SIZE = 10
MAX_DISPUTE_CHARS = 1000
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"'})


def fold(text: str) -> str:
    """Case- and apostrophe-insensitive form with the same length as ``text``."""
    out = []
    for char in text.translate(_APOSTROPHES):
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class SearchHit:
    paragraph: int
    text: str
    spans: tuple[tuple[int, int], ...]  # matches in ``text``, sorted, not overlapping


def search(article: Article, query: str, limit: int = 10) -> list[SearchHit]:
    """Paragraphs (body and author line) containing every word of the query."""
    words = [w for w in re.findall(r"[\w'’‘-]+", fold(query)) if w.strip("'-")][:10]
    if not words:
        return []
    hits: list[SearchHit] = []
    for number in article.citable:
        text = article.paragraph(number)
        folded = fold(text)
        if not all(word in folded for word in words):
            continue
        spans: list[tuple[int, int]] = []
        for word in words:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), folded)]
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        hits.append(SearchHit(number, text, tuple(merged)))
        if len(hits) >= limit:
            break
    return hits


class Mark:
    NEW = "⬜"
    WEAK = "🟥"
    LEARNING = "🟨"
    MASTERED = "🟩"


@dataclass(frozen=True, slots=True)
class ParagraphMastery:
    paragraph: int
    questions: int
    answered: int
    known: int  # last answer right and not due
    wrong: int  # last answer wrong

    @property
    def mark(self) -> str:
        if self.answered == 0:
            return Mark.NEW
        if self.known == self.questions:
            return Mark.MASTERED
        if self.wrong:
            return Mark.WEAK
        return Mark.LEARNING

    @property
    def share(self) -> float:
        return self.known / self.questions if self.questions else 0.0


@dataclass(frozen=True, slots=True)
class Progress:
    paragraphs: tuple[ParagraphMastery, ...]
    questions: int
    known: int
    due: int

    @property
    def mastered(self) -> int:
        return sum(p.mark == Mark.MASTERED for p in self.paragraphs)

    @property
    def started(self) -> bool:
        return any(p.answered for p in self.paragraphs)

    def weakest(self, count: int = 3) -> list[ParagraphMastery]:
        started = [p for p in self.paragraphs if p.answered and p.mark != Mark.MASTERED]
        return sorted(started, key=lambda p: (p.share, -p.wrong, p.paragraph))[:count]


def mastery(bank: Bank, cards: Sequence[CardRow], now: datetime) -> Progress:
    by_question = {c.question_id: c for c in cards}
    rows = []
    for number in range(1, bank.article.body_count + 1):
        questions = bank.for_paragraph(number)
        mine = [by_question[q.id] for q in questions if q.id in by_question]
        known = sum(c.last_correct and c.due > now for c in mine)
        wrong = sum(not c.last_correct for c in mine)
        rows.append(ParagraphMastery(number, len(questions), len(mine), known, wrong))
    in_bank = [c for c in cards if c.question_id in bank]
    return Progress(
        paragraphs=tuple(rows),
        questions=len(bank),
        known=sum(c.last_correct and c.due > now for c in in_bank),
        due=sum(c.due <= now for c in in_bank),
    )


@dataclass(frozen=True, slots=True)
class ReviewStart:
    outcome: StartOutcome | None  # a round of due cards, or None when nothing is due
    next_due: datetime | None
    has_cards: bool


@dataclass(frozen=True, slots=True)
class TopicLine:
    topic: str
    questions: int
    answered: int
    correct: int


def parse_reminder_time(args: Sequence[str]) -> tuple[int, int] | str:
    """``HH:MM`` (UTC) or ``HH:MM +02:00`` -> (minute of the day in UTC, offset minutes)."""
    if not 1 <= len(args) <= 2:
        return "Usage: /remind HH:MM [+HH:MM] — e.g. /remind 08:00 +02:00 — or /remind off"
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", args[0])
    if not match:
        return "Write the time as HH:MM, from 00:00 to 23:59."
    offset = 0
    if len(args) == 2:
        zone = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2})(?::?([0-5]\d))?", args[1].upper())
        if not zone or int(zone[2]) > 14:
            return "Write the offset from UTC like +02:00 or -05:00."
        offset = (int(zone[2]) * 60 + int(zone[3] or 0)) * (1 if zone[1] == "+" else -1)
    local = int(match[1]) * 60 + int(match[2])
    return (local - offset) % (24 * 60), offset


def humanize(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        minutes = max(1, seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 2 * 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return f"{days} days"


class StudyEngine:
    def __init__(self, quiz: QuizEngine) -> None:
        self.quiz = quiz
        self.bank = quiz.bank
        self.store = quiz.store

    async def start_review(self, chat_id: int, player: Player) -> ReviewStart:
        now = self.quiz.clock()
        due = [
            c
            for c in await self.store.reads.due_cards(player.id, now, REVIEW_ROUND_SIZE * 2)
            if c.question_id in self.bank
        ][:REVIEW_ROUND_SIZE]
        if not due:
            cards = await self.store.reads.user_cards(player.id)
            upcoming = [c.due for c in cards if c.question_id in self.bank]
            return ReviewStart(None, min(upcoming) if upcoming else None, bool(upcoming))
        outcome = await self.quiz.start_round(
            chat_id, "private", player, question_ids=[c.question_id for c in due], label="review"
        )
        return ReviewStart(outcome, None, True)

    async def progress(self, user_id: int) -> Progress:
        cards = await self.store.reads.user_cards(user_id)
        return mastery(self.bank, cards, self.quiz.clock())

    async def topics(self, user_id: int) -> list[TopicLine]:
        stats = {s.question_id: s for s in await self.store.reads.question_stats(user_id)}
        lines = []
        for topic, count in self.bank.topics().items():
            mine = [stats[q.id] for q in self.bank.for_topic(topic) if q.id in stats]
            answered, correct = sum(s.answered for s in mine), sum(s.correct for s in mine)
            lines.append(TopicLine(topic, count, answered, correct))
        return lines

    async def count_due(self, user_id: int) -> int:
        return await self.store.reads.count_due(user_id, self.quiz.clock())

    # reminders ----------------------------------------------------------------------------

    async def set_reminder(self, user: Player, chat_id: int, minute_utc: int, offset: int) -> None:
        async with self.store.transaction() as tx:
            await tx.upsert_user(user.id, user.name, self.quiz.clock())
            await tx.set_reminder(user.id, chat_id, minute_utc, offset)

    async def remove_reminder(self, user_id: int) -> bool:
        async with self.store.transaction() as tx:
            return await tx.delete_reminder(user_id)

    async def reminders(self) -> list[Reminder]:
        return await self.store.reads.reminders()

    async def reminder_sent(self, user_id: int) -> None:
        day = self.quiz.clock().date().isoformat()
        async with self.store.transaction() as tx:
            await tx.mark_reminder_sent(user_id, day)

    async def user_blocked_bot(self, user_id: int) -> None:
        """403 from the user's chat: switch reminders off and remember the block."""
        await self.quiz.mark_blocked(user_id)
        async with self.store.transaction() as tx:
            await tx.delete_reminder(user_id)

    # disputes -----------------------------------------------------------------------------

    async def await_dispute(self, player: Player, round_id: int, position: int) -> str | None:
        """The ⚑ button: remember which question the user's next message is about."""
        rq = await self.store.reads.round_question(round_id, position)
        round_ = await self.store.reads.get_round(round_id)
        if rq is None or round_ is None or round_.owner_id != player.id:
            return None
        async with self.store.transaction() as tx:
            await tx.upsert_user(player.id, player.name, self.quiz.clock())
            await tx.set_pending(player.id, "dispute", rq.question_id, self.quiz.clock())
        return rq.question_id

    async def take_dispute_text(self, player: Player, text: str) -> int | None:
        """Store the user's message as a dispute if one was awaited; return its id."""
        async with self.store.transaction() as tx:
            pending = await tx.take_pending(player.id)
            if pending is None or pending.kind != "dispute":
                return None
            return await tx.add_dispute(
                pending.question_id, player.id, text[:MAX_DISPUTE_CHARS], self.quiz.clock()
            )

    async def cancel_pending(self, user_id: int) -> bool:
        async with self.store.transaction() as tx:
            return await tx.take_pending(user_id) is not None

    async def open_disputes(self, limit: int = 20) -> list[Dispute]:
        return await self.store.reads.open_disputes(limit)

    async def resolve_dispute(self, dispute_id: int, by_user: int) -> bool:
        async with self.store.transaction() as tx:
            return await tx.resolve_dispute(dispute_id, by_user, self.quiz.clock())

    # forgetting ---------------------------------------------------------------------------

    async def forget(self, user_id: int) -> None:
        """Delete every row of the user in one transaction; their points leave every board."""
        async with self.store.transaction() as tx:
            await tx.forget_user(user_id)
        self.quiz.forget_cached(user_id)
