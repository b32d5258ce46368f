"""Rounds, grading, scores and streaks. No Telegram here: adapters call these coroutines."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from fsrs import Scheduler

from bot.engine import cards
from bot.engine.clock import Clock, day_before, iso_week, system_clock, utc_day
from bot.engine.views import (
    AnswerOutcome,
    Board,
    Player,
    PollResult,
    Profile,
    QuestionView,
    RoundResultLine,
    RoundSummary,
    StartOutcome,
    Status,
    TopicAccuracy,
)
from questions.model import Bank, Question
from storage.db import Store
from storage.models import Round, RoundQuestion
from storage.queries import Queries

log = logging.getLogger(__name__)

DEFAULT_ROUND_SIZE = 10
MAX_ROUND_SIZE = 50
MAX_ELAPSED_MS = 24 * 3600 * 1000
GLOBAL_BOARD = "all"


def week_board(now: datetime) -> str:
    return f"week:{iso_week(now)}"


def chat_board(chat_id: int) -> str:
    return f"chat:{chat_id}"


def choose_questions(
    pool: Sequence[Question], seen: set[str], size: int, rng: random.Random
) -> list[Question]:
    """Questions the player has not seen come first, each group in random order."""
    unseen = [q for q in pool if q.id not in seen]
    again = [q for q in pool if q.id in seen]
    rng.shuffle(unseen)
    rng.shuffle(again)
    return (unseen + again)[:size]


def option_order(question: Question, rng: random.Random) -> list[int]:
    order = list(range(len(question.options)))
    if not question.is_true_false:  # "True, False" reads best in its usual order
        rng.shuffle(order)
    return order


def next_streak(current: int, best: int, last_day: str | None, now: datetime) -> tuple[int, int]:
    today = utc_day(now)
    if last_day == today.isoformat():
        return current, best
    current = current + 1 if last_day == day_before(today).isoformat() else 1
    return current, max(best, current)


def shown_streak(current: int, last_day: str | None, now: datetime) -> int:
    """A streak still counts today if the player answered yesterday or today."""
    today = utc_day(now)
    if last_day in (today.isoformat(), day_before(today).isoformat()):
        return current
    return 0


class QuizEngine:
    def __init__(
        self,
        bank: Bank,
        store: Store,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - shuffling quiz options, not secrets
        self.scheduler = scheduler or cards.make_scheduler()
        self._known_names: dict[int, str] = {}  # a cache only: the database has the truth

    # players ------------------------------------------------------------------------------

    async def touch_player(self, player: Player) -> None:
        """Keep the stored display name current; a user who writes to us is not blocking us."""
        if self._known_names.get(player.id) == player.name:
            return
        known = await self.store.reads.get_user(player.id)
        if known is None or known.name != player.name or known.blocked:
            now = self.clock()

            def remember(q: Queries) -> None:
                q.upsert_user(player.id, player.name, now)
                q.set_blocked(player.id, False)

            await self.store.write(remember)
        if len(self._known_names) > 100_000:
            self._known_names.clear()
        self._known_names[player.id] = player.name

    def forget_cached(self, user_id: int) -> None:
        self._known_names.pop(user_id, None)

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot (403): remember it so nothing is sent to them again."""
        self._known_names.pop(user_id, None)
        await self.store.write(lambda q: q.set_blocked(user_id, True))

    # rounds -------------------------------------------------------------------------------

    def pool(self, topic: str | None = None, paragraph: int | None = None) -> tuple[Question, ...]:
        if topic is not None:
            return self.bank.for_topic(topic)
        if paragraph is not None:
            return self.bank.for_paragraph(paragraph)
        return self.bank.questions

    async def start_round(
        self,
        chat_id: int,
        chat_kind: str,
        player: Player,
        size: int = DEFAULT_ROUND_SIZE,
        *,
        topic: str | None = None,
        paragraph: int | None = None,
        question_ids: Sequence[str] | None = None,
        open_period: int | None = None,
        label: str | None = None,
    ) -> StartOutcome:
        """Start a round, or in a private chat pick up the round that is still open."""
        active = await self.store.reads.active_round(chat_id)
        if active is not None:
            if chat_kind == "group":
                return StartOutcome(view=None, already_running=True)
            return StartOutcome(view=await self.current(active.id), resumed=True)
        if question_ids is not None:
            chosen = [q for q in (self.bank.get(i) for i in question_ids) if q is not None]
        else:
            seen = await self.store.reads.seen_question_ids(player.id)
            size = max(1, min(size, MAX_ROUND_SIZE))
            chosen = choose_questions(self.pool(topic, paragraph), seen, size, self.rng)
        if not chosen:
            return StartOutcome(view=None, empty=True)
        if label is None:
            label = topic or (f"¶{paragraph}" if paragraph is not None else "")
        now = self.clock()
        questions = [(q.id, option_order(q, self.rng)) for q in chosen]

        def create(q: Queries) -> int | None:
            if q.active_round(chat_id) is not None:  # another start won the race
                return None
            q.upsert_user(player.id, player.name, now)
            return q.create_round(
                chat_id=chat_id,
                chat_kind=chat_kind,
                owner_id=player.id,
                questions=questions,
                open_period=open_period,
                label=label,
                now=now,
            )

        round_id = await self.store.write(create)
        if round_id is None:
            return StartOutcome(view=None, already_running=True)
        return StartOutcome(view=await self.current(round_id))

    def _view(self, round_: Round, rq: RoundQuestion) -> QuestionView | None:
        question = self.bank.get(rq.question_id)
        if question is None or sorted(rq.option_order) != list(range(len(question.options))):
            return None  # removed from the bank (or its options changed) since the round began
        return QuestionView(round_.id, rq.position, round_.size, question, rq.option_order)

    async def current(self, round_id: int) -> QuestionView | None:
        """The question the round is on, skipping any the bank no longer has."""
        while True:
            round_ = await self.store.reads.get_round(round_id)
            if round_ is None or not round_.is_active:
                return None
            rq = await self.store.reads.round_question(round_id, round_.position)
            if rq is not None and (view := self._view(round_, rq)) is not None:
                return view
            log.warning("round %d skips question %d: not in the bank", round_id, round_.position)
            now = self.clock()
            await self.store.write(partial(self._advance, round_=round_, now=now))

    @staticmethod
    def _advance(q: Queries, round_: Round, now: datetime) -> bool:
        """Move to the next question; return True when that finished the round."""
        following = round_.position + 1
        if following >= round_.size:
            q.end_round(round_.id, "finished", now)
            return True
        q.set_round_position(round_.id, following, now)
        return False

    async def mark_asked(
        self,
        view: QuestionView,
        *,
        message_id: int | None = None,
        poll_id: str | None = None,
        open_period: int | None = None,
    ) -> None:
        now = self.clock()
        closes_at = now + timedelta(seconds=open_period) if open_period else None
        await self.store.write(
            lambda q: q.mark_asked(
                view.round_id,
                view.position,
                now,
                message_id=message_id,
                poll_id=poll_id,
                closes_at=closes_at,
            )
        )

    async def claim_next(
        self, round_id: int, position: int, player: Player
    ) -> tuple[Status, QuestionView | None]:
        """The "Next" button: the question at ``position``, once; a second tap gets a status."""
        round_ = await self.store.reads.get_round(round_id)
        if round_ is None:
            return Status.UNKNOWN_ROUND, None
        if round_.owner_id != player.id:
            return Status.NOT_YOURS, None
        if not round_.is_active:
            return Status.ROUND_OVER, None
        view = await self.current(round_id)
        if view is None:
            return Status.ROUND_OVER, None
        if view.position != position:
            return Status.STALE, None
        now = self.clock()
        claimed = await self.store.write(lambda q: q.claim_question(round_id, position, now))
        return (Status.OK, view) if claimed else (Status.STALE, None)

    # answers ------------------------------------------------------------------------------

    async def answer(
        self, round_id: int, position: int, shown_index: int, player: Player
    ) -> AnswerOutcome:
        """Grade an inline-button answer in a private round; return once it is committed."""
        now = self.clock()
        return await self.store.write(
            lambda q: self._answer_unit(q, round_id, position, shown_index, player, now)
        )

    def _answer_unit(
        self,
        q: Queries,
        round_id: int,
        position: int,
        shown_index: int,
        player: Player,
        now: datetime,
    ) -> AnswerOutcome:
        """The whole answer as one unit of work in the database thread."""
        round_, rq, earlier = q.answer_context(round_id, position, player.id)
        if round_ is None:
            return AnswerOutcome(Status.UNKNOWN_ROUND)
        if round_.owner_id != player.id:
            return AnswerOutcome(Status.NOT_YOURS)
        view = None if rq is None else self._view(round_, rq)
        if rq is None or view is None:
            return AnswerOutcome(Status.STALE)
        if earlier is not None:  # a second tap, a retry or a re-delivered update
            return self._already(q, round_, view, earlier)
        if not round_.is_active:
            return AnswerOutcome(Status.ROUND_OVER)
        if position != round_.position:
            return AnswerOutcome(Status.STALE)
        if not 0 <= shown_index < len(view.order):
            return AnswerOutcome(Status.INVALID)
        chosen = view.order[shown_index]
        if not self._record(q, round_, rq, view.question, player, chosen, now):
            return AnswerOutcome(Status.ALREADY_ANSWERED)
        finished = self._advance(q, round_, now)
        return AnswerOutcome(
            Status.OK,
            view=view,
            chosen=chosen,
            correct=chosen == view.question.answer,
            round_finished=finished,
            next_position=None if finished else position + 1,
            summary=self._summary(q, round_id) if finished else None,
        )

    def _already(
        self, q: Queries, round_: Round, view: QuestionView, chosen: int
    ) -> AnswerOutcome:
        """What was answered before, so the feedback can be shown again (idempotent taps)."""
        following = view.position + 1
        waiting = round_.is_active and round_.position == following
        return AnswerOutcome(
            Status.ALREADY_ANSWERED,
            view=view,
            chosen=chosen,
            correct=chosen == view.question.answer,
            round_finished=not round_.is_active,
            next_position=following if waiting else None,
            summary=self._summary(q, round_.id) if following == round_.size else None,
        )

    async def answer_poll(
        self, poll_id: str, player: Player, option_ids: Sequence[int]
    ) -> AnswerOutcome:
        """Grade a quiz-poll answer in a group round; the poll's round moves on by its timer."""
        now = self.clock()
        rq = await self.store.reads.round_question_by_poll(poll_id)
        if rq is None:
            return AnswerOutcome(Status.UNKNOWN_ROUND)
        if len(option_ids) != 1:  # a retracted vote (empty) or a forged multi-answer
            return AnswerOutcome(Status.INVALID)
        return await self.store.write(
            lambda q: self._poll_unit(q, rq.round_id, rq.position, player, option_ids[0], now)
        )

    def _poll_unit(
        self, q: Queries, round_id: int, position: int, player: Player, shown: int, now: datetime
    ) -> AnswerOutcome:
        round_ = q.get_round(round_id)
        rq = q.round_question(round_id, position)
        if round_ is None or rq is None:
            return AnswerOutcome(Status.UNKNOWN_ROUND)
        if not round_.is_active or rq.closed:
            return AnswerOutcome(Status.CLOSED)
        view = self._view(round_, rq)
        if view is None:
            return AnswerOutcome(Status.STALE)
        if not 0 <= shown < len(view.order):
            return AnswerOutcome(Status.INVALID)
        chosen = view.order[shown]
        q.upsert_user(player.id, player.name, now)
        if not self._record(q, round_, rq, view.question, player, chosen, now):
            return AnswerOutcome(Status.ALREADY_ANSWERED)
        return AnswerOutcome(
            Status.OK, view=view, chosen=chosen, correct=chosen == view.question.answer
        )

    def _record(
        self,
        q: Queries,
        round_: Round,
        rq: RoundQuestion,
        question: Question,
        player: Player,
        chosen: int,
        now: datetime,
    ) -> bool:
        """Store the answer and everything that follows from it, in the caller's transaction."""
        correct = chosen == question.answer
        elapsed = 0 if rq.asked_at is None else int((now - rq.asked_at).total_seconds() * 1000)
        elapsed = max(0, min(elapsed, MAX_ELAPSED_MS))
        inserted = q.insert_answer(
            round_id=round_.id,
            position=rq.position,
            question_id=question.id,
            user_id=player.id,
            chat_id=round_.chat_id,
            chosen=chosen,
            correct=correct,
            elapsed_ms=elapsed,
            answered_at=now,
            week=iso_week(now),
        )
        if not inserted:
            return False
        points = int(correct)
        time_ms = elapsed if correct else 0
        boards = [GLOBAL_BOARD, week_board(now)]
        if round_.chat_kind == "group":
            boards.append(chat_board(round_.chat_id))
        for board in boards:
            q.add_to_board(board, player.id, points, time_ms)
        user, card_json = q.learner_state(player.id, question.id)
        today = utc_day(now).isoformat()
        if user is not None and user.last_active_day != today:  # first answer of the day
            current, best = next_streak(
                user.streak_current, user.streak_best, user.last_active_day, now
            )
            q.set_streak(player.id, current, best, today)
        card_json, due = cards.review(self.scheduler, card_json, correct, elapsed, now)
        q.save_card(player.id, question.id, card_json, due, correct)
        return True

    # group rounds ---------------------------------------------------------------------------

    async def close_question(self, round_id: int, position: int) -> PollResult | None:
        """Close a group poll and move the round on; None if it was closed already."""
        now = self.clock()

        def close(q: Queries) -> tuple[QuestionView | None, bool] | None:
            round_ = q.get_round(round_id)
            rq = q.round_question(round_id, position)
            if round_ is None or rq is None or not q.close_round_question(round_id, position):
                return None
            finished = False
            if round_.is_active and round_.position == position:
                finished = self._advance(q, round_, now)
            return self._view(round_, rq), finished

        closed = await self.store.write(close)
        if closed is None:
            return None
        view, finished = closed
        answers = await self.store.reads.round_answers(round_id, position)
        players = await self.store.reads.round_players(round_id)
        right = tuple(
            (Player(a.user_id, players.get(a.user_id, "?")), a.elapsed_ms)
            for a in answers
            if a.correct
        )
        next_view = None if finished else await self.current(round_id)
        summary = await self.summary(round_id) if finished or next_view is None else None
        if view is None:
            return None
        return PollResult(view, right, len(answers), next_view, summary, now)

    async def everyone_answered(self, round_id: int, position: int) -> bool:
        """Everyone who played an earlier question of this round has answered this one.

        The first question has no known players yet, so it always runs its full time.
        """
        answers = await self.store.reads.round_answers(round_id)
        earlier = {a.user_id for a in answers if a.position < position}
        now = {a.user_id for a in answers if a.position == position}
        return bool(earlier) and now >= earlier

    async def stop_round(self, round_id: int) -> RoundSummary | None:
        now = self.clock()
        stopped = await self.store.write(lambda q: q.end_round(round_id, "stopped", now))
        return await self.summary(round_id) if stopped else None

    async def summary(self, round_id: int) -> RoundSummary:
        return await self.store.reads.run(self._summary, round_id)

    def _summary(self, q: Queries, round_id: int) -> RoundSummary:
        """The round's table (and, in private, what to review), from one consistent read."""
        round_ = q.get_round(round_id)
        answers = q.round_answers(round_id)
        players = q.round_players(round_id)
        totals: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for a in answers:
            total = totals[a.user_id]
            total[0] += int(a.correct)
            total[1] += 1
            total[2] += a.elapsed_ms if a.correct else 0
        ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[1][2], item[0]))
        lines: list[RoundResultLine] = []
        for index, (user_id, (points, answered, time_ms)) in enumerate(ordered):
            same = lines and (lines[-1].points, lines[-1].time_ms) == (points, time_ms)
            rank = lines[-1].rank if same else index + 1
            player = Player(user_id, players.get(user_id, "?"))
            lines.append(RoundResultLine(player, points, answered, time_ms, rank))
        missed: list[Question] = []
        if round_ is not None and round_.chat_kind == "private":
            for a in answers:
                question = self.bank.get(a.question_id)
                if not a.correct and question is not None:
                    missed.append(question)
        return RoundSummary(
            round_id=round_id,
            total=round_.size if round_ else 0,
            label=round_.label if round_ else "",
            lines=tuple(lines),
            missed=tuple(missed),
            state=round_.state if round_ else "finished",
        )

    # scores -------------------------------------------------------------------------------

    async def board(self, scope: str, user_id: int, chat_id: int | None = None) -> Board:
        """``scope`` is 'all', 'week' or 'chat' (needs ``chat_id``)."""
        now = self.clock()
        if scope == "week":
            board, title = week_board(now), f"This week ({iso_week(now)}, UTC)"
        elif scope == "chat" and chat_id is not None:
            board, title = chat_board(chat_id), "This chat"
        else:
            board, title = GLOBAL_BOARD, "All time"
        reads = self.store.reads
        top = tuple(await reads.top(board, 10))
        me = None
        if all(entry.user_id != user_id for entry in top):
            me = await reads.board_entry(board, user_id)
        return Board(title, board, top, me, await reads.board_size(board))

    async def profile(self, player: Player, chat_id: int | None = None) -> Profile:
        reads = self.store.reads
        now = self.clock()
        user = await reads.get_user(player.id)
        global_rank = await reads.board_entry(GLOBAL_BOARD, player.id)
        week_rank = await reads.board_entry(week_board(now), player.id)
        chat_rank = (
            None if chat_id is None else await reads.board_entry(chat_board(chat_id), player.id)
        )
        per_topic: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        for stats in await reads.question_stats(player.id):
            question = self.bank.get(stats.question_id)
            if question is not None:
                per_topic[question.topic][0] += stats.answered
                per_topic[question.topic][1] += stats.correct
        topics = tuple(
            TopicAccuracy(topic, *per_topic[topic])
            for topic in self.bank.topics()
            if topic in per_topic
        )
        return Profile(
            player=Player(player.id, user.name if user else player.name),
            points=global_rank.points if global_rank else 0,
            answered=global_rank.answered if global_rank else 0,
            streak_current=shown_streak(user.streak_current, user.last_active_day, now)
            if user
            else 0,
            streak_best=user.streak_best if user else 0,
            global_rank=global_rank,
            week_rank=week_rank,
            chat_rank=chat_rank,
            topics=topics,
        )
