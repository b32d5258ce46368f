"""Study mode: reviews of due cards, the mastery map, topics, reminders, disputes, /forget.

"Mastered" (see README): a paragraph is mastered when every one of its questions has been
answered, the last answer to each was right, and none of them is due for review now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine import cards as cards_rule
from bot.engine import scoring
from bot.engine.clock import local_day, next_local_time
from bot.engine.quiz import QuizEngine
from bot.engine.views import Player, RoundRequest, StartOutcome
from questions.model import Bank
from storage.models import CardRow, ChatKind, Dispute, PendingKind, Reminder, RoundMode
from storage.queries import Queries

REVIEW_ROUND_SIZE = 10
MAX_DISPUTE_CHARS = 1000
NOTE_WINDOW = timedelta(minutes=15)  # a ⚑ tap waits this long for its note
REMINDER_JOB = "reminder"


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
        due=cards_rule.due_in_bank(in_bank, bank, now),
    )


@dataclass(frozen=True, slots=True)
class DueCards:
    ids: list[str]
    due_now: int
    next_due: datetime | None
    has_cards: bool


@dataclass(frozen=True, slots=True)
class ReviewStart:
    outcome: StartOutcome | None  # a round of due cards, or None when nothing is due
    next_due: datetime | None
    has_cards: bool
    due: int = 0  # cards due now (a round takes at most REVIEW_ROUND_SIZE of them)


@dataclass(frozen=True, slots=True)
class TopicLine:
    topic: str
    questions: int
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class ReminderNudge:
    """What a due reminder job says (None when there is nothing to say)."""

    chat_id: int
    due: int
    streak: int
    answered_today: bool


@dataclass(frozen=True, slots=True)
class DisputePage:
    disputes: tuple[Dispute, ...]
    total: int
    offset: int


def humanize(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} min"
    if seconds < 2 * 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return f"{days} days"


def reminder_job_name(user_id: int) -> str:
    return f"{REMINDER_JOB}:{user_id}"


class StudyEngine:
    def __init__(self, quiz: QuizEngine) -> None:
        self.quiz = quiz
        self.bank = quiz.bank
        self.store = quiz.store

    # reviews ------------------------------------------------------------------------------

    async def due_questions(self, user_id: int) -> DueCards:
        """The due cards still in the bank (oldest due first, at most a round of them), how
        many are due in all, the next due time, and whether the user has any cards."""
        now = self.quiz.clock()

        def read(q: Queries) -> tuple[list[CardRow], list[CardRow]]:
            return q.due_cards(user_id, now, REVIEW_ROUND_SIZE * 2), q.user_cards(user_id)

        due, everything = await self.store.read(read)
        ids = [c.question_id for c in due if c.question_id in self.bank][:REVIEW_ROUND_SIZE]
        upcoming = [c.due for c in everything if c.question_id in self.bank]
        return DueCards(
            ids=ids,
            due_now=max(len(ids), cards_rule.due_in_bank(everything, self.bank, now)),
            next_due=min(upcoming) if upcoming else None,
            has_cards=bool(upcoming),
        )

    async def start_review(
        self, chat_id: int, player: Player, *, replace: bool = False
    ) -> ReviewStart:
        due = await self.due_questions(player.id)
        if not due.ids:
            return ReviewStart(None, due.next_due, due.has_cards)
        outcome = await self.quiz.start_round(
            chat_id,
            ChatKind.PRIVATE,
            player,
            RoundRequest(question_ids=due.ids, mode=RoundMode.REVIEW, label="review"),
            replace=replace,
        )
        return ReviewStart(outcome, None, True, due.due_now)

    async def count_due(self, user_id: int) -> int:
        now = self.quiz.clock()
        return await self.store.read(lambda q: q.count_due(user_id, now))

    async def progress(self, user_id: int) -> Progress:
        cards = await self.store.read(lambda q: q.user_cards(user_id))
        return mastery(self.bank, cards, self.quiz.clock())

    async def topics(self, user_id: int) -> list[TopicLine]:
        stats = {
            s.question_id: s for s in await self.store.read(lambda q: q.question_stats(user_id))
        }
        lines = []
        for topic, count in self.bank.topics().items():
            mine = [stats[q.id] for q in self.bank.for_topic(topic) if q.id in stats]
            answered, correct = sum(s.answered for s in mine), sum(s.correct for s in mine)
            lines.append(TopicLine(topic, count, answered, correct))
        return lines

    # goals and zones ----------------------------------------------------------------------

    async def set_goal(self, player: Player, goal: int) -> int:
        goal = max(1, min(goal, scoring.MAX_DAILY_GOAL))
        now = self.quiz.clock()

        def unit(q: Queries) -> None:
            q.upsert_user(player.id, player.name, now)
            q.set_daily_goal(player.id, goal)

        await self.store.write(unit)
        return goal

    # reminders ----------------------------------------------------------------------------

    async def reminder(self, user_id: int) -> Reminder | None:
        return await self.store.read(lambda q: q.get_reminder(user_id))

    async def time_zone(self, user_id: int) -> str:
        """The zone the player gave (with /remind or a 🌍 button); UTC until they do."""
        user = await self.store.read(lambda q: q.get_user(user_id))
        return user.tz if user is not None and user.tz else "UTC"

    async def set_reminder(self, player: Player, chat_id: int, minute: int, tz: str) -> datetime:
        """A daily reminder at ``minute`` past midnight in ``tz``; returns the next one."""
        now = self.quiz.clock()
        next_run = next_local_time(now, minute, tz)

        def unit(q: Queries) -> None:
            q.upsert_user(player.id, player.name, now)
            q.set_reminder(player.id, chat_id, minute, tz)
            q.set_user_tz(player.id, tz)
            q.schedule_job(reminder_job_name(player.id), REMINDER_JOB, chat_id, next_run, "{}")

        await self.store.write(unit)
        return next_run

    async def remove_reminder(self, user_id: int) -> bool:
        def unit(q: Queries) -> bool:
            q.cancel_job(reminder_job_name(user_id))
            return q.delete_reminder(user_id)

        return await self.store.write(unit)

    async def reminder_due(self, user_id: int) -> tuple[ReminderNudge | None, datetime | None]:
        """The reminder's time came: schedule tomorrow's (returned), and say what to send:
        nothing if the user blocked the bot, or has nothing due and no streak to keep."""
        now = self.quiz.clock()

        def unit(q: Queries) -> tuple[ReminderNudge | None, datetime | None]:
            reminder = q.get_reminder(user_id)
            if reminder is None:
                return None, None
            following = next_local_time(now, reminder.local_minute, reminder.tz)
            q.schedule_job(
                reminder_job_name(user_id), REMINDER_JOB, reminder.chat_id, following, "{}"
            )
            user = q.get_user(user_id)
            today = local_day(now, reminder.tz).isoformat()
            if user is None or user.blocked or reminder.last_sent_day == today:
                return None, following
            activity = scoring.activity_now(user, now)
            due = q.count_due(user_id, now)
            if not due and not (activity.streak and not activity.answered_today):
                return None, following
            q.mark_reminder_sent(user_id, today)
            nudge = ReminderNudge(reminder.chat_id, due, activity.streak, activity.answered_today)
            return nudge, following

        return await self.store.write(unit)

    async def user_blocked_bot(self, user_id: int) -> None:
        """403 from the user's chat: nothing the bot starts goes to them until they write."""
        await self.quiz.mark_blocked(user_id)

    # disputes -----------------------------------------------------------------------------

    async def await_dispute(self, player: Player, round_id: int, position: int) -> str | None:
        """The ⚑ button: remember which question the user's next message is about."""
        now = self.quiz.clock()

        def unit(q: Queries) -> str | None:
            rq = q.round_question(round_id, position)
            round_ = q.get_round(round_id)
            if rq is None or round_ is None or round_.owner_id != player.id:
                return None
            q.upsert_user(player.id, player.name, now)
            q.set_pending(player.id, PendingKind.DISPUTE, rq.question_id, now)
            return rq.question_id

        return await self.store.write(unit)

    async def take_dispute_text(self, player: Player, text: str) -> int | None:
        """Store the user's message as a dispute if one was awaited (within
        ``NOTE_WINDOW`` of the ⚑ tap); return its id. A second note on a question the user
        disputes already joins the open entry."""
        now = self.quiz.clock()

        def unit(q: Queries) -> int | None:
            pending = q.take_pending(player.id)
            if pending is None or pending.kind is not PendingKind.DISPUTE:
                return None
            if now - pending.created_at > NOTE_WINDOW:
                return None  # a ⚑ tapped long ago: this message is about something else
            note = text[:MAX_DISPUTE_CHARS]
            joined = q.add_to_open_dispute(pending.question_id, player.id, note, MAX_DISPUTE_CHARS)
            if joined is not None:
                return joined
            return q.add_dispute(pending.question_id, player.id, note, now)

        return await self.store.write(unit)

    async def cancel_pending(self, user_id: int) -> bool:
        return await self.store.write(lambda q: q.take_pending(user_id) is not None)

    async def open_disputes(self, limit: int = 50, offset: int = 0) -> DisputePage:
        def read(q: Queries) -> DisputePage:
            return DisputePage(
                tuple(q.open_disputes(limit, offset)), q.count_open_disputes(), offset
            )

        return await self.store.read(read)

    async def resolve_dispute(
        self, dispute_id: int, by_user: int, reply: str | None = None
    ) -> bool:
        now = self.quiz.clock()
        return await self.store.write(lambda q: q.resolve_dispute(dispute_id, by_user, now, reply))

    # forgetting ---------------------------------------------------------------------------

    async def forget(self, user_id: int) -> bool:
        """Delete every row of the user in one transaction; their points leave every board.
        False if nothing was stored (a second "delete" changes nothing)."""
        forgotten = await self.store.write(lambda q: q.forget_user(user_id))
        self.quiz.forget_cached(user_id)
        return forgotten
