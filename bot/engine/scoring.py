"""Every scoring rule in one place: boards, points, streaks, the daily goal and ranking.

**Boards.** An answer counts on the global board (``all``), the ISO week's board
(``week:2026-W48``, UTC), and in a group on that chat's board (``chat:-100…``) and the chat's
week (``chatweek:-100…:2026-W48``). The console's player is on no board.

**Points.** A right answer earns 1 point on each of its boards where that question has not
earned the player a point yet: the global board once ever, a weekly board once per week, a
chat's board once per chat. Reviews and replays still train the study card but add nothing.
Every answer counts as *answered*; the answer time of point-earning answers is the tie-break.

**Ranking.** More points rank higher; equal points share a rank (1 + the number of players
with more points). Among equal points, the faster total answer time is listed first.

**Streak.** A day (in the player's time zone) with at least one answer extends the streak if
the day before had one too; otherwise it starts again at 1. A streak is still shown on a
day without an answer yet, until that day is over.

**Daily goal.** Answers today, against the player's goal (default 10, ``/goal N``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.engine.clock import day_before, iso_week, local_day
from storage.models import BoardEntry, ChatKind, User
from storage.queries import Queries

GLOBAL_BOARD = "all"
CONSOLE_PLAYER = 0  # the terminal quiz's player id (not a Telegram user)
DEFAULT_DAILY_GOAL = 10
MAX_DAILY_GOAL = 200
POINT = 1


def week_board(week: str) -> str:
    return f"week:{week}"


def chat_board(chat_id: int) -> str:
    return f"chat:{chat_id}"


def chat_week_board(chat_id: int, week: str) -> str:
    return f"chatweek:{chat_id}:{week}"


def chat_board_renames(old_chat_id: int, new_chat_id: int) -> list[tuple[str, str]]:
    """How a chat's board names change when its id changes (a group became a supergroup):
    ``chat:<id>`` itself, and every ``chatweek:<id>:<week>``."""
    return [
        (chat_board(old_chat_id), chat_board(new_chat_id)),
        (f"chatweek:{old_chat_id}", f"chatweek:{new_chat_id}"),
    ]


def boards_for(chat_kind: ChatKind, chat_id: int, user_id: int, week: str) -> list[str]:
    """The boards one answer counts on."""
    if user_id == CONSOLE_PLAYER:
        return []
    boards = [GLOBAL_BOARD, week_board(week)]
    if chat_kind is ChatKind.GROUP:
        boards += [chat_board(chat_id), chat_week_board(chat_id, week)]
    return boards


@dataclass(frozen=True, slots=True)
class Scored:
    points: int  # 1 if the answer earned a point on the global board (or any board)
    boards: frozenset[str]  # where it earned one


def score_answer(
    q: Queries,
    *,
    user_id: int,
    question_id: str,
    answer_id: int,
    correct: bool,
    elapsed_ms: int,
    boards: Sequence[str],
) -> Scored:
    """Apply the points rule to a stored answer, inside its unit of work."""
    earned = q.claim_awards(user_id, question_id, answer_id, boards) if correct else set()
    q.add_to_boards(
        user_id,
        [
            (board, POINT if board in earned else 0, elapsed_ms if board in earned else 0)
            for board in boards
        ],
    )
    return Scored(POINT if earned else 0, frozenset(earned))


def ranked(entries: Iterable[BoardEntry]) -> list[BoardEntry]:
    """Ranks for entries listed most points first: equal points share a rank."""
    out: list[BoardEntry] = []
    for index, entry in enumerate(entries):
        tied = out and out[-1].points == entry.points
        rank = out[-1].rank if tied else index + 1
        out.append(
            BoardEntry(
                rank, entry.user_id, entry.name, entry.points, entry.answered, entry.time_ms
            )
        )
    return out


def order_key(points: int, time_ms: int, user_id: int) -> tuple[int, int, int]:
    """How a table lists players: most points, then the faster total time."""
    return (-points, time_ms, user_id)


# streaks and the daily goal ---------------------------------------------------------------


def next_streak(current: int, best: int, last_day: str | None, today: date) -> tuple[int, int]:
    if last_day == today.isoformat():
        return current, best
    current = current + 1 if last_day == day_before(today).isoformat() else 1
    return current, max(best, current)


def shown_streak(current: int, last_day: str | None, today: date) -> int:
    """A streak still counts today if the player answered yesterday or today."""
    if last_day in (today.isoformat(), day_before(today).isoformat()):
        return current
    return 0


@dataclass(frozen=True, slots=True)
class Activity:
    streak: int
    best: int
    streak_grew: bool  # this answer was the first of a day that extended the streak
    answered_today: bool  # at least one answer today (else: "answer one today to keep it")
    today: int  # answers today
    goal: int
    goal_reached_now: bool  # this answer reached the daily goal


def record_activity(q: Queries, user: User, now: datetime) -> Activity:
    """The player's streak and daily count after an answer, inside its unit of work."""
    today = local_day(now, user.tz)
    current, best = next_streak(user.streak_current, user.streak_best, user.last_active_day, today)
    before = user.goal_answers if user.goal_day == today.isoformat() else 0
    count = before + 1
    q.record_activity(
        user.id,
        streak_current=current,
        streak_best=best,
        active_day=today.isoformat(),
        goal_answers=count,
    )
    return Activity(
        streak=current,
        best=best,
        streak_grew=user.last_active_day != today.isoformat() and current > 1,
        answered_today=True,
        today=count,
        goal=user.daily_goal,
        goal_reached_now=before < user.daily_goal <= count,
    )


