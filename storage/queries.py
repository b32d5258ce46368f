"""Every SQL statement of the bot, as methods of a :class:`Session` over one connection.

All values are bound parameters; no SQL is built from user input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

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


class Session:
    """Queries on one connection. Writes only make sense inside ``Store.transaction()``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self.conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    # users -------------------------------------------------------------------------------

    async def upsert_user(self, user_id: int, name: str, now: datetime) -> None:
        await self._run(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = "
            "excluded.updated_at "
            "WHERE users.name IS NOT excluded.name",
            (user_id, name, to_db(now), to_db(now)),
        )

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one(
            "SELECT id, name, streak_current, streak_best, last_active_day, blocked "
            "FROM users WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return User(row[0], row[1], row[2], row[3], row[4], blocked=bool(row[5]))

    async def set_streak(self, user_id: int, current: int, best: int, day: str) -> None:
        await self._run(
            "UPDATE users SET streak_current = ?, streak_best = ?, last_active_day = ? "
            "WHERE id = ?",
            (current, best, day, user_id),
        )

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self._run("UPDATE users SET blocked = ? WHERE id = ?", (int(blocked), user_id))

    # rounds ------------------------------------------------------------------------------

    async def create_round(
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
        cursor = await self.conn.execute(
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
        await cursor.close()
        assert round_id is not None  # noqa: S101
        await self.conn.executemany(
            "INSERT INTO round_questions (round_id, position, question_id, option_order) "
            "VALUES (?, ?, ?, ?)",
            [
                (round_id, position, qid, ",".join(str(i) for i in order))
                for position, (qid, order) in enumerate(questions)
            ],
        )
        return round_id

    async def get_round(self, round_id: int) -> Round | None:
        row = await self._one(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, label, "
            "created_at FROM rounds WHERE id = ?",
            (round_id,),
        )
        return None if row is None else _round(row)

    async def active_round(self, chat_id: int) -> Round | None:
        row = await self._one(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, "
            "label, created_at FROM rounds WHERE chat_id = ? AND state = 'active'",
            (chat_id,),
        )
        return None if row is None else _round(row)

    async def active_rounds(self, chat_kind: str) -> list[Round]:
        rows = await self._all(
            "SELECT id, chat_id, chat_kind, owner_id, state, position, size, open_period, "
            "label, created_at FROM rounds WHERE state = 'active' AND chat_kind = ? "
            "ORDER BY id",
            (chat_kind,),
        )
        return [_round(r) for r in rows]

    async def set_round_position(self, round_id: int, position: int, now: datetime) -> None:
        await self._run(
            "UPDATE rounds SET position = ?, updated_at = ? WHERE id = ?",
            (position, to_db(now), round_id),
        )

    async def end_round(self, round_id: int, state: str, now: datetime) -> bool:
        """Mark an active round finished or stopped; False if it was not active."""
        changed = await self._run(
            "UPDATE rounds SET state = ?, updated_at = ? WHERE id = ? AND state = 'active'",
            (state, to_db(now), round_id),
        )
        return changed == 1

    async def round_question(self, round_id: int, position: int) -> RoundQuestion | None:
        row = await self._one(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, "
            "poll_id, closes_at, closed FROM round_questions WHERE round_id = ? AND position = "
            "?",
            (round_id, position),
        )
        return None if row is None else _round_question(row)

    async def round_questions(self, round_id: int) -> list[RoundQuestion]:
        rows = await self._all(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, "
            "poll_id, closes_at, closed FROM round_questions WHERE round_id = ? ORDER BY "
            "position",
            (round_id,),
        )
        return [_round_question(r) for r in rows]

    async def round_question_by_poll(self, poll_id: str) -> RoundQuestion | None:
        row = await self._one(
            "SELECT round_id, position, question_id, option_order, asked_at, message_id, poll_id, "
            "closes_at, closed FROM round_questions WHERE poll_id = ?",
            (poll_id,),
        )
        return None if row is None else _round_question(row)

    async def mark_asked(
        self,
        round_id: int,
        position: int,
        now: datetime,
        *,
        message_id: int | None = None,
        poll_id: str | None = None,
        closes_at: datetime | None = None,
    ) -> None:
        await self._run(
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

    async def claim_question(self, round_id: int, position: int, now: datetime) -> bool:
        """Mark a question as being shown unless it was shown already (one send per tap)."""
        changed = await self._run(
            "UPDATE round_questions SET asked_at = ? "
            "WHERE round_id = ? AND position = ? AND asked_at IS NULL",
            (to_db(now), round_id, position),
        )
        return changed == 1

    async def close_round_question(self, round_id: int, position: int) -> bool:
        """Close a question for answers; False if it was closed already."""
        changed = await self._run(
            "UPDATE round_questions SET closed = 1 WHERE round_id = ? AND position = ? "
            "AND closed = 0",
            (round_id, position),
        )
        return changed == 1

    async def seen_question_ids(self, user_id: int) -> set[str]:
        rows = await self._all(
            "SELECT DISTINCT question_id FROM answers WHERE user_id = ?", (user_id,)
        )
        return {r[0] for r in rows}

    # answers -----------------------------------------------------------------------------

    async def insert_answer(
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
        inserted = await self._run(
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

    async def round_answers(self, round_id: int, position: int | None = None) -> list[Answer]:
        if position is None:
            rows = await self._all(
                "SELECT round_id, position, question_id, user_id, chat_id, chosen, correct, "
                "elapsed_ms, answered_at FROM answers WHERE round_id = ? ORDER BY id",
                (round_id,),
            )
        else:
            rows = await self._all(
                "SELECT round_id, position, question_id, user_id, chat_id, chosen, correct, "
                "elapsed_ms, answered_at FROM answers WHERE round_id = ? AND position = ? "
                "ORDER BY elapsed_ms, id",
                (round_id, position),
            )
        return [_answer(r) for r in rows]

    async def user_answer(self, round_id: int, position: int, user_id: int) -> Answer | None:
        row = await self._one(
            "SELECT round_id, position, question_id, user_id, chat_id, chosen, correct, "
            "elapsed_ms, answered_at FROM answers "
            "WHERE round_id = ? AND position = ? AND user_id = ?",
            (round_id, position, user_id),
        )
        return None if row is None else _answer(row)

    async def round_players(self, round_id: int) -> dict[int, str]:
        """Everyone who answered in the round, with their current display names."""
        rows = await self._all(
            "SELECT DISTINCT a.user_id, u.name FROM answers a JOIN users u ON u.id = a.user_id "
            "WHERE a.round_id = ?",
            (round_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def question_stats(self, user_id: int) -> list[QuestionStats]:
        rows = await self._all(
            "SELECT question_id, COUNT(*), SUM(correct) FROM answers WHERE user_id = ? "
            "GROUP BY question_id",
            (user_id,),
        )
        return [QuestionStats(*r) for r in rows]

    # scoreboards -------------------------------------------------------------------------

    async def add_to_board(self, board: str, user_id: int, points: int, time_ms: int) -> None:
        """Count one answer on a board: +points, +1 answered; keep the histogram in step."""
        row = await self._one(
            "SELECT points FROM scores WHERE board = ? AND user_id = ?", (board, user_id)
        )
        if row is None:
            await self._run(
                "INSERT INTO scores (board, user_id, points, answered, time_ms) "
                "VALUES (?, ?, ?, 1, ?)",
                (board, user_id, points, time_ms),
            )
        else:
            await self._run(
                "UPDATE scores SET points = points + ?, answered = answered + 1, "
                "time_ms = time_ms + ? WHERE board = ? AND user_id = ?",
                (points, time_ms, board, user_id),
            )
        old = None if row is None else row[0]
        if old != (old or 0) + points or old is None:
            await self._move_in_histogram(board, old, (old or 0) + points)

    async def _move_in_histogram(self, board: str, old: int | None, new: int | None) -> None:
        if old is not None:
            await self._run(
                "UPDATE board_points SET users = users - 1 WHERE board = ? AND points = ?",
                (board, old),
            )
        if new is not None:
            await self._run(
                "INSERT INTO board_points (board, points, users) VALUES (?, ?, 1) "
                "ON CONFLICT (board, points) DO UPDATE SET users = users + 1",
                (board, new),
            )

    async def top(self, board: str, limit: int = 10) -> list[BoardEntry]:
        rows = await self._all(
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

    async def board_entry(self, board: str, user_id: int) -> BoardEntry | None:
        """The user's place on a board; equal points share a rank."""
        row = await self._one(
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

    async def board_size(self, board: str) -> int:
        row = await self._one(
            "SELECT COALESCE(SUM(users), 0) FROM board_points WHERE board = ?", (board,)
        )
        return int(row[0])

    # study cards -------------------------------------------------------------------------

    async def get_card(self, user_id: int, question_id: str) -> CardRow | None:
        row = await self._one(
            "SELECT user_id, question_id, card, due, last_correct, reviews FROM cards WHERE "
            "user_id = ? AND question_id = ?",
            (user_id, question_id),
        )
        return None if row is None else _card(row)

    async def save_card(
        self, user_id: int, question_id: str, card_json: str, due: datetime, correct: bool
    ) -> None:
        await self._run(
            "INSERT INTO cards (user_id, question_id, card, due, last_correct, reviews) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (user_id, question_id) DO UPDATE SET "
            "card = excluded.card, due = excluded.due, last_correct = excluded.last_correct, "
            "reviews = reviews + 1",
            (user_id, question_id, card_json, to_db(due), int(correct)),
        )

    async def user_cards(self, user_id: int) -> list[CardRow]:
        rows = await self._all(
            "SELECT user_id, question_id, card, due, last_correct, reviews FROM cards "
            "WHERE user_id = ?",
            (user_id,),
        )
        return [_card(r) for r in rows]

    async def due_cards(self, user_id: int, now: datetime, limit: int) -> list[CardRow]:
        rows = await self._all(
            "SELECT user_id, question_id, card, due, last_correct, reviews FROM cards WHERE "
            "user_id = ? AND due <= ? "
            "ORDER BY due LIMIT ?",
            (user_id, to_db(now), limit),
        )
        return [_card(r) for r in rows]

    async def count_due(self, user_id: int, now: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM cards WHERE user_id = ? AND due <= ?", (user_id, to_db(now))
        )
        return int(row[0])

    async def next_due(self, user_id: int) -> datetime | None:
        row = await self._one("SELECT MIN(due) FROM cards WHERE user_id = ?", (user_id,))
        return maybe_from_db(row[0])

    # reminders ---------------------------------------------------------------------------

    async def set_reminder(
        self, user_id: int, chat_id: int, minute_utc: int, offset_minutes: int
    ) -> None:
        await self._run(
            "INSERT INTO reminders (user_id, chat_id, minute_utc, offset_minutes) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            "minute_utc = excluded.minute_utc, offset_minutes = excluded.offset_minutes",
            (user_id, chat_id, minute_utc, offset_minutes),
        )

    async def delete_reminder(self, user_id: int) -> bool:
        return await self._run("DELETE FROM reminders WHERE user_id = ?", (user_id,)) == 1

    async def get_reminder(self, user_id: int) -> Reminder | None:
        row = await self._one(
            "SELECT user_id, chat_id, minute_utc, offset_minutes, last_sent_day "
            "FROM reminders WHERE user_id = ?",
            (user_id,),
        )
        return None if row is None else Reminder(*row)

    async def reminders(self) -> list[Reminder]:
        rows = await self._all(
            "SELECT user_id, chat_id, minute_utc, offset_minutes, last_sent_day FROM reminders "
            "ORDER BY user_id"
        )
        return [Reminder(*r) for r in rows]

    async def mark_reminder_sent(self, user_id: int, day: str) -> None:
        await self._run("UPDATE reminders SET last_sent_day = ? WHERE user_id = ?", (day, user_id))

    # disputes ----------------------------------------------------------------------------

    async def add_dispute(self, question_id: str, user_id: int, text: str, now: datetime) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO disputes (question_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
            (question_id, user_id, text, to_db(now)),
        )
        dispute_id = cursor.lastrowid
        await cursor.close()
        assert dispute_id is not None  # noqa: S101
        return dispute_id

    async def open_disputes(self, limit: int = 50) -> list[Dispute]:
        rows = await self._all(
            "SELECT d.id, d.question_id, d.user_id, u.name, d.text, d.created_at, d.resolved_at "
            "FROM disputes d LEFT JOIN users u ON u.id = d.user_id "
            "WHERE d.resolved_at IS NULL ORDER BY d.id LIMIT ?",
            (limit,),
        )
        return [Dispute(r[0], r[1], r[2], r[3], r[4], from_db(r[5]), None) for r in rows]

    async def resolve_dispute(self, dispute_id: int, by_user: int, now: datetime) -> bool:
        changed = await self._run(
            "UPDATE disputes SET resolved_at = ?, resolved_by = ? "
            "WHERE id = ? AND resolved_at IS NULL",
            (to_db(now), by_user, dispute_id),
        )
        return changed == 1

    # pending inputs ----------------------------------------------------------------------

    async def set_pending(self, user_id: int, kind: str, question_id: str, now: datetime) -> None:
        await self._run(
            "INSERT INTO pending_inputs (user_id, kind, question_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
            "question_id = excluded.question_id, created_at = excluded.created_at",
            (user_id, kind, question_id, to_db(now)),
        )

    async def take_pending(self, user_id: int) -> PendingInput | None:
        row = await self._one(
            "DELETE FROM pending_inputs WHERE user_id = ? "
            "RETURNING user_id, kind, question_id, created_at",
            (user_id,),
        )
        if row is None:
            return None
        return PendingInput(row[0], row[1], row[2], from_db(row[3]))

    # forgetting --------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> None:
        """Delete every row of the user; group rounds they started stay, without an owner."""
        for board, points in await self._all(
            "SELECT board, points FROM scores WHERE user_id = ?", (user_id,)
        ):
            await self._move_in_histogram(board, points, None)
        await self._run(
            "DELETE FROM rounds WHERE owner_id = ? AND chat_kind = 'private'", (user_id,)
        )
        for table in USER_TABLES[:-1]:
            # table names come from the constant tuple above, never from input
            await self._run(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608
        await self._run("UPDATE disputes SET user_id = NULL WHERE user_id = ?", (user_id,))
        await self._run("DELETE FROM users WHERE id = ?", (user_id,))

    async def count_user_rows(self, user_id: int) -> dict[str, int]:
        counts = {}
        for table in USER_TABLES:
            column = "id" if table == "users" else "user_id"
            row = await self._one(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",  # noqa: S608
                (user_id,),
            )
            counts[table] = int(row[0])
        row = await self._one("SELECT COUNT(*) FROM disputes WHERE user_id = ?", (user_id,))
        counts["disputes"] = int(row[0])
        row = await self._one("SELECT COUNT(*) FROM rounds WHERE owner_id = ?", (user_id,))
        counts["rounds"] = int(row[0])
        return counts

    async def recount_mismatches(self) -> list[str]:
        """Invariants: totals equal a recount of answers; no answer without its round."""
        problems = []
        rows = await self._all(
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
        row = await self._one(
            "SELECT COUNT(*) FROM answers a LEFT JOIN rounds r ON r.id = a.round_id "
            "WHERE r.id IS NULL"
        )
        if row[0]:
            problems.append(f"{row[0]} answers without a round")
        rows = await self._all(
            "SELECT b.board, b.points, b.users, COUNT(s.user_id) FROM board_points b "
            "LEFT JOIN scores s ON s.board = b.board AND s.points = b.points "
            "GROUP BY b.board, b.points HAVING b.users != COUNT(s.user_id)"
        )
        problems += [f"histogram {r[:3]} != {r[3]} users" for r in rows]
        return problems

    async def table_counts(self, tables: Iterable[str]) -> dict[str, int]:
        counts = {}
        for table in tables:
            row = await self._one(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            counts[table] = int(row[0])
        return counts
