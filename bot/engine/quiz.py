"""Rounds, answers, group polls and scoreboards. No Telegram here: adapters call these.

Every change is one unit of work (``Store.write``): a plain function of ``Queries`` that
reads what it needs and writes everything that follows from an answer in one transaction.
Units have no effects outside the database (they may run twice; see ``storage.db``).
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from fsrs import Scheduler

from bot.engine import cards, scoring
from bot.engine.clock import Clock, iso_week, system_clock
from bot.engine.rounds import choose_questions, option_order
from bot.engine.views import (
    AnswerOutcome,
    Board,
    OpenRound,
    Player,
    PollResult,
    Profile,
    QuestionView,
    RoundRequest,
    RoundResultLine,
    RoundSummary,
    Score,
    StartOutcome,
    Status,
    TopicAccuracy,
)
from questions.model import Bank, Question
from questions.overlap import conflicts
from storage.db import Store
from storage.models import (
    Answer,
    BoardEntry,
    CardRow,
    ChatKind,
    QuestionStats,
    Round,
    RoundMode,
    RoundQuestion,
    RoundState,
    User,
)
from storage.queries import AnswerContext, Queries

log = logging.getLogger(__name__)

DEFAULT_ROUND_SIZE = 10
MAX_ROUND_SIZE = 50
MAX_ELAPSED_MS = 24 * 3600 * 1000
EARLY_VOTE_WINDOW = timedelta(minutes=10)
SEND_STALE_AFTER = timedelta(seconds=90)  # a poll send that never finished may be retried
POLL_QUESTION_LIMIT = 300  # Telegram's limit for a poll question
CLOSE_GRACE = timedelta(seconds=1)  # let Telegram close the poll before we post its result
POLL_CLOSE = "poll-close"
POLL_SEND = "poll-send"


def poll_job(kind: str, round_id: int, position: int) -> str:
    return f"{kind}:{round_id}:{position}"


@dataclass(frozen=True, slots=True)
class _Recorded:
    answer_id: int
    points: int
    activity: scoring.Activity | None
    mastered: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _ProfileRows:
    user: User | None
    ranks: list[BoardEntry | None]
    stats: list[QuestionStats]
    cards: list[CardRow]


@dataclass(frozen=True, slots=True)
class CloseState:
    """Where a group poll stands when its timer fires or someone asks to close it."""

    round: Round
    question: RoundQuestion
    answers: int  # votes stored for it
    expected: int | None  # votes Telegram reported when it closed (its ``poll`` update)

    @property
    def votes_on_their_way(self) -> bool:
        """Telegram counted votes we have not handled yet: the result waits for them."""
        return self.expected is not None and self.answers < self.expected


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
        self.conflicts = conflicts(bank.questions, bank.article)
        self._unblocked: set[int] = set()  # a cache only: users known not to block us

    # players ------------------------------------------------------------------------------

    async def saw_player(self, user_id: int) -> None:
        """The user wrote to us, so they do not block us: clear a stored block. Creates no
        row: after /forget nothing is stored about someone until they play."""
        if user_id in self._unblocked:
            return
        if await self.store.read(lambda q: q.is_blocked(user_id)):
            await self.store.write(lambda q: q.set_blocked(user_id, False))
        if len(self._unblocked) > 100_000:
            self._unblocked.clear()
        self._unblocked.add(user_id)

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot (403): nothing the bot starts is sent to them again."""
        self._unblocked.discard(user_id)
        await self.store.write(lambda q: q.set_blocked(user_id, True))

    async def is_blocked(self, user_id: int) -> bool:
        return await self.store.read(lambda q: q.is_blocked(user_id))

    def forget_cached(self, user_id: int) -> None:
        self._unblocked.discard(user_id)

    # starting rounds ----------------------------------------------------------------------

    def pool(self, topic: str | None = None, paragraph: int | None = None) -> tuple[Question, ...]:
        if topic is not None:
            return self.bank.for_topic(topic)
        if paragraph is not None:
            return self.bank.for_paragraph(paragraph)
        return self.bank.questions

    async def get_round(self, round_id: int) -> Round | None:
        return await self.store.read(lambda q: q.get_round(round_id))

    async def chat_membership(self, chat_id: int, kind: str, *, left: bool) -> None:
        """The bot was added to (or removed from) a chat."""
        now = self.clock()
        await self.store.write(lambda q: q.set_chat_left(chat_id, kind, now if left else None))

    async def open_round(self, chat_id: int) -> OpenRound | None:
        round_ = await self.store.read(lambda q: q.active_round(chat_id))
        return None if round_ is None else _open(round_)

    async def start_round(
        self,
        chat_id: int,
        chat_kind: ChatKind,
        player: Player,
        request: RoundRequest,
        *,
        replace: bool = False,
    ) -> StartOutcome:
        """Start the round asked for. If a round is open in the chat, nothing starts and the
        outcome says where it stands, unless ``replace`` ends it first."""
        if not replace:
            active = await self.open_round(chat_id)
            if active is not None:
                return StartOutcome(view=None, open_round=active)
        chosen = await self._choose(player, request)
        if not chosen:
            return StartOutcome(view=None, empty=True)
        label = request.label
        if label is None:
            label = request.topic or (f"¶{request.paragraph}" if request.paragraph else "")
        now = self.clock()
        questions = [(q.id, self._order(q, request, index)) for index, q in enumerate(chosen)]
        owned = request.mode is not RoundMode.DAILY  # a daily quiz is nobody's round

        def create(q: Queries) -> int | Round:
            active = q.active_round(chat_id)
            if active is not None:
                if not replace:
                    return active  # another start won the race
                q.end_round(active.id, RoundState.STOPPED, now)
            if owned:
                q.upsert_user(player.id, player.name, now)
            return q.create_round(
                chat_id=chat_id,
                chat_kind=chat_kind,
                owner_id=player.id if owned else None,
                questions=questions,
                open_period=request.open_period,
                label=label,
                mode=request.mode,
                now=now,
            )

        created = await self.store.write(create)
        if isinstance(created, Round):
            return StartOutcome(view=None, open_round=_open(created))
        return StartOutcome(view=await self.current(created))

    def _order(self, question: Question, request: RoundRequest, index: int) -> list[int]:
        """The option order: the one asked for (a challenge replays the challenger's), if it
        still fits the question, else a fresh shuffle."""
        orders = request.option_orders
        if orders is not None and index < len(orders):
            wanted = list(orders[index])
            if sorted(wanted) == list(range(len(question.options))):
                return wanted
        return option_order(question, self.rng)

    async def _choose(self, player: Player, request: RoundRequest) -> list[Question]:
        if request.question_ids is not None:
            # Questions no longer in the bank are left out (a challenge keeps its order).
            found = [self.bank.get(i) for i in request.question_ids]
            return [q for q in found if q is not None][:MAX_ROUND_SIZE]
        seen = await self.store.read(lambda q: q.seen_question_ids(player.id))
        size = max(1, min(request.size, MAX_ROUND_SIZE))
        pool = self.pool(request.topic, request.paragraph)
        return choose_questions(pool, seen, size, self.rng, self.conflicts)

    # the current question -----------------------------------------------------------------

    def _view(self, round_: Round, rq: RoundQuestion, score: Score) -> QuestionView | None:
        question = self.bank.get(rq.question_id)
        if question is None or sorted(rq.option_order) != list(range(len(question.options))):
            return None  # removed from the bank (or its options changed) since the round began
        return QuestionView(
            round_.id, rq.position, round_.size, question, rq.option_order, round_.mode, score
        )

    async def current(self, round_id: int) -> QuestionView | None:
        """The question the round is on, skipping any the bank no longer has."""
        while True:
            found = await self.store.read(partial(_current, round_id=round_id))
            if found is None:
                return None
            round_, rq, score = found
            if rq is not None and (view := self._view(round_, rq, score)) is not None:
                return view
            log.warning("round %d skips question %d: not in the bank", round_id, round_.position)
            now = self.clock()
            await self.store.write(partial(_advance, round_=round_, now=now))

    async def resume(self, chat_id: int) -> QuestionView | None:
        """The open round's current question (the "▶ Continue" button)."""
        active = await self.open_round(chat_id)
        return None if active is None else await self.current(active.round_id)

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

    async def mark_shown(self, view: QuestionView, message_id: int) -> None:
        """A private question was sent (or sent again by ▶ Continue)."""
        now = self.clock()
        await self.store.write(
            lambda q: q.mark_shown(view.round_id, view.position, message_id, now)
        )

    async def claim_next(
        self, round_id: int, position: int, player: Player
    ) -> tuple[Status, QuestionView | None]:
        """The "Next" button: the question at ``position``, once; a second tap gets a status."""
        round_ = await self.store.read(lambda q: q.get_round(round_id))
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
        """Grade a private-round answer; return once it is committed."""
        now = self.clock()
        return await self.store.write(
            partial(
                self._answer_unit,
                round_id=round_id,
                position=position,
                shown=shown_index,
                player=player,
                now=now,
            )
        )

    async def answer_typed(
        self, chat_id: int, shown_index: int, player: Player
    ) -> tuple[AnswerOutcome, int | None]:
        """A typed letter or number: the same as tapping it under the question on screen.
        Returns the outcome and the question's message (to take its buttons away)."""
        active = await self.store.read(lambda q: q.active_round(chat_id))
        if active is None or active.owner_id != player.id:
            return AnswerOutcome(Status.UNKNOWN_ROUND), None
        rq = await self.store.read(lambda q: q.round_question(active.id, active.position))
        if rq is None or rq.asked_at is None:
            return AnswerOutcome(Status.STALE), None  # the next question is not on screen yet
        outcome = await self.answer(active.id, active.position, shown_index, player)
        return outcome, rq.message_id

    async def answered(self, round_id: int, position: int, player: Player) -> AnswerOutcome:
        """The stored feedback of an answered question (the ↩ Back button)."""
        now = self.clock()

        def read(q: Queries) -> AnswerOutcome:
            ctx = q.answer_context(round_id, position, player.id)
            if ctx.round is None or ctx.question is None or ctx.round.owner_id != player.id:
                return AnswerOutcome(Status.UNKNOWN_ROUND)
            view = self._view(ctx.round, ctx.question, Score(0, 0))
            if view is None or ctx.earlier_choice is None:
                return AnswerOutcome(Status.STALE)
            return self._already(q, ctx.round, view, ctx.earlier_choice, player, now)

        return await self.store.read(read)

    async def missed(self, round_id: int, player: Player) -> list[str] | None:
        """The questions the player got wrong in their round (None: not their round)."""
        summary = await self.summary(round_id)
        round_ = await self.store.read(lambda q: q.get_round(round_id))
        if round_ is None or round_.owner_id != player.id:
            return None
        return [q.id for q in summary.missed]

    def _answer_unit(
        self,
        q: Queries,
        *,
        round_id: int,
        position: int,
        shown: int,
        player: Player,
        now: datetime,
    ) -> AnswerOutcome:
        """The whole answer as one unit of work in the database thread."""
        ctx = q.answer_context(round_id, position, player.id, now)
        round_, rq = ctx.round, ctx.question
        if round_ is None:
            return AnswerOutcome(Status.UNKNOWN_ROUND)
        if round_.owner_id != player.id:
            return AnswerOutcome(Status.NOT_YOURS)
        view = None if rq is None else self._view(round_, rq, Score(0, 0))
        if rq is None or view is None:
            return AnswerOutcome(Status.STALE)
        if ctx.earlier_choice is not None:  # a second tap, a retry or a re-delivered update
            return self._already(q, round_, view, ctx.earlier_choice, player, now)
        if not round_.is_active:
            return AnswerOutcome(Status.ROUND_OVER)
        if position != round_.position:
            return AnswerOutcome(Status.STALE)
        if not 0 <= shown < len(view.order):
            return AnswerOutcome(Status.INVALID)
        chosen = view.order[shown]
        recorded = self._record(q, round_, rq, view.question, player, chosen, now, ctx)
        if recorded is None:
            return AnswerOutcome(Status.ALREADY_ANSWERED)
        finished = _advance(q, round_, now)
        summary = self.summary_in(q, round_id) if finished else None
        score = Score(*q.round_score(round_id, player.id))
        # The one-tap reminder is offered once, after a first good round (half or more right).
        offer = (
            finished
            and 2 * score.right >= score.answered
            and not q.get_reminder(player.id)
            and q.mark_reminder_offered(player.id)
        )
        return AnswerOutcome(
            Status.OK,
            view=view,
            chosen=chosen,
            correct=chosen == view.question.answer,
            round_finished=finished,
            next_position=None if finished else position + 1,
            summary=summary,
            score=score,
            points=recorded.points,
            activity=recorded.activity,
            mastered=recorded.mastered,
            offer_reminder=offer,
        )

    def _already(
        self,
        q: Queries,
        round_: Round,
        view: QuestionView,
        chosen: int,
        player: Player,
        now: datetime,
    ) -> AnswerOutcome:
        """What was answered before, so the feedback can be shown again (idempotent taps)."""
        following = view.position + 1
        waiting = round_.is_active and round_.position == following
        earned = q.answer_earned(round_.id, view.question.id, player.id, scoring.GLOBAL_BOARD)
        return AnswerOutcome(
            Status.ALREADY_ANSWERED,
            view=view,
            chosen=chosen,
            correct=chosen == view.question.answer,
            round_finished=not round_.is_active,
            next_position=following if waiting else None,
            summary=self.summary_in(q, round_.id) if following == round_.size else None,
            score=Score(*q.round_score(round_.id, player.id)),
            points=scoring.POINT if earned else 0,
            activity=scoring.activity_now(q.get_user(player.id), now),
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
        ctx: AnswerContext,
    ) -> _Recorded | None:
        """Store the answer and everything that follows from it, in the caller's unit."""
        correct = chosen == question.answer
        elapsed = 0 if rq.asked_at is None else int((now - rq.asked_at).total_seconds() * 1000)
        elapsed = max(0, min(elapsed, MAX_ELAPSED_MS))
        week = iso_week(now)
        answer_id = q.insert_answer(
            round_id=round_.id,
            position=rq.position,
            question_id=question.id,
            user_id=player.id,
            chat_id=round_.chat_id,
            chosen=chosen,
            correct=correct,
            elapsed_ms=elapsed,
            answered_at=now,
            week=week,
        )
        if answer_id is None:
            return None
        scored = scoring.score_answer(
            q,
            user_id=player.id,
            question_id=question.id,
            answer_id=answer_id,
            correct=correct,
            elapsed_ms=elapsed,
            boards=scoring.boards_for(round_.chat_kind, round_.chat_id, player.id, week),
        )
        user = ctx.user or q.get_user(player.id)
        activity = None if user is None else scoring.record_activity(q, user, now)
        card_json, due = cards.review(self.scheduler, ctx.card_json, correct, elapsed, now)
        q.save_card(player.id, question.id, card_json, due, correct)
        mastered: tuple[int, ...] = ()
        if correct and not ctx.card_known:
            mastered = self._newly_mastered(q, player.id, question, now)
        return _Recorded(answer_id, scored.points, activity, mastered)

    def _newly_mastered(
        self, q: Queries, user_id: int, question: Question, now: datetime
    ) -> tuple[int, ...]:
        """Paragraphs of the question that this right answer completed."""
        done = []
        for number in question.paragraphs:
            if number > self.bank.article.body_count:
                continue  # the author line is not on the mastery map
            ids = [x.id for x in self.bank.for_paragraph(number)]
            known = {
                c.question_id for c in q.cards_for(user_id, ids) if c.last_correct and c.due > now
            }
            if known >= set(ids):
                done.append(number)
        return tuple(done)

    # group polls --------------------------------------------------------------------------

    async def start_poll_send(self, view: QuestionView) -> bool:
        """Claim the question for sending its poll (False: a send is under way or done)."""
        now = self.clock()
        return await self.store.write(
            lambda q: q.start_send(view.round_id, view.position, now, now - SEND_STALE_AFTER)
        )

    async def poll_sent(
        self,
        view: QuestionView,
        chat_id: int,
        message_id: int,
        poll_id: str | None,
        open_period: int,
    ) -> datetime:
        """Store the sent poll, count the votes that arrived before its id was stored, and
        set its timer: a poll closes when its time is up (or earlier, see
        :meth:`should_close_early`). Returns when the timer fires."""
        now = self.clock()
        closes_at = now + timedelta(seconds=open_period)
        fires = closes_at + CLOSE_GRACE

        def sent(q: Queries) -> None:
            q.mark_asked(
                view.round_id,
                view.position,
                now,
                message_id=message_id,
                poll_id=poll_id,
                closes_at=closes_at,
            )
            q.cancel_job(poll_job(POLL_SEND, view.round_id, view.position))
            _schedule_close(q, chat_id, view.round_id, view.position, fires)
            if poll_id is not None:
                for vote in q.take_early_votes(poll_id):
                    self._poll_unit(q, poll_id, Player(vote.user_id, vote.name), vote.option, now)

        await self.store.write(sent)
        return fires

    async def close_soon(
        self,
        chat_id: int,
        round_id: int,
        position: int,
        at: datetime | None = None,
        waited: int = 0,
    ) -> datetime:
        """Close the poll at ``at`` (now by default): everyone answered, the starter pressed
        ⏩ Next, or its result waits for votes still on their way."""
        when = at or self.clock()
        await self.store.write(
            lambda q: _schedule_close(q, chat_id, round_id, position, when, waited)
        )
        return when

    async def send_later(
        self, chat_id: int, round_id: int, position: int, at: datetime, attempt: int
    ) -> None:
        """Try the poll send again at ``at`` (a transient failure, or a send that timed out
        and never showed up)."""
        payload = json.dumps({"round": round_id, "position": position, "attempt": attempt})

        def unit(q: Queries) -> None:
            q.schedule_job(
                poll_job(POLL_SEND, round_id, position), POLL_SEND, chat_id, at, payload
            )

        await self.store.write(unit)

    async def reset_send(self, round_id: int, position: int) -> None:
        """Forget a send that never showed up, so the poll can be sent again."""
        await self.store.write(lambda q: q.clear_send(round_id, position))

    async def recover_group_rounds(self) -> list[datetime]:
        """Give every active group round without a timer its next step: close an open poll at
        its time, or send a poll that was never sent. Returns when each new timer fires; a
        round that cannot be read is logged and skipped."""
        now = self.clock()
        rounds = await self.store.read(lambda q: q.active_rounds(ChatKind.GROUP))
        armed = []
        for round_ in rounds:
            try:
                at = await self.store.write(partial(_recover, round_=round_, now=now))
            except Exception:
                log.exception("could not recover group round %s", round_.id)
                continue
            if at is not None:
                armed.append(at)
        return armed

    async def set_member_count(self, chat_id: int, count: int) -> None:
        now = self.clock()
        await self.store.write(lambda q: q.set_member_count(chat_id, "group", count, now))

    async def member_count(self, chat_id: int) -> tuple[int | None, datetime | None]:
        chat = await self.store.read(lambda q: q.get_chat(chat_id))
        return (None, None) if chat is None else (chat.member_count, chat.counted_at)

    async def answer_poll(
        self, poll_id: str, player: Player, option_ids: Sequence[int]
    ) -> AnswerOutcome:
        """Grade a quiz-poll vote. Telegram accepts votes only while a poll is open, so a vote
        counts whenever it is handled; one for a poll not stored yet is kept until it is."""
        now = self.clock()
        if len(option_ids) != 1:  # a retracted vote (empty) or a forged multi-answer
            return AnswerOutcome(Status.INVALID)

        def unit(q: Queries) -> AnswerOutcome:
            outcome = self._poll_unit(q, poll_id, player, option_ids[0], now)
            if outcome.status is Status.UNKNOWN_ROUND and q.sends_under_way():
                q.add_early_vote(poll_id, player.id, player.name, option_ids[0], now)
            return outcome

        return await self.store.write(unit)

    def _poll_unit(
        self, q: Queries, poll_id: str, player: Player, shown: int, now: datetime
    ) -> AnswerOutcome:
        ctx = q.poll_context(poll_id, player.id, now)
        round_, rq = ctx.round, ctx.question
        if round_ is None or rq is None:
            return AnswerOutcome(Status.UNKNOWN_ROUND)
        view = self._view(round_, rq, Score(0, 0))
        if view is None:
            return AnswerOutcome(Status.STALE)
        if ctx.earlier_choice is not None:
            return AnswerOutcome(Status.ALREADY_ANSWERED)
        if not 0 <= shown < len(view.order):
            return AnswerOutcome(Status.INVALID)
        chosen = view.order[shown]
        q.upsert_user(player.id, player.name, now)
        recorded = self._record(q, round_, rq, view.question, player, chosen, now, ctx)
        if recorded is None:
            return AnswerOutcome(Status.ALREADY_ANSWERED)
        return AnswerOutcome(
            Status.OK,
            view=view,
            chosen=chosen,
            correct=chosen == view.question.answer,
            points=recorded.points,
        )

    async def poll_closed(self, poll_id: str, voters: int) -> RoundQuestion | None:
        """Telegram says the poll closed with ``voters`` votes (a ``poll`` update)."""

        def closed(q: Queries) -> RoundQuestion | None:
            rq = q.round_question_by_poll(poll_id)
            if rq is not None:
                q.set_voters(rq.round_id, rq.position, voters)
            return rq

        return await self.store.write(closed)

    async def adopt_poll(
        self, question_text: str, poll_id: str, close_date: datetime | None
    ) -> RoundQuestion | None:
        """A poll whose sendPoll timed out turned up (a ``poll`` update): store its id."""
        now = self.clock()

        def adopt(q: Queries) -> RoundQuestion | None:
            for round_, rq in q.sends_under_way():
                question = self.bank.get(rq.question_id)
                sent = (
                    None
                    if question is None
                    else poll_text(rq.position + 1, round_.size, question.question)
                )
                if sent != question_text:
                    continue
                closes_at = close_date or now
                q.mark_asked(
                    round_.id,
                    rq.position,
                    now,
                    message_id=None,
                    poll_id=poll_id,
                    closes_at=closes_at,
                )
                for vote in q.take_early_votes(poll_id):
                    self._poll_unit(q, poll_id, Player(vote.user_id, vote.name), vote.option, now)
                return q.round_question(round_.id, rq.position)
            return None

        return await self.store.write(adopt)

    async def close_state(self, round_id: int, position: int) -> CloseState | None:
        def read(q: Queries) -> CloseState | None:
            round_ = q.get_round(round_id)
            rq = q.round_question(round_id, position)
            if round_ is None or rq is None:
                return None
            return CloseState(round_, rq, q.count_answers(round_id, position), rq.voters)

        return await self.store.read(read)

    async def should_close_early(self, chat_id: int, round_id: int, position: int) -> bool:
        """When a poll closes before its timer: as soon as every member who can answer has
        (the chat's member count minus this bot), or, after the first question, everyone who
        played an earlier question of the round has answered this one."""

        def read(q: Queries) -> tuple[list[Answer], int | None]:
            chat = q.get_chat(chat_id)
            return q.round_answers(round_id), chat.member_count if chat else None

        answers, members = await self.store.read(read)
        now = {a.user_id for a in answers if a.position == position}
        humans = None if members is None else members - 1
        if humans is not None and len(now) >= humans > 0:
            return True
        earlier = {a.user_id for a in answers if a.position < position}
        return bool(earlier) and now >= earlier

    async def close_question(self, round_id: int, position: int) -> PollResult | None:
        """Close a group poll once and move the round on; None if it was closed already."""
        now = self.clock()

        def close(q: Queries) -> tuple[Round, RoundQuestion, bool] | None:
            round_ = q.get_round(round_id)
            rq = q.round_question(round_id, position)
            if round_ is None or rq is None or not q.close_round_question(round_id, position):
                return None
            finished = False
            if round_.is_active and round_.position == position:
                finished = _advance(q, round_, now)
            return round_, rq, finished

        closed = await self.store.write(close)
        if closed is None:
            return None
        round_, rq, finished = closed
        view = self._view(round_, rq, Score(0, 0))
        answers = await self.store.read(lambda q: q.round_answers(round_id, position))
        players = await self.store.read(lambda q: q.round_players(round_id))
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

    # ending rounds ------------------------------------------------------------------------

    async def stop_round(self, round_id: int) -> RoundSummary | None:
        """End a round early (and its poll timers); its summary, or None if it had ended."""
        now = self.clock()

        def stop(q: Queries) -> bool:
            stopped = q.end_round(round_id, RoundState.STOPPED, now)
            if stopped:
                for job in q.jobs_for_round(round_id):
                    q.cancel_job(job)
            return stopped

        stopped = await self.store.write(stop)
        return await self.summary(round_id) if stopped else None

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group was upgraded to a supergroup: its rounds and its boards go with it."""
        renames = scoring.chat_board_renames(old_chat_id, new_chat_id)
        return await self.store.write(lambda q: q.move_chat(old_chat_id, new_chat_id, renames))

    async def summary(self, round_id: int) -> RoundSummary:
        return await self.store.read(lambda q: self.summary_in(q, round_id))

    def summary_in(self, q: Queries, round_id: int) -> RoundSummary:
        """The round's table (and, in private, what to review), inside a read or a unit."""
        round_ = q.get_round(round_id)
        answers = q.round_answers(round_id)
        players = q.round_players(round_id)
        totals: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for a in answers:
            total = totals[a.user_id]
            total[0] += int(a.correct)
            total[1] += 1
            total[2] += a.elapsed_ms if a.correct else 0
        ordered = sorted(
            totals.items(), key=lambda item: scoring.order_key(item[1][0], item[1][2], item[0])
        )
        entries = scoring.ranked(
            BoardEntry(0, user_id, players.get(user_id, "?"), points, answered, time_ms)
            for user_id, (points, answered, time_ms) in ordered
        )
        lines = tuple(
            RoundResultLine(Player(e.user_id, e.name), e.points, e.answered, e.time_ms, e.rank)
            for e in entries
        )
        missed: list[Question] = []
        points = 0
        next_review = None
        due_now = 0
        if round_ is not None and not round_.is_group:
            for a in answers:
                question = self.bank.get(a.question_id)
                if not a.correct and question is not None and question not in missed:
                    missed.append(question)
            if round_.owner_id is not None:
                points = q.round_points(round_id, round_.owner_id, scoring.GLOBAL_BOARD)
                if round_.mode is RoundMode.REVIEW:
                    next_review = q.next_due(round_.owner_id)
                    due_now = cards.due_in_bank(
                        q.user_cards(round_.owner_id), self.bank, self.clock()
                    )
        return RoundSummary(
            round_id=round_id,
            total=round_.size if round_ else 0,
            label=round_.label if round_ else "",
            lines=lines,
            missed=tuple(missed),
            state=round_.state if round_ else RoundState.FINISHED,
            mode=round_.mode if round_ else RoundMode.QUIZ,
            points=points,
            next_review=next_review,
            due_now=due_now,
        )

    # scoreboards --------------------------------------------------------------------------

    async def board(self, scope: str, user_id: int, chat_id: int | None = None) -> Board:
        """``scope``: 'all', 'week', or 'chat'; in a group (``chat_id``), 'week' is the
        chat's week and 'chat' its all-time board."""
        week = scoring.current_week(self.clock())
        if scope == "week" and chat_id is not None:
            key, title = scoring.chat_week_board(chat_id, week), f"This chat · week {week}"
        elif scope == "week":
            key, title = scoring.week_board(week), f"This week ({week}, UTC)"
        elif scope == "chat" and chat_id is not None:
            key, title = scoring.chat_board(chat_id), "This chat · all time"
        else:
            key, title = scoring.GLOBAL_BOARD, "All time"

        def read(q: Queries) -> Board:
            best, mine, size = q.board_view(key, user_id, 10)
            top = scoring.ranked(best)
            me = None if any(entry.user_id == user_id for entry in top) else mine
            return Board(title, key, tuple(top), me, size)

        return await self.store.read(read)

    async def profile(self, player: Player, chat_id: int | None = None) -> Profile:
        now = self.clock()
        week = scoring.current_week(now)

        def read(q: Queries) -> _ProfileRows:
            boards = [scoring.GLOBAL_BOARD, scoring.week_board(week)]
            if chat_id is not None:
                boards.append(scoring.chat_board(chat_id))
            return _ProfileRows(
                q.get_user(player.id),
                [q.board_entry(b, player.id) for b in boards],
                q.question_stats(player.id),
                q.user_cards(player.id),
            )

        rows = await self.store.read(read)
        user, ranks, stats, user_cards = rows.user, rows.ranks, rows.stats, rows.cards
        from bot.engine.study import mastery  # noqa: PLC0415 - study builds on quiz

        progress = mastery(self.bank, user_cards, now)
        per_topic: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        answered = correct = 0
        for s in stats:
            answered += s.answered
            correct += s.correct
            question = self.bank.get(s.question_id)
            if question is not None:
                per_topic[question.topic][0] += s.answered
                per_topic[question.topic][1] += s.correct
        topics = tuple(
            TopicAccuracy(topic, *per_topic[topic])
            for topic in self.bank.topics()
            if topic in per_topic
        )
        global_rank = ranks[0]
        return Profile(
            player=Player(player.id, user.name if user else player.name),
            points=global_rank.points if global_rank else 0,
            answered=answered,
            correct=correct,
            activity=scoring.activity_now(user, now),
            global_rank=global_rank,
            week_rank=ranks[1],
            chat_rank=ranks[2] if len(ranks) > 2 else None,
            due=progress.due,
            mastered=progress.mastered,
            paragraphs=len(progress.paragraphs),
            known_share=progress.known / progress.questions if progress.questions else 0.0,
            topics=topics,
        )

    async def consistency_problems(self) -> list[str]:
        return await self.store.read(scoring.recount_mismatches, offload=True)