def activity_now(user: User | None, now: datetime) -> Activity:
    """The streak and goal as they stand (``/me``, ``/start``), without an answer."""
    if user is None:
        return Activity(0, 0, False, False, 0, DEFAULT_DAILY_GOAL, False)
    today = local_day(now, user.tz)
    answered_today = user.last_active_day == today.isoformat()
    return Activity(
        streak=shown_streak(user.streak_current, user.last_active_day, today),
        best=user.streak_best,
        streak_grew=False,
        answered_today=answered_today,
        today=user.goal_answers if user.goal_day == today.isoformat() else 0,
        goal=user.daily_goal,
        goal_reached_now=False,
    )


def current_week(now: datetime) -> str:
    return iso_week(now)


# the consistency check ----------------------------------------------------------------------


def recount_mismatches(q: Queries) -> list[str]:
    """Recompute every board from the answers with the rules above and compare it with the
    stored awards, totals and rank histograms. An empty list means all is consistent."""
    answers = {}
    answered: Counter[tuple[str, int]] = Counter()
    correct: defaultdict[tuple[str, int, str], set[int]] = defaultdict(set)
    for answer, kind in q.all_answers():
        answers[answer.id] = answer
        for board in boards_for(
            kind, answer.chat_id, answer.user_id, iso_week(answer.answered_at)
        ):
            answered[(board, answer.user_id)] += 1
            if answer.correct:
                correct[(board, answer.user_id, answer.question_id)].add(answer.id)
    problems: list[str] = []
    awards = {(b, u, qid): a for b, u, qid, a in q.all_awards()}
    for award in sorted(set(awards) | set(correct)):
        if award not in correct or awards.get(award) not in correct[award]:
            found = awards.get(award)
            problems.append(f"award {award} is {found}, right answers {correct.get(award)}")
    expected: dict[tuple[str, int], list[int]] = {k: [0, n, 0] for k, n in answered.items()}
    for (board, user_id, _), answer_id in awards.items():
        total = expected.setdefault((board, user_id), [0, 0, 0])
        total[0] += POINT
        total[2] += answers[answer_id].elapsed_ms if answer_id in answers else 0
    stored = {(b, u): [p, a, t] for b, u, p, a, t in q.all_scores()}
    for total_key in sorted(set(expected) | set(stored)):
        if expected.get(total_key) != stored.get(total_key):
            problems.append(
                f"score {total_key} is {stored.get(total_key)}, recount {expected.get(total_key)}"
            )
    histogram = Counter((board, values[0]) for (board, _), values in stored.items())
    if dict(histogram) != q.histogram():
        problems.append("rank histogram differs from the scores")
    return problems
