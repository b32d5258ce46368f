"""Every SQL statement of the bot, as methods of a :class:`Session` over one connection.

All values are bound parameters; no SQL is built from user input.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from storage.models import (
    Answer,
    BoardEntry,
    CardRow,
    Dispute,
    PendingInput,
    QuestionStats,
    Reminder,
    Round,
    RoundQuestion,
    User,
)
from storage.thread import in_thread
from storage.timefmt import from_db, maybe_from_db, to_db

# Tables holding a user's rows, for /forget and for tests that check nothing is left behind.
USER_TABLES = ("answers", "scores", "cards", "reminders", "pending_inputs", "users")


def _round(row: Sequence[Any]) -> Round:
    return Round(
        id=row[0],
        chat_id=row[1],
        chat_kind=row[2],
        owner_id=row[3],
        state=row[4],
        position=row[5],
        size=row[6],
        open_period=row[7],
        label=row[8],
        created_at=from_db(row[9]),
    )


def _round_question(row: Sequence[Any]) -> RoundQuestion:
    return RoundQuestion(
        round_id=row[0],
        position=row[1],
        question_id=row[2],
        option_order=tuple(int(i) for i in row[3].split(",")),
        asked_at=maybe_from_db(row[4]),
        message_id=row[5],
        poll_id=row[6],
        closes_at=maybe_from_db(row[7]),
        closed=bool(row[8]),
    )


def _answer(row: Sequence[Any]) -> Answer:
    return Answer(
        round_id=row[0],
        position=row[1],
        question_id=row[2],
        user_id=row[3],
        chat_id=row[4],
        chosen=row[5],
        correct=bool(row[6]),
        elapsed_ms=row[7],
        answered_at=from_db(row[8]),
    )


def _card(row: Sequence[Any]) -> CardRow:
    return CardRow(row[0], row[1], row[2], from_db(row[3]), bool(row[4]), row[5])


class Queries:
    """Every statement, run synchronously on one ``sqlite3`` connection in its own thread.

    The async :class:`storage.db.Session` runs one of these per await; a unit of work
    (``Store.write``) runs many of them in a single trip to the database thread.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.conn.execute(sql, params).fetchall()  # run to completion (RETURNING too)
        return rows[0] if rows else None

    def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    # users -------------------------------------------------------------------------------

    def upsert_user(self, user_id: int, name: str, now: datetime) -> None:
        self._run(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = "
            "excluded.updated_at "
            "WHERE users.name IS NOT excluded.name",
            (user_id, name, to_db(now), to_db(now)),
        )

    def get_user(self, user_id: int) -> User | None:
        row = self._one(
            "SELECT id, name, streak_current, streak_best, last_active_day, blocked "
            "FROM users WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return User(row[0], row[1], row[2], row[3], row[4], blocked=bool(row[5]))

    def learner_state(self, user_id: int, question_id: str) -> tuple[User | None, str | None]:
        """The user and their study card for one question (JSON, if any), in one read."""
        row = self._one(
            "SELECT u.id, u.name, u.streak_current, u.streak_best, u.last_active_day, "
            "u.blocked, c.card FROM users u "
            "LEFT JOIN cards c ON c.user_id = u.id AND c.question_id = ? WHERE u.id = ?",
            (question_id, user_id),
        )
        if row is None:
            return None, None
        return User(row[0], row[1], row[2], row[3], row[4], blocked=bool(row[5])), row[6]

    def set_streak(self, user_id: int, current: int, best: int, day: str) -> None:
        self._run(
            "UPDATE users SET streak_current = ?, streak_best = ?, last_active_day = ? "
            "WHERE id = ?",
            (current, best, day, user_id),
        )

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        self._run("UPDATE users SET blocked = ? WHERE id = ?", (int(blocked), user_id))

    # rounds ------------------------------------------------------------------------------

    def create_round(
        self,
        *,
        chat_id: int,
        chat_kind: str,
        owner_id: int | None,
        questions: Sequence[tuple[str, Sequence[int]]],
        open_period: int | None,
        label: str,
        now: datetime,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO rounds (chat_id, chat_kind, owner_id, state, position, size, open_period,"
            " label, created_at, updated_at) VALUES (?, ?, ?, 'active', 0, ?, ?, ?, ?, ?)",
            (
                chat_id,
                chat_kind,
                owner_id,
                len(questions),
                open_period,
                label,
                to_db(now),
                to_db(now),
            ),
        )
        round_id = cursor.lastrowid
        cursor.close()
        assert round_id is not None  # noqa: S101
        self.conn.executemany(
            "INSERT INTO round_questions (round_id, position, question_id, option_order) "
            "VALUES (?, ?, ?, ?)",
            [
                (round_id, position, qid, ",".join(str(i) for i in order))
                for position, (qid, order) in enumerate(questions)
            ],
        )
        return round_id

    def get_round(self, round_id: int) -> Round | None:
        row = self._one(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, label, "
            "created_at FROM rounds WHERE id = ?",
            (round_id,),
        )
        return None if row is None else _round(row)

    def active_round(self, chat_id: int) -> Round | None:
        row = self._one(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, "
            "label, created_at FROM rounds WHERE chat_id = ? AND state = 'active'",
            (chat_id,),
        )
        return None if row is None else _round(row)

    def active_rounds(self, chat_kind: str) -> list[Round]:
        rows = self._all(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, "
            "label, created_at FROM rounds WHERE state = 'active' AND chat_kind = ? "
            "ORDER BY id",
            (chat_kind,),
        )
        return [_round(r) for r in rows]

    def set_round_position(self, round_id: int, position: int, now: datetime) -> None:
        self._run(
            "UPDATE rounds SET position = ?, updated_at = ? WHERE id = ?",
            (position, to_db(now), round_id),
        )

    def end_round(self, round_id: int, state: str, now: datetime) -> bool:
        """Mark an active round finished or stopped; False if it was not active."""
        changed = self._run(
            "UPDATE rounds SET state = ?, updated_at = ? WHERE id = ? AND state = 'active'",
            (state, to_db(now), round_id),
        )
        return changed == 1

    def round_question(self, round_id: int, position: int) -> RoundQuestion | None:
        row = self._one(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, "
            "poll_id, closes_at, closed FROM round_questions WHERE round_id = ? AND position = "
            "?",
            (round_id, position),
        )
        return None if row is None else _round_question(row)

    def round_questions(self, round_id: int) -> list[RoundQuestion]:
        rows = self._all(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, "
            "poll_id, closes_at, closed FROM round_questions WHERE round_id = ? ORDER BY "
            "position",
            (round_id,),
        )
        return [_round_question(r) for r in rows]

    def round_question_by_poll(self, poll_id: str) -> RoundQuestion | None:
        row = self._one(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, poll_id, "
            "closes_at, closed FROM round_questions WHERE poll_id = ?",
            (poll_id,),
        )
        return None if row is None else _round_question(row)

    def mark_asked(
        self,
        round_id: int,
        position: int,
        now: datetime,
        *,
        message_id: int | None = None,
        poll_id: str | None = None,
        closes_at: datetime | None = None,
    ) -> None:
        self._run(
            "UPDATE round_questions SET asked_at = ?, message_id = ?, poll_id = ?, closes_at = ? "
            "WHERE round_id = ? AND position = ?",
            (
                to_db(now),
                message_id,
                poll_id,
                None if closes_at is None else to_db(closes_at),
                round_id,
                position,
            ),
        )

    def claim_question(self, round_id: int, position: int, now: datetime) -> bool:
        """Mark a question as being shown unless it was shown already (one send per tap)."""
        changed = self._run(
            "UPDATE round_questions SET asked_at = ? "
            "WHERE round_id = ? AND position = ? AND asked_at IS NULL",
            (to_db(now), round_id, position),
        )
        return changed == 1

    def close_round_question(self, round_id: int, position: int) -> bool:
        """Close a question for answers; False if it was closed already."""
        changed = self._run(
            "UPDATE round_questions SET closed = 1 WHERE round_id = ? AND position = ? "
            "AND closed = 0",
            (round_id, position),
        )
        return changed == 1

    def seen_question_ids(self, user_id: int) -> set[str]:
        rows = self._all("SELECT DISTINCT question_id FROM answers WHERE user_id = ?", (user_id,))
        return {r[0] for r in rows}

    # answers -----------------------------------------------------------------------------

    def insert_answer(
        self,
        *,
        round_id: int,
        position: int,
        question_id: str,
        user_id: int,
        chat_id: int,
        chosen: int,
        correct: bool,
        elapsed_ms: int,
        answered_at: datetime,
        week: str,
    ) -> bool:
        """Store an answer; False if this user already answered this question of the round."""
        inserted = self._run(
            "INSERT INTO answers (round_id, position, question_id, user_id, chat_id, chosen, "
            "correct, elapsed_ms, answered_at, week) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (round_id, question_id, user_id) DO NOTHING",
            (
                round_id,
                position,
                question_id,
                user_id,
                chat_id,
                chosen,
                int(correct),
                elapsed_ms,
                to_db(answered_at),
                week,
            ),
        )
        return inserted == 1

    def round_answers(self, round_id: int, position: int | None = None) -> list[Answer]:
        if position is None:
            rows = self._all(
                "SELECT round_id, position, question_id, user_id, chat_id, chosen, correct, "
                "elapsed_ms, answered_at FROM answers WHERE round_id = ? ORDER BY id",
                (round_id,),
            )
        else:
            rows = self._all(
                "SELECT round_id, position, question_id, user_id, chat_id, chosen, correct, "
                "elapsed_ms, answered_at FROM answers WHERE round_id = ? AND position = ? "
                "ORDER BY elapsed_ms, id",
                (round_id, position),
            )
        return [_answer(r) for r in rows]

    def answer_context(
        self, round_id: int, position: int, user_id: int
    ) -> tuple[Round | None, RoundQuestion | None, int | None]:
        """The round, its question at ``position`` and the user's earlier choice, in one read."""
        row = self._one(
            "SELECT r.id, r.chat_id, r.chat_kind, r.owner_id, r.state, r.position, r.size, "
            "r.open_period, r.label, r.created_at, "
            "rq.round_id, rq.position, rq.question_id, rq.option_order, rq.asked_at, "
            "rq.message_id, rq.poll_id, rq.closes_at, rq.closed, a.chosen "
            "FROM rounds r "
            "LEFT JOIN round_questions rq ON rq.round_id = r.id AND rq.position = ? "
            "LEFT JOIN answers a ON a.round_id = r.id AND a.position = ? AND a.user_id = ? "
            "WHERE r.id = ?",
            (position, position, user_id, round_id),
        )
        if row is None:
            return None, None, None
        question = None if row[10] is None else _round_question(row[10:19])
        return _round(row[:10]), question, row[19]

    def round_players(self, round_id: int) -> dict[int, str]:
        """Everyone who answered in the round, with their current display names."""
        rows = self._all(
            "SELECT DISTINCT a.user_id, u.name FROM answers a JOIN users u ON u.id = a.user_id "
            "WHERE a.round_id = ?",
            (round_id,),
        )
        return {r[0]: r[1] for r in rows}

    def question_stats(self, user_id: int) -> list[QuestionStats]:
        rows = self._all(
            "SELECT question_id, COUNT(*), SUM(correct) FROM answers WHERE user_id = ? "
            "GROUP BY question_id",
            (user_id,),
        )
        return [QuestionStats(*r) for r in rows]

    # scoreboards -------------------------------------------------------------------------

    def add_to_board(self, board: str, user_id: int, points: int, time_ms: int) -> None:
        """Count one answer on a board: +points, +1 answered; keep the histogram in step."""
        new, answered = self._one(
            "INSERT INTO scores (board, user_id, points, answered, time_ms) "
            "VALUES (?, ?, ?, 1, ?) ON CONFLICT (board, user_id) DO UPDATE SET "
            "points = points + excluded.points, answered = answered + 1, "
            "time_ms = time_ms + excluded.time_ms RETURNING points, answered",
            (board, user_id, points, time_ms),
        )
        if answered == 1:  # first answer on this board: the user joins the histogram
            self._move_in_histogram(board, None, new)
        elif points:
            self._move_in_histogram(board, new - points, new)

    def _move_in_histogram(self, board: str, old: int | None, new: int | None) -> None:
        if old is not None:
            self._run(
                "UPDATE board_points SET users = users - 1 WHERE board = ? AND points = ?",
                (board, old),
            )
        if new is not None:
            self._run(
                "INSERT INTO board_points (board, points, users) VALUES (?, ?, 1) "
                "ON CONFLICT (board, points) DO UPDATE SET users = users + 1",
                (board, new),
            )

    def top(self, board: str, limit: int = 10) -> list[BoardEntry]:
        rows = self._all(
            "SELECT s.user_id, u.name, s.points, s.answered, s.time_ms FROM scores s "
            "JOIN users u ON u.id = s.user_id WHERE s.board = ? "
            "ORDER BY s.points DESC, s.time_ms, s.user_id LIMIT ?",
            (board, limit),
        )
        entries: list[BoardEntry] = []
        for index, row in enumerate(rows):
            tied = entries and entries[-1].points == row[2]
            rank = entries[-1].rank if tied else index + 1
            entries.append(BoardEntry(rank, *row))
        return entries

    def board_entry(self, board: str, user_id: int) -> BoardEntry | None:
        """The user's place on a board; equal points share a rank."""
        row = self._one(
            "SELECT s.points, s.answered, s.time_ms, u.name, "
            "1 + COALESCE((SELECT SUM(users) FROM board_points b "
            "WHERE b.board = s.board AND b.points > s.points), 0) "
            "FROM scores s JOIN users u ON u.id = s.user_id WHERE s.board = ? AND s.user_id = ?",
            (board, user_id),
        )
        if row is None:
            return None
        points, answered, time_ms, name, rank = row
        return BoardEntry(rank, user_id, name, points, answered, time_ms)

    def board_size(self, board: str) -> int:
        row = self._one(
            "SELECT COALESCE(SUM(users), 0) FROM board_points WHERE board = ?", (board,)
        )
        return int(row[0])

    # study cards -------------------------------------------------------------------------

    def save_card(
        self, user_id: int, question_id: str, card_json: str, due: datetime, correct: bool
    ) -> None:
        self._run(
            "INSERT INTO cards (user_id, question_id, card, due, last_correct, reviews) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (user_id, question_id) DO UPDATE SET "
            "card = excluded.card, due = excluded.due, last_correct = excluded.last_correct, "
            "reviews = reviews + 1",
            (user_id, question_id, card_json, to_db(due), int(correct)),
        )

    def user_cards(self, user_id: int) -> list[CardRow]:
        rows = self._all(
            "SELECT user_id, question_id, card, due, last_correct, reviews FROM cards "
            "WHERE user_id = ?",
            (user_id,),
        )
        return [_card(r) for r in rows]

    def due_cards(self, user_id: int, now: datetime, limit: int) -> list[CardRow]:
        rows = self._all(
            "SELECT user_id, question_id, card, due, last_correct, reviews FROM cards WHERE "
            "user_id = ? AND due <= ? "
            "ORDER BY due LIMIT ?",
            (user_id, to_db(now), limit),
        )
        return [_card(r) for r in rows]

    def count_due(self, user_id: int, now: datetime) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM cards WHERE user_id = ? AND due <= ?", (user_id, to_db(now))
        )
        return int(row[0])

    def set_reminder(
        self, user_id: int, chat_id: int, minute_utc: int, offset_minutes: int
    ) -> None:
        self._run(
            "INSERT INTO reminders (user_id, chat_id, minute_utc, offset_minutes) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            "minute_utc = excluded.minute_utc, offset_minutes = excluded.offset_minutes",
            (user_id, chat_id, minute_utc, offset_minutes),
        )

    def delete_reminder(self, user_id: int) -> bool:
        return self._run("DELETE FROM reminders WHERE user_id = ?", (user_id,)) == 1

    def get_reminder(self, user_id: int) -> Reminder | None:
        row = self._one(
            "SELECT user_id, chat_id, minute_utc, offset_minutes, last_sent_day "
            "FROM reminders WHERE user_id = ?",
            (user_id,),
        )
        return None if row is None else Reminder(*row)

    def reminders(self) -> list[Reminder]:
        rows = self._all(
            "SELECT user_id, chat_id, minute_utc, offset_minutes, last_sent_day FROM reminders "
            "ORDER BY user_id"
        )
        return [Reminder(*r) for r in rows]

    def mark_reminder_sent(self, user_id: int, day: str) -> None:
        self._run("UPDATE reminders SET last_sent_day = ? WHERE user_id = ?", (day, user_id))

    # disputes ----------------------------------------------------------------------------

    def add_dispute(self, question_id: str, user_id: int, text: str, now: datetime) -> int:
        cursor = self.conn.execute(
            "INSERT INTO disputes (question_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
            (question_id, user_id, text, to_db(now)),
        )
        dispute_id = cursor.lastrowid
        cursor.close()
        assert dispute_id is not None  # noqa: S101
        return dispute_id

    def open_disputes(self, limit: int = 50) -> list[Dispute]:
        rows = self._all(
            "SELECT d.id, d.question_id, d.user_id, u.name, d.text, d.created_at, d.resolved_at "
            "FROM disputes d LEFT JOIN users u ON u.id = d.user_id "
            "WHERE d.resolved_at IS NULL ORDER BY d.id LIMIT ?",
            (limit,),
        )
        return [Dispute(r[0], r[1], r[2], r[3], r[4], from_db(r[5]), None) for r in rows]

    def resolve_dispute(self, dispute_id: int, by_user: int, now: datetime) -> bool:
        changed = self._run(
            "UPDATE disputes SET resolved_at = ?, resolved_by = ? "
            "WHERE id = ? AND resolved_at IS NULL",
            (to_db(now), by_user, dispute_id),
        )
        return changed == 1

    # pending inputs ----------------------------------------------------------------------

    def set_pending(self, user_id: int, kind: str, question_id: str, now: datetime) -> None:
        self._run(
            "INSERT INTO pending_inputs (user_id, kind, question_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
            "question_id = excluded.question_id, created_at = excluded.created_at",
            (user_id, kind, question_id, to_db(now)),
        )

    def take_pending(self, user_id: int) -> PendingInput | None:
        row = self._one(
            "DELETE FROM pending_inputs WHERE user_id = ? "
            "RETURNING user_id, kind, question_id, created_at",
            (user_id,),
        )
        if row is None:
            return None
        return PendingInput(row[0], row[1], row[2], from_db(row[3]))

    # forgetting --------------------------------------------------------------------------

    def forget_user(self, user_id: int) -> None:
        """Delete every row of the user; group rounds they started stay, without an owner."""
        for board, points in self._all(
            "SELECT board, points FROM scores WHERE user_id = ?", (user_id,)
        ):
            self._move_in_histogram(board, points, None)
        self._run("DELETE FROM rounds WHERE owner_id = ? AND chat_kind = 'private'", (user_id,))
        for table in USER_TABLES[:-1]:
            # table names come from the constant tuple above, never from input
            self._run(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608
        self._run("UPDATE disputes SET user_id = NULL WHERE user_id = ?", (user_id,))
        self._run("DELETE FROM users WHERE id = ?", (user_id,))

    def count_user_rows(self, user_id: int) -> dict[str, int]:
        counts = {}
        for table in USER_TABLES:
            column = "id" if table == "users" else "user_id"
            row = self._one(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",  # noqa: S608
                (user_id,),
            )
            counts[table] = int(row[0])
        row = self._one("SELECT COUNT(*) FROM disputes WHERE user_id = ?", (user_id,))
        counts["disputes"] = int(row[0])
        row = self._one("SELECT COUNT(*) FROM rounds WHERE owner_id = ?", (user_id,))
        counts["rounds"] = int(row[0])
        return counts

    def recount_mismatches(self) -> list[str]:
        """Invariants: totals equal a recount of answers; no answer without its round."""
        problems = []
        rows = self._all(
            "SELECT s.board, s.user_id, s.points, s.answered, r.points, r.answered FROM scores s "
            "LEFT JOIN (SELECT 'all' AS board, user_id, SUM(correct) AS points, "
            "COUNT(*) AS answered FROM answers GROUP BY user_id "
            "UNION ALL SELECT 'week:' || week, user_id, SUM(correct), COUNT(*) FROM answers "
            "GROUP BY week, user_id "
            "UNION ALL SELECT 'chat:' || chat_id, user_id, SUM(correct), COUNT(*) FROM answers "
            "WHERE chat_id < 0 GROUP BY chat_id, user_id) r "
            "ON r.board = s.board AND r.user_id = s.user_id"
        )
        problems += [f"score {r[:4]} != recount {r[4:]}" for r in rows if r[2:4] != r[4:6]]
        row = self._one(
            "SELECT COUNT(*) FROM answers a LEFT JOIN rounds r ON r.id = a.round_id "
            "WHERE r.id IS NULL"
        )
        if row[0]:
            problems.append(f"{row[0]} answers without a round")
        rows = self._all(
            "SELECT b.board, b.points, b.users, COUNT(s.user_id) FROM board_points b "
            "LEFT JOIN scores s ON s.board = b.board AND s.points = b.points "
            "GROUP BY b.board, b.points HAVING b.users != COUNT(s.user_id)"
        )
        problems += [f"histogram {r[:3]} != {r[3]} users" for r in rows]
        return problems


P = ParamSpec("P")
T = TypeVar("T")


def _async(
    method: Callable[Concatenate[Queries, P], T],
) -> Callable[Concatenate[Session, P], Coroutine[Any, Any, T]]:
    """Turn a Queries method into a Session coroutine that runs it in the database thread."""

    async def call(self: Session, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(method, *args, **kwargs)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class Session:
    """The same queries as :class:`Queries`, awaited one by one on an aiosqlite connection.

    Reads use the read-only connection; writes only make sense inside ``Store.transaction()``.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def run(
        self, fn: Callable[Concatenate[Queries, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(Queries, ...)`` in the connection's thread: one trip for many statements."""
        return await in_thread(self.conn, lambda queries: fn(queries, *args, **kwargs))

    upsert_user = _async(Queries.upsert_user)
    get_user = _async(Queries.get_user)
    learner_state = _async(Queries.learner_state)
    set_streak = _async(Queries.set_streak)
    set_blocked = _async(Queries.set_blocked)
    create_round = _async(Queries.create_round)
    get_round = _async(Queries.get_round)
    active_round = _async(Queries.active_round)
    active_rounds = _async(Queries.active_rounds)
    set_round_position = _async(Queries.set_round_position)
    end_round = _async(Queries.end_round)
    round_question = _async(Queries.round_question)
    round_questions = _async(Queries.round_questions)
    round_question_by_poll = _async(Queries.round_question_by_poll)
    mark_asked = _async(Queries.mark_asked)
    claim_question = _async(Queries.claim_question)
    close_round_question = _async(Queries.close_round_question)
    seen_question_ids = _async(Queries.seen_question_ids)
    insert_answer = _async(Queries.insert_answer)
    round_answers = _async(Queries.round_answers)
    answer_context = _async(Queries.answer_context)
    round_players = _async(Queries.round_players)
    question_stats = _async(Queries.question_stats)
    add_to_board = _async(Queries.add_to_board)
    top = _async(Queries.top)
    board_entry = _async(Queries.board_entry)
    board_size = _async(Queries.board_size)
    save_card = _async(Queries.save_card)
    user_cards = _async(Queries.user_cards)
    due_cards = _async(Queries.due_cards)
    count_due = _async(Queries.count_due)
    set_reminder = _async(Queries.set_reminder)
    delete_reminder = _async(Queries.delete_reminder)
    get_reminder = _async(Queries.get_reminder)
    reminders = _async(Queries.reminders)
    mark_reminder_sent = _async(Queries.mark_reminder_sent)
    add_dispute = _async(Queries.add_dispute)
    open_disputes = _async(Queries.open_disputes)
    resolve_dispute = _async(Queries.resolve_dispute)
    set_pending = _async(Queries.set_pending)
    take_pending = _async(Queries.take_pending)
    forget_user = _async(Queries.forget_user)
    count_user_rows = _async(Queries.count_user_rows)
    recount_mismatches = _async(Queries.recount_mismatches)