def poll_text(number: int, total: int, stem: str) -> str:
    """A poll's question as sent: ``[2/5] stem`` (the bare stem if that is too long)."""
    prefix = f"[{number}/{total}] "
    return prefix + stem if len(prefix) + len(stem) <= POLL_QUESTION_LIMIT else stem


def _recover(q: Queries, round_: Round, now: datetime) -> datetime | None:
    rq = q.round_question(round_.id, round_.position)
    if rq is None or q.jobs_for_round(round_.id) or rq.closed:
        return None
    if rq.poll_id is not None:
        at = max(now, (rq.closes_at or now) + CLOSE_GRACE)
        _schedule_close(q, round_.chat_id, round_.id, rq.position, at)
        return at
    stale = rq.send_started_at is not None and now - rq.send_started_at < SEND_STALE_AFTER
    at = (rq.send_started_at + SEND_STALE_AFTER) if stale and rq.send_started_at else now
    payload = json.dumps({"round": round_.id, "position": rq.position, "attempt": 0})
    name = poll_job(POLL_SEND, round_.id, rq.position)
    q.schedule_job(name, POLL_SEND, round_.chat_id, at, payload)
    return at


def _schedule_close(
    q: Queries, chat_id: int, round_id: int, position: int, at: datetime, waited: int = 0
) -> None:
    payload = json.dumps({"round": round_id, "position": position, "waited": waited})
    q.schedule_job(poll_job(POLL_CLOSE, round_id, position), POLL_CLOSE, chat_id, at, payload)


def _open(round_: Round) -> OpenRound:
    return OpenRound(
        round_.id, round_.position, round_.size, round_.mode, round_.label, round_.owner_id
    )


def _current(q: Queries, round_id: int) -> tuple[Round, RoundQuestion | None, Score] | None:
    round_ = q.get_round(round_id)
    if round_ is None or not round_.is_active:
        return None
    rq = q.round_question(round_id, round_.position)
    score = Score(*q.round_score(round_id, round_.owner_id)) if round_.owner_id else Score(0, 0)
    return round_, rq, score


def _advance(q: Queries, round_: Round, now: datetime) -> bool:
    """Move to the next question; return True when that finished the round."""
    following = round_.position + 1
    if following >= round_.size:
        q.end_round(round_.id, RoundState.FINISHED, now)
        return True
    q.set_round_position(round_.id, following, now)
    return False
