"""SQL of social play: daily quizzes, challenges between friends, shared-question codes,
and the week's numbers of a group. Functions of a :class:`~storage.queries.Queries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import Row, as_time
from storage.queries import Queries


@dataclass(frozen=True, slots=True)
class DailyRow:
    chat_id: int
    local_minute: int
    tz: str
    size: int
    seconds: int
    created_by: int | None

    @classmethod
    def from_row(cls, r: Row) -> DailyRow:
        return cls(
            r["chat_id"], r["local_minute"], r["tz"], r["size"], r["seconds"], r["created_by"]
        )


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    token: str
    owner_id: int
    owner_name: str
    round_id: int
    score: int
    total: int
    time_ms: int
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_row(cls, r: Row) -> ChallengeRow:
        return cls(
            r["token"],
            r["owner_id"],
            r["owner_name"],
            r["round_id"],
            r["score"],
            r["total"],
            int(r["time_ms"]),
            as_time(r["created_at"]),
            as_time(r["expires_at"]),
        )


_CHALLENGE = (
    "SELECT c.token, c.owner_id, u.name AS owner_name, c.round_id, c.score, c.total, "
    "c.time_ms, c.created_at, c.expires_at FROM challenges c JOIN users u ON u.id = c.owner_id "
)


# daily quizzes ------------------------------------------------------------------------------


def set_daily(
    q: Queries,
    chat_id: int,
    local_minute: int,
    tz: str,
    size: int,
    seconds: int,
    created_by: int,
    now: datetime,
) -> None:
    q.sql.run(
        "INSERT INTO daily_quizzes (chat_id, local_minute, tz, size, seconds, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
        "local_minute = excluded.local_minute, tz = excluded.tz, size = excluded.size, "
        "seconds = excluded.seconds, created_by = excluded.created_by",
        (chat_id, local_minute, tz, size, seconds, created_by, now),
    )


def get_daily(q: Queries, chat_id: int) -> DailyRow | None:
    row = q.sql.one(
        "SELECT chat_id, local_minute, tz, size, seconds, created_by FROM daily_quizzes "
        "WHERE chat_id = ?",
        (chat_id,),
    )
    return None if row is None else DailyRow.from_row(row)


def all_daily(q: Queries) -> list[DailyRow]:
    rows = q.sql.all(
        "SELECT chat_id, local_minute, tz, size, seconds, created_by FROM daily_quizzes "
        "ORDER BY chat_id"
    )
    return [DailyRow.from_row(r) for r in rows]


def delete_daily(q: Queries, chat_id: int) -> bool:
    return q.sql.run("DELETE FROM daily_quizzes WHERE chat_id = ?", (chat_id,)) == 1


def move_daily(q: Queries, old_chat_id: int, new_chat_id: int) -> None:
    q.sql.run("UPDATE daily_quizzes SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))


# the week of a group ------------------------------------------------------------------------


def most_missed(q: Queries, chat_id: int, week: str) -> tuple[str, int] | None:
    """The question this chat got wrong most often in the week, and how often."""
    row = q.sql.one(
        "SELECT question_id, COUNT(*) AS misses FROM answers "
        "WHERE chat_id = ? AND week = ? AND NOT correct "
        "GROUP BY question_id ORDER BY misses DESC, question_id LIMIT 1",
        (chat_id, week),
    )
    return None if row is None else (row["question_id"], int(row["misses"]))


def week_answers(q: Queries, chat_id: int, week: str) -> int:
    value = q.sql.value(
        "SELECT COUNT(*) FROM answers WHERE chat_id = ? AND week = ?", (chat_id, week)
    )
    return int(value)


# challenges -----------------------------------------------------------------------------------


def add_challenge(
    q: Queries,
    token: str,
    owner_id: int,
    round_id: int,
    score: int,
    total: int,
    time_ms: int,
    now: datetime,
    expires_at: datetime,
) -> None:
    q.sql.run(
        "INSERT INTO challenges (token, owner_id, round_id, score, total, time_ms, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (token, owner_id, round_id, score, total, time_ms, now, expires_at),
    )


def get_challenge(q: Queries, token: str) -> ChallengeRow | None:
    row = q.sql.one(_CHALLENGE + "WHERE c.token = ?", (token,))
    return None if row is None else ChallengeRow.from_row(row)


def latest_challenge(q: Queries, owner_id: int, now: datetime) -> ChallengeRow | None:
    row = q.sql.one(
        _CHALLENGE + "WHERE c.owner_id = ? AND c.expires_at > ? "
        "ORDER BY c.created_at DESC LIMIT 1",
        (owner_id, now),
    )
    return None if row is None else ChallengeRow.from_row(row)


def add_attempt(q: Queries, token: str, user_id: int, round_id: int) -> bool:
    added = q.sql.run(
        "INSERT INTO challenge_attempts (token, user_id, round_id) VALUES (?, ?, ?) "
        "ON CONFLICT (token, user_id) DO NOTHING",
        (token, user_id, round_id),
    )
    return added == 1


def attempt(q: Queries, token: str, user_id: int) -> int | None:
    """The round of a friend's attempt at a challenge, if they took it."""
    value = q.sql.value(
        "SELECT round_id FROM challenge_attempts WHERE token = ? AND user_id = ?",
        (token, user_id),
    )
    return None if value is None else int(value)


def drop_attempt(q: Queries, token: str, user_id: int) -> bool:
    return (
        q.sql.run(
            "DELETE FROM challenge_attempts WHERE token = ? AND user_id = ?", (token, user_id)
        )
        == 1
    )


def attempt_of_round(q: Queries, round_id: int) -> tuple[str, int] | None:
    """(challenge, friend) of the attempt played in this round, if it is one."""
    row = q.sql.one(
        "SELECT token, user_id FROM challenge_attempts WHERE round_id = ?", (round_id,)
    )
    return None if row is None else (row["token"], row["user_id"])


def mark_reported(q: Queries, token: str, user_id: int) -> bool:
    """The head-to-head was sent: True the first time only."""
    changed = q.sql.run(
        "UPDATE challenge_attempts SET reported = TRUE WHERE token = ? AND user_id = ? "
        "AND NOT reported",
        (token, user_id),
    )
    return changed == 1


def forget_expired_challenges(q: Queries, now: datetime) -> int:
    return q.sql.run("DELETE FROM challenges WHERE expires_at < ?", (now,))


# shared questions -----------------------------------------------------------------------------


def question_code(q: Queries, question_id: str) -> str | None:
    value = q.sql.value("SELECT code FROM question_codes WHERE question_id = ?", (question_id,))
    return None if value is None else str(value)


def add_question_code(q: Queries, code: str, question_id: str) -> bool:
    added = q.sql.run(
        "INSERT INTO question_codes (code, question_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (code, question_id),
    )
    return added == 1


def question_of_code(q: Queries, code: str) -> str | None:
    value = q.sql.value("SELECT question_id FROM question_codes WHERE code = ?", (code,))
    return None if value is None else str(value)
