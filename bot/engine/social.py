"""Social play: a daily quiz each group schedules, a weekly recap, challenges between friends
and shared questions. Pure logic over the store; the Telegram adapter sends the messages.

- **Daily quiz**: ``/daily 09:00 Europe/Kyiv 5 20s`` stores a schedule and a ``daily`` job
  at the next local 09:00; when it fires a group round starts as if ``/quiz 5 20s`` had
  been sent, and the job moves to the next day. A ``recap`` job fires at the end of the
  chat's week (Sunday 20:00 in its zone).
- **Challenges**: a finished private quiz can be shared as ``ch_<token>`` (96 random bits,
  valid 7 days). A friend who opens it plays the same questions in the same
  order; when they finish, both get the head-to-head.
- **Shared questions** travel as ``q_<code>``: a short random code, never the question id
  (ids spell out their answers).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from bot.engine import scoring
from bot.engine.clock import next_local_time, parse_clock_time, parse_zone, zone
from bot.engine.quiz import QuizEngine
from bot.engine.views import Player, RoundRequest, StartOutcome
from questions.model import Question
from storage import social as sql
from storage.models import BoardEntry, ChatKind, RoundMode, RoundState
from storage.queries import Queries

DAILY_JOB = "daily"
RECAP_JOB = "recap"
CHALLENGE_TTL = timedelta(days=7)
DEFAULT_DAILY_SIZE = 5
DEFAULT_DAILY_SECONDS = 30
MAX_GROUP_ROUND = 20
DAILY_GRACE = timedelta(minutes=30)  # a daily quiz later than this (the bot was down) waits
RECAP_DAY = 6  # Sunday
RECAP_MINUTE = 20 * 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{11,60}")
_CODE = re.compile(r"[a-z0-9]{4,16}")
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True, slots=True)
class DailyRequest:
    minute: int
    tz: str
    size: int
    seconds: int


@dataclass(frozen=True, slots=True)
class DailyQuiz:
    chat_id: int
    minute: int
    tz: str
    size: int
    seconds: int
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class WeeklyRecap:
    week: str
    table: tuple[BoardEntry, ...]
    players: int
    missed: Question | None
    misses: int


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    owner: Player
    round_id: int
    score: int
    total: int
    time_ms: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class HeadToHead:
    challenger: Player
    challenger_score: int
    challenger_ms: int
    friend: Player
    friend_score: int
    friend_ms: int
    total: int
    challenger_blocked: bool
    friend_answered: int = 0  # fewer than ``total``: the friend stopped part way

    @property
    def winner(self) -> Player | None:
        """More right answers wins; equal scores, the faster total time; else a draw."""
        mine = (self.challenger_score, -self.challenger_ms)
        theirs = (self.friend_score, -self.friend_ms)
        if mine == theirs:
            return None
        return self.challenger if mine > theirs else self.friend


def new_token() -> str:
    """A challenge token: 96 random bits, URL-safe, 16 characters."""
    return secrets.token_urlsafe(12)


def parse_daily(args: Sequence[str], current_tz: str | None) -> DailyRequest | str:
    """``HH:MM [ZONE] [N] [Ns]`` from ``/daily``, or what is wrong."""
    usage = (
        "Write /daily HH:MM [ZONE] [N] [Ns], e.g. <code>/daily 09:00 Europe/Kyiv 5 20s</code> "
        "or <code>/daily 18:30 UTC</code>; <code>/daily off</code> removes it."
    )
    if not 1 <= len(args) <= 4:
        return usage
    minute = parse_clock_time(args[0])
    if minute is None:
        return f"I read “{args[0][:20]}” as no time of day. {usage}"
    tz, size, seconds = current_tz or "UTC", DEFAULT_DAILY_SIZE, DEFAULT_DAILY_SECONDS
    for arg in args[1:]:
        if re.fullmatch(r"\d{1,3}", arg):
            size = int(arg)
            if not 1 <= size <= MAX_GROUP_ROUND:
                return f"Choose 1 to {MAX_GROUP_ROUND} questions a day."
        elif match := re.fullmatch(r"(\d{1,4})s", arg):
            seconds = int(match[1])
            if not 5 <= seconds <= 600:
                return "Choose a poll time from 5s to 600s."
        elif (found := parse_zone(arg)) is not None:
            tz = found
        else:
            return f"I don’t know “{arg[:40]}”: a time zone like Europe/Kyiv or +02:00?"
    return DailyRequest(minute, tz, size, seconds)


def next_recap(now: datetime, tz: str) -> datetime:
    """The end of the chat's week: the next Sunday 20:00 in its zone."""
    local = now.astimezone(zone(tz))
    days = (RECAP_DAY - local.weekday()) % 7
    candidate = datetime.combine(
        local.date() + timedelta(days=days), time(RECAP_MINUTE // 60), zone(tz)
    )
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(now.tzinfo)


def _daily_name(chat_id: int) -> str:
    return f"{DAILY_JOB}:{chat_id}"


def _recap_name(chat_id: int) -> str:
    return f"{RECAP_JOB}:{chat_id}"


def _schedule(q: Queries, schedule: sql.DailyRow, now: datetime) -> datetime:
    following = next_local_time(now, schedule.local_minute, schedule.tz)
    q.schedule_job(_daily_name(schedule.chat_id), DAILY_JOB, schedule.chat_id, following, "{}")
    recap = next_recap(now, schedule.tz)
    if q.get_job(_recap_name(schedule.chat_id)) is None:
        q.schedule_job(_recap_name(schedule.chat_id), RECAP_JOB, schedule.chat_id, recap, "{}")
    return following


class SocialEngine:
    def __init__(self, quiz: QuizEngine) -> None:
        self.quiz = quiz
        self.bank = quiz.bank
        self.store = quiz.store

    # daily quizzes ------------------------------------------------------------------------

    async def set_daily(self, chat_id: int, by: Player, request: DailyRequest) -> DailyQuiz:
        now = self.quiz.clock()

        def unit(q: Queries) -> datetime:
            q.upsert_user(by.id, by.name, now)
            sql.set_daily(
                q, chat_id, request.minute, request.tz, request.size, request.seconds, by.id, now
            )
            schedule = sql.get_daily(q, chat_id)
            assert schedule is not None  # noqa: S101 - written just above
            return _schedule(q, schedule, now)

        following = await self.store.write(unit)
        return DailyQuiz(
            chat_id, request.minute, request.tz, request.size, request.seconds, following
        )

    async def daily(self, chat_id: int) -> DailyQuiz | None:
        def read(q: Queries) -> DailyQuiz | None:
            found = sql.get_daily(q, chat_id)
            if found is None:
                return None
            job = q.get_job(_daily_name(chat_id))
            return DailyQuiz(
                chat_id,
                found.local_minute,
                found.tz,
                found.size,
                found.seconds,
                job.run_at if job else None,
            )

        return await self.store.read(read)

    async def remove_daily(self, chat_id: int) -> bool:
        def unit(q: Queries) -> bool:
            q.cancel_job(_daily_name(chat_id))
            q.cancel_job(_recap_name(chat_id))
            return sql.delete_daily(q, chat_id)

        return await self.store.write(unit)

    async def daily_due(
        self, chat_id: int, due: datetime | None = None
    ) -> tuple[DailyQuiz | None, datetime | None]:
        """The daily job fired for its time ``due``: the schedule and the next run. None
        instead of the schedule when it was removed, or when the run comes more than
        ``DAILY_GRACE`` late (after downtime): nobody wants a quiz at 3 am for 18:30."""
        now = self.quiz.clock()

        def unit(q: Queries) -> tuple[DailyQuiz | None, datetime | None]:
            found = sql.get_daily(q, chat_id)
            if found is None:
                return None, None
            following = _schedule(q, found, now)
            if due is not None and now - due > DAILY_GRACE:
                return None, following
            quiz = DailyQuiz(
                chat_id, found.local_minute, found.tz, found.size, found.seconds, following
            )
            return quiz, following

        return await self.store.write(unit)

    async def start_daily_round(self, quiz: DailyQuiz) -> StartOutcome:
        request = RoundRequest(
            size=quiz.size, open_period=quiz.seconds, mode=RoundMode.DAILY, label="daily"
        )
        return await self.quiz.start_round(
            quiz.chat_id, ChatKind.GROUP, Player(0, "daily"), request
        )

    async def recap_due(self, chat_id: int) -> tuple[WeeklyRecap | None, datetime | None]:
        """The week ended: the chat's table and its most missed question (None when nobody
        played), and when the next recap is due."""
        now = self.quiz.clock()
        week = scoring.current_week(now - timedelta(hours=1))

        def unit(q: Queries) -> tuple[WeeklyRecap | None, datetime | None]:
            found = sql.get_daily(q, chat_id)
            if found is None:
                return None, None
            following = next_recap(now + timedelta(minutes=1), found.tz)
            q.schedule_job(_recap_name(chat_id), RECAP_JOB, chat_id, following, "{}")
            if not sql.week_answers(q, chat_id, week):
                return None, following
            board = scoring.chat_week_board(chat_id, week)
            table = tuple(scoring.ranked(q.top(board, 10)))
            missed = sql.most_missed(q, chat_id, week)
            question = self.bank.get(missed[0]) if missed else None
            recap = WeeklyRecap(
                week, table, q.board_size(board), question, missed[1] if missed else 0
            )
            return recap, following

        return await self.store.write(unit)

    async def ensure_jobs(self) -> list[datetime]:
        """Every schedule has its daily and recap jobs (after a restore, or jobs lost)."""
        now = self.quiz.clock()

        def unit(q: Queries) -> list[datetime]:
            armed = []
            for schedule in sql.all_daily(q):
                if q.get_job(_daily_name(schedule.chat_id)) is None:
                    armed.append(_schedule(q, schedule, now))
            return armed

        return await self.store.write(unit)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self.store.write(partial(_move, old=old_chat_id, new=new_chat_id))

    # challenges ---------------------------------------------------------------------------

    async def create_challenge(self, round_id: int, owner: Player) -> str | None:
        """A token for sharing the owner's finished round (None: not a shareable round)."""
        token = new_token()
        now = self.quiz.clock()
        summary = await self.quiz.summary(round_id)
        round_ = await self.quiz.get_round(round_id)
        if round_ is None or round_.owner_id != owner.id or round_.is_group:
            return None
        if round_.mode not in (RoundMode.QUIZ, RoundMode.RETRY) or round_.is_active:
            return None
        line = next((x for x in summary.lines if x.player.id == owner.id), None)
        if line is None:
            return None

        def unit(q: Queries) -> None:
            sql.add_challenge(
                q,
                token,
                owner.id,
                round_id,
                line.points,
                summary.total,
                line.time_ms,
                now,
                now + CHALLENGE_TTL,
            )

        await self.store.write(unit)
        return token

    async def challenge(self, token: str) -> Challenge | None:
        """A valid (known, unexpired) challenge for a token from a link or a query."""
        if not _TOKEN.fullmatch(token):
            return None
        found = await self.store.read(lambda q: sql.get_challenge(q, token))
        if found is None or found.expires_at <= self.quiz.clock():
            return None
        return _challenge(found)

    async def latest_challenge(self, owner_id: int) -> Challenge | None:
        now = self.quiz.clock()
        found = await self.store.read(lambda q: sql.latest_challenge(q, owner_id, now))
        return None if found is None else _challenge(found)

    async def previous_attempt(self, challenge: Challenge, player: Player) -> int | None:
        """The round of the friend's earlier try, if it counts: a try that ended before its
        first answer (another quiz replaced it) is forgotten, and may be taken again."""

        def unit(q: Queries) -> int | None:
            round_id = sql.attempt(q, challenge.token, player.id)
            if round_id is None:
                return None
            round_ = q.get_round(round_id)
            unplayed = not q.round_answers(round_id)
            if round_ is not None and round_.state is not RoundState.ACTIVE and unplayed:
                sql.drop_attempt(q, challenge.token, player.id)
                return None
            return round_id

        return await self.store.write(unit)

    async def take_challenge(
        self, challenge: Challenge, player: Player, chat_id: int, *, replace: bool = False
    ) -> StartOutcome:
        """The friend plays the challenger's questions, in the same order, as a private
        round."""
        questions = await self.store.read(lambda q: q.round_questions(challenge.round_id))
        request = RoundRequest(
            question_ids=[rq.question_id for rq in questions],
            option_orders=[rq.option_order for rq in questions],
            mode=RoundMode.CHALLENGE,
            label=f"{challenge.owner.name}’s challenge",
        )
        started = await self.quiz.start_round(
            chat_id, ChatKind.PRIVATE, player, request, replace=replace
        )
        if started.view is not None:
            round_id = started.view.round_id
            await self.store.write(
                lambda q: sql.add_attempt(q, challenge.token, player.id, round_id)
            )
        return started

    async def finished_attempt(self, round_id: int) -> HeadToHead | None:
        """A challenge round ended: the head-to-head, once (None otherwise)."""

        def unit(q: Queries) -> HeadToHead | None:
            found = sql.attempt_of_round(q, round_id)
            if found is None:
                return None
            token, friend_id = found
            challenge = sql.get_challenge(q, token)
            if challenge is None or not sql.mark_reported(q, token, friend_id):
                return None
            summary = self.quiz.summary_in(q, round_id)
            mine = next((x for x in summary.lines if x.player.id == friend_id), None)
            friend = q.get_user(friend_id)
            return HeadToHead(
                challenger=Player(challenge.owner_id, challenge.owner_name),
                challenger_score=challenge.score,
                challenger_ms=challenge.time_ms,
                friend=Player(friend_id, friend.name if friend else "?"),
                friend_score=mine.points if mine else 0,
                friend_ms=mine.time_ms if mine else 0,
                total=challenge.total,
                challenger_blocked=q.is_blocked(challenge.owner_id),
                friend_answered=mine.answered if mine else 0,
            )

        return await self.store.write(unit)

    # shared questions ---------------------------------------------------------------------

    async def code_for(self, question: Question) -> str:
        """The question's short share code (made on first use, kept forever)."""
        found = await self.store.read(lambda q: sql.question_code(q, question.id))
        while found is None:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
            await self.store.write(partial(_add_code, code=code, question_id=question.id))
            found = await self.store.read(lambda q: sql.question_code(q, question.id))
        return found

    async def question_for(self, code: str) -> Question | None:
        if not _CODE.fullmatch(code):
            return None
        question_id = await self.store.read(lambda q: sql.question_of_code(q, code))
        return None if question_id is None else self.bank.get(question_id)

    async def share_single(
        self, question: Question, player: Player, chat_id: int, *, replace: bool = False
    ) -> StartOutcome:
        request = RoundRequest(question_ids=[question.id], mode=RoundMode.SINGLE, label="")
        return await self.quiz.start_round(
            chat_id, ChatKind.PRIVATE, player, request, replace=replace
        )


def _challenge(row: sql.ChallengeRow) -> Challenge:
    return Challenge(
        row.token,
        Player(row.owner_id, row.owner_name),
        row.round_id,
        row.score,
        row.total,
        row.time_ms,
        row.expires_at,
    )


def _add_code(q: Queries, code: str, question_id: str) -> bool:
    return sql.add_question_code(q, code, question_id)


def _move(q: Queries, old: int, new: int) -> None:
    sql.move_daily(q, old, new)
    for kind, name in ((DAILY_JOB, _daily_name), (RECAP_JOB, _recap_name)):
        job = q.get_job(name(old))
        if job is not None:
            q.cancel_job(job.name)
            q.schedule_job(name(new), kind, new, job.run_at, job.payload)
