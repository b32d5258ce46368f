"""Every SQL statement of the bot, as methods of :class:`Queries` over one connection.

A unit of work (``Store.write``) or a read (``Store.read``) is a plain function of a
``Queries``; it runs in the connection's own thread, and every value is a bound parameter.

Rank histograms are aggregates of the scores: a unit records how it moved users between point
values, and the store applies the net change once per batch, in key order, just before the
commit (see :meth:`Queries.flush`). Two workers' batches on PostgreSQL therefore lock the
shared histogram rows in the same order and cannot deadlock on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.models import (
    ANSWER_COLUMNS,
    CARD_COLUMNS,
    ROUND_COLUMNS,
    RQ_COLUMNS,
    RQ_JOINED,
    USER_COLUMNS,
    USER_JOINED,
    Answer,
    BoardEntry,
    CardRow,
    ChatInfo,
    ChatKind,
    Dispute,
    EarlyVote,
    InboxItem,
    Job,
    PendingInput,
    PendingKind,
    QuestionStats,
    Reminder,
    Round,
    RoundMode,
    RoundQuestion,
    RoundState,
    User,
    as_time,
)
from storage.sql import Dialect, Sql, placeholders

# Tables holding a user's rows, for /forget and for tests that check nothing is left behind.
USER_TABLES = (
    "challenge_attempts",
    "challenges",
    "answers",
    "awards",
    "scores",
    "cards",
    "reminders",
    "pending_inputs",
    "users",
)


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """Everything an answer needs, read in one statement inside its unit of work."""

    round: Round | None
    question: RoundQuestion | None
    earlier_choice: int | None  # the user's stored answer to this question of the round
    user: User | None
    card_json: str | None  # the user's study card for the question, if any
    card_known: bool = False  # that card was answered right last time and is not due


@dataclass(frozen=True, slots=True)
class BoardMove:
    board: str
    points: int  # points after the answer
    answered: int  # answers counted on the board after this one


class Queries:
    """The statements, run synchronously on one connection in its own thread."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self._histogram: Counter[tuple[str, int]] = Counter()

    @property
    def dialect(self) -> Dialect:
        return self.sql.dialect

    # the batch's deferred aggregates ------------------------------------------------------

    def flush(self) -> None:
        """Apply the batch's net histogram moves, in key order (called before COMMIT)."""
        moves = sorted((key, delta) for key, delta in self._histogram.items() if delta)
        self._histogram.clear()
        for (board, points), delta in moves:
            if delta < 0:  # an upsert would check users >= 0 on the row it never inserts
                self.sql.run(
                    "UPDATE board_points SET users = users + ? WHERE board = ? AND points = ?",
                    (delta, board, points),
                )
            else:
                self.sql.run(
                    "INSERT INTO board_points (board, points, users) VALUES (?, ?, ?) "
                    "ON CONFLICT (board, points) DO UPDATE "
                    "SET users = board_points.users + excluded.users",
                    (board, points, delta),
                )

    def discard(self) -> None:
        """Forget the batch's deferred moves (the batch rolled back)."""
        self._histogram.clear()

    def _move(self, board: str, old: int | None, new: int | None) -> None:
        if old is not None:
            self._histogram[(board, old)] -= 1
        if new is not None:
            self._histogram[(board, new)] += 1

    # users --------------------------------------------------------------------------------

    def upsert_user(self, user_id: int, name: str, now: datetime) -> None:
        """Create the user or keep the stored display name current (someone who plays)."""
        self.sql.run(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "updated_at = excluded.updated_at, blocked = FALSE "
            "WHERE users.name <> excluded.name OR users.blocked",
            (user_id, name, now, now),
        )

    def get_user(self, user_id: int) -> User | None:
        row = self.sql.one(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return None if row is None else User.from_row(row)

    def set_blocked(self, user_id: int, blocked: bool) -> bool:
        """Record (or clear) a block; never creates a user. True if something changed."""
        changed = self.sql.run(
            "UPDATE users SET blocked = ? WHERE id = ? AND blocked <> ?",
            (blocked, user_id, blocked),
        )
        return changed == 1

    def is_blocked(self, user_id: int) -> bool:
        return bool(self.sql.value("SELECT blocked FROM users WHERE id = ?", (user_id,)))

    def set_user_tz(self, user_id: int, tz: str | None) -> None:
        self.sql.run("UPDATE users SET tz = ? WHERE id = ?", (tz, user_id))

    def set_daily_goal(self, user_id: int, goal: int) -> None:
        self.sql.run("UPDATE users SET daily_goal = ? WHERE id = ?", (goal, user_id))

    def mark_reminder_offered(self, user_id: int) -> bool:
        """True the first time only: the one-tap reminder offer is made once."""
        changed = self.sql.run(
            "UPDATE users SET reminder_offered = TRUE WHERE id = ? AND NOT reminder_offered",
            (user_id,),
        )
        return changed == 1

    def record_activity(
        self,
        user_id: int,
        *,
        streak_current: int,
        streak_best: int,
        active_day: str,
        goal_answers: int,
    ) -> None:
        """The streak and today's answer count after an answer (one statement)."""
        self.sql.run(
            "UPDATE users SET streak_current = ?, streak_best = ?, last_active_day = ?, "
            "goal_day = ?, goal_answers = ? WHERE id = ?",
            (streak_current, streak_best, active_day, active_day, goal_answers, user_id),
        )

    # rounds -------------------------------------------------------------------------------

    def create_round(
        self,
        *,
        chat_id: int,
        chat_kind: ChatKind,
        owner_id: int | None,
        questions: Sequence[tuple[str, Sequence[int]]],
        open_period: int | None,
        label: str,
        mode: RoundMode,
        now: datetime,
    ) -> int:
        round_id = int(
            self.sql.value(
                "INSERT INTO rounds (chat_id, chat_kind, owner_id, state, position, size, "
                "open_period, label, mode, created_at, updated_at) "
                "VALUES (?, ?, ?, 'active', 0, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    chat_id,
                    chat_kind.value,
                    owner_id,
                    len(questions),
                    open_period,
                    label,
                    mode.value,
                    now,
                    now,
                ),
            )
        )
        self.sql.many(
            "INSERT INTO round_questions (round_id, position, question_id, option_order) "
            "VALUES (?, ?, ?, ?)",
            [
                (round_id, position, qid, ",".join(str(i) for i in order))
                for position, (qid, order) in enumerate(questions)
            ],
        )
        return round_id

    def get_round(self, round_id: int) -> Round | None:
        row = self.sql.one(f"SELECT {ROUND_COLUMNS} FROM rounds r WHERE r.id = ?", (round_id,))
        return None if row is None else Round.from_row(row)

    def active_round(self, chat_id: int) -> Round | None:
        row = self.sql.one(
            f"SELECT {ROUND_COLUMNS} FROM rounds r WHERE r.chat_id = ? AND r.state = 'active'",
            (chat_id,),
        )
        return None if row is None else Round.from_row(row)

    def active_rounds(self, chat_kind: ChatKind) -> list[Round]:
        rows = self.sql.all(
            f"SELECT {ROUND_COLUMNS} FROM rounds r WHERE r.state = 'active' "
            "AND r.chat_kind = ? ORDER BY r.id",
            (chat_kind.value,),
        )
        return [Round.from_row(r) for r in rows]

    def count_active_rounds(self) -> int:
        return int(self.sql.value("SELECT COUNT(*) FROM rounds WHERE state = 'active'"))

    def set_round_position(self, round_id: int, position: int, now: datetime) -> None:
        self.sql.run(
            "UPDATE rounds SET position = ?, updated_at = ? WHERE id = ?",
            (position, now, round_id),
        )

    def end_round(self, round_id: int, state: RoundState, now: datetime) -> bool:
        """Mark an active round finished or stopped; False if it was not active."""
        changed = self.sql.run(
            "UPDATE rounds SET state = ?, updated_at = ? WHERE id = ? AND state = 'active'",
            (state.value, now, round_id),
        )
        return changed == 1

    def move_chat(
        self, old_chat_id: int, new_chat_id: int, renames: Sequence[tuple[str, str]]
    ) -> int:
        """A group became a supergroup (a new id): its rounds and answers follow it, and so do
        its boards (each board named ``old`` or starting ``old`` + ":" is renamed to ``new``),
        unless the new chat has boards already. Returns how many rounds moved."""
        if not any(
            self.sql.value(
                "SELECT COUNT(*) FROM scores WHERE board = ? OR board LIKE ?", (new, new + ":%")
            )
            for _, new in renames
        ):
            for old, new in renames:
                for table in ("scores", "awards", "board_points"):
                    self.sql.run(
                        f"UPDATE {table} SET board = ? || substr(board, ?) "
                        "WHERE board = ? OR board LIKE ?",
                        (new, len(old) + 1, old, old + ":%"),
                    )
        self.sql.run(
            "UPDATE answers SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        return self.sql.run(
            "UPDATE rounds SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )

    def round_question(self, round_id: int, position: int) -> RoundQuestion | None:
        row = self.sql.one(
            f"SELECT {RQ_COLUMNS} FROM round_questions rq "
            "WHERE rq.round_id = ? AND rq.position = ?",
            (round_id, position),
        )
        return None if row is None else RoundQuestion.from_row(row)

    def round_questions(self, round_id: int) -> list[RoundQuestion]:
        rows = self.sql.all(
            f"SELECT {RQ_COLUMNS} FROM round_questions rq WHERE rq.round_id = ? "
            "ORDER BY rq.position",
            (round_id,),
        )
        return [RoundQuestion.from_row(r) for r in rows]

    def round_question_by_poll(self, poll_id: str) -> RoundQuestion | None:
        row = self.sql.one(
            f"SELECT {RQ_COLUMNS} FROM round_questions rq WHERE rq.poll_id = ?", (poll_id,)
        )
        return None if row is None else RoundQuestion.from_row(row)

    def sends_under_way(self) -> list[tuple[Round, RoundQuestion]]:
        """Group questions whose poll send started but whose poll id was never stored."""
        rows = self.sql.all(
            f"SELECT {ROUND_COLUMNS}, {RQ_JOINED} FROM rounds r "
            "JOIN round_questions rq ON rq.round_id = r.id AND rq.position = r.position "
            "WHERE r.state = 'active' AND r.chat_kind = 'group' "
            "AND rq.send_started_at IS NOT NULL AND rq.poll_id IS NULL"
        )
        return [(Round.from_row(r), RoundQuestion.from_row(r, "q_")) for r in rows]

    def start_send(
        self, round_id: int, position: int, now: datetime, stale_before: datetime
    ) -> bool:
        """Claim a group question for sending its poll; False if a send is under way or done."""
        changed = self.sql.run(
            "UPDATE round_questions SET send_started_at = ? WHERE round_id = ? AND position = ? "
            "AND poll_id IS NULL AND NOT closed "
            "AND (send_started_at IS NULL OR send_started_at < ?)",
            (now, round_id, position, stale_before),
        )
        return changed == 1

    def clear_send(self, round_id: int, position: int) -> None:
        self.sql.run(
            "UPDATE round_questions SET send_started_at = NULL "
            "WHERE round_id = ? AND position = ? AND poll_id IS NULL",
            (round_id, position),
        )

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
        self.sql.run(
            "UPDATE round_questions SET asked_at = ?, message_id = ?, poll_id = ?, closes_at = ? "
            "WHERE round_id = ? AND position = ?",
            (now, message_id, poll_id, closes_at, round_id, position),
        )

    def mark_shown(self, round_id: int, position: int, message_id: int, now: datetime) -> None:
        """The question was sent (again): keep its message; the first showing times it."""
        self.sql.run(
            "UPDATE round_questions SET message_id = ?, asked_at = COALESCE(asked_at, ?) "
            "WHERE round_id = ? AND position = ?",
            (message_id, now, round_id, position),
        )

    def claim_question(self, round_id: int, position: int, now: datetime) -> bool:
        """Mark a question as being shown unless it was shown already (one send per tap)."""
        changed = self.sql.run(
            "UPDATE round_questions SET asked_at = ? "
            "WHERE round_id = ? AND position = ? AND asked_at IS NULL",
            (now, round_id, position),
        )
        return changed == 1

    def close_round_question(self, round_id: int, position: int) -> bool:
        """Close a question for answers; False if it was closed already."""
        changed = self.sql.run(
            "UPDATE round_questions SET closed = TRUE WHERE round_id = ? AND position = ? "
            "AND NOT closed",
            (round_id, position),
        )
        return changed == 1

    def seen_question_ids(self, user_id: int) -> set[str]:
        rows = self.sql.all(
            "SELECT DISTINCT question_id FROM answers WHERE user_id = ?", (user_id,)
        )
        return {r["question_id"] for r in rows}

    # answers ------------------------------------------------------------------------------

    def answer_context(
        self, round_id: int, position: int, user_id: int, now: datetime | None = None
    ) -> AnswerContext:
        """The round, its question at ``position``, the user's earlier choice, the user and
        their card for the question: one read."""
        row = self.sql.one(
            f"SELECT {ROUND_COLUMNS}, {RQ_JOINED}, a.chosen AS earlier, {USER_JOINED}, "
            "c.card AS card_json, c.last_correct AS card_last_correct, c.due AS card_due "
            "FROM rounds r "
            "LEFT JOIN round_questions rq ON rq.round_id = r.id AND rq.position = ? "
            "LEFT JOIN answers a ON a.round_id = r.id AND a.question_id = rq.question_id "
            "AND a.user_id = ? "
            "LEFT JOIN users u ON u.id = ? "
            "LEFT JOIN cards c ON c.user_id = u.id AND c.question_id = rq.question_id "
            "WHERE r.id = ?",
            (position, user_id, user_id, round_id),
        )
        return self._context(row, now)

    def poll_context(
        self, poll_id: str, user_id: int, now: datetime | None = None
    ) -> AnswerContext:
        """The same for a group poll, found by its Telegram poll id."""
        row = self.sql.one(
            f"SELECT {ROUND_COLUMNS}, {RQ_JOINED}, a.chosen AS earlier, {USER_JOINED}, "
            "c.card AS card_json, c.last_correct AS card_last_correct, c.due AS card_due "
            "FROM round_questions rq "
            "JOIN rounds r ON r.id = rq.round_id "
            "LEFT JOIN answers a ON a.round_id = r.id AND a.question_id = rq.question_id "
            "AND a.user_id = ? "
            "LEFT JOIN users u ON u.id = ? "
            "LEFT JOIN cards c ON c.user_id = u.id AND c.question_id = rq.question_id "
            "WHERE rq.poll_id = ?",
            (user_id, user_id, poll_id),
        )
        return self._context(row, now)

    @staticmethod
    def _context(row: Any, now: datetime | None = None) -> AnswerContext:
        if row is None:
            return AnswerContext(None, None, None, None, None)
        round_ = Round.from_row(row)
        question = None if row["q_question_id"] is None else RoundQuestion.from_row(row, "q_")
        user = None if row["u_id"] is None else User.from_row(row, "u_")
        known = False
        if row["card_json"] is not None and now is not None:
            known = bool(row["card_last_correct"]) and as_time(row["card_due"]) > now
        return AnswerContext(round_, question, row["earlier"], user, row["card_json"], known)

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
    ) -> int | None:
        """Store an answer and return its id; None if the user already answered this
        question of the round."""
        value = self.sql.value(
            "INSERT INTO answers (round_id, position, question_id, user_id, chat_id, chosen, "
            "correct, elapsed_ms, answered_at, week) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (round_id, question_id, user_id) DO NOTHING RETURNING id",
            (
                round_id,
                position,
                question_id,
                user_id,
                chat_id,
                chosen,
                correct,
                elapsed_ms,
                answered_at,
                week,
            ),
        )
        return None if value is None else int(value)

    def round_answers(self, round_id: int, position: int | None = None) -> list[Answer]:
        if position is None:
            rows = self.sql.all(
                f"SELECT {ANSWER_COLUMNS} FROM answers a WHERE a.round_id = ? ORDER BY a.id",
                (round_id,),
            )
        else:
            rows = self.sql.all(
                f"SELECT {ANSWER_COLUMNS} FROM answers a WHERE a.round_id = ? "
                "AND a.position = ? ORDER BY a.elapsed_ms, a.id",
                (round_id, position),
            )
        return [Answer.from_row(r) for r in rows]

    def round_score(self, round_id: int, user_id: int) -> tuple[int, int]:
        """(right, answered) of one player in a round so far."""
        row = self.sql.one(
            "SELECT COUNT(*) AS answered, COALESCE(SUM(CASE WHEN correct THEN 1 ELSE 0 END), 0) "
            "AS right_ FROM answers WHERE round_id = ? AND user_id = ?",
            (round_id, user_id),
        )
        return int(row["right_"]), int(row["answered"])

    def round_points(self, round_id: int, user_id: int, board: str) -> int:
        """Board points a player's answers in this round earned."""
        value = self.sql.value(
            "SELECT COUNT(*) FROM awards w JOIN answers a ON a.id = w.answer_id "
            "WHERE a.round_id = ? AND a.user_id = ? AND w.board = ?",
            (round_id, user_id, board),
        )
        return int(value)

    def answer_earned(self, round_id: int, question_id: str, user_id: int, board: str) -> bool:
        """Whether this answer of the round earned its question's point on ``board``."""
        value = self.sql.value(
            "SELECT COUNT(*) FROM awards w JOIN answers a ON a.id = w.answer_id "
            "WHERE a.round_id = ? AND a.question_id = ? AND a.user_id = ? AND w.board = ?",
            (round_id, question_id, user_id, board),
        )
        return bool(value)

    def count_answers(self, round_id: int, position: int) -> int:
        value = self.sql.value(
            "SELECT COUNT(*) FROM answers WHERE round_id = ? AND position = ?",
            (round_id, position),
        )
        return int(value)

    def set_voters(self, round_id: int, position: int, voters: int) -> None:
        self.sql.run(
            "UPDATE round_questions SET voters = ? WHERE round_id = ? AND position = ?",
            (voters, round_id, position),
        )

    def round_players(self, round_id: int) -> dict[int, str]:
        """Everyone who answered in the round, with their current display names."""
        rows = self.sql.all(
            "SELECT DISTINCT a.user_id, u.name FROM answers a JOIN users u ON u.id = a.user_id "
            "WHERE a.round_id = ?",
            (round_id,),
        )
        return {r["user_id"]: r["name"] for r in rows}

    def question_stats(self, user_id: int) -> list[QuestionStats]:
        rows = self.sql.all(
            "SELECT question_id, COUNT(*) AS answered, "
            "SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct "
            "FROM answers WHERE user_id = ? GROUP BY question_id",
            (user_id,),
        )
        return [
            QuestionStats(r["question_id"], int(r["answered"]), int(r["correct"])) for r in rows
        ]

    def all_answers(self) -> list[tuple[Answer, ChatKind]]:
        """Every answer with its round's chat kind (consistency checks, exports)."""
        rows = self.sql.all(
            f"SELECT {ANSWER_COLUMNS}, r.chat_kind FROM answers a "
            "JOIN rounds r ON r.id = a.round_id ORDER BY a.id"
        )
        return [(Answer.from_row(r), ChatKind(r["chat_kind"])) for r in rows]

    # scoreboards --------------------------------------------------------------------------

    def claim_awards(
        self, user_id: int, question_id: str, answer_id: int, boards: Sequence[str]
    ) -> set[str]:
        """Record that the answer earned the question on these boards; return the boards
        where it is the first (an award is kept once per board, user and question)."""
        if not boards:
            return set()
        rows = self.sql.all(
            "INSERT INTO awards (board, user_id, question_id, answer_id) "
            f"VALUES {placeholders(len(boards), 4)} "
            "ON CONFLICT (board, user_id, question_id) DO NOTHING RETURNING board",
            [value for board in boards for value in (board, user_id, question_id, answer_id)],
        )
        return {r["board"] for r in rows}

    def add_to_boards(
        self, user_id: int, entries: Sequence[tuple[str, int, int]]
    ) -> list[BoardMove]:
        """Count one answer on each board: (board, points to add, answer time to add)."""
        if not entries:
            return []
        rows = self.sql.all(
            "INSERT INTO scores (board, user_id, points, answered, time_ms) "
            f"VALUES {placeholders(len(entries), 5)} "
            "ON CONFLICT (board, user_id) DO UPDATE SET "
            "points = scores.points + excluded.points, "
            "answered = scores.answered + 1, time_ms = scores.time_ms + excluded.time_ms "
            "RETURNING board, points, answered",
            [v for board, pts, ms in entries for v in (board, user_id, pts, 1, ms)],
        )
        added = {board: pts for board, pts, _ in entries}
        moves = []
        for r in rows:
            board, points, answered = r["board"], int(r["points"]), int(r["answered"])
            if answered == 1:  # first answer on this board: the user joins the histogram
                self._move(board, None, points)
            elif added[board]:
                self._move(board, points - added[board], points)
            moves.append(BoardMove(board, points, answered))
        return moves

    def top(self, board: str, limit: int = 10) -> list[BoardEntry]:
        """The board's best, most points first, the faster total answer time first among
        equal points. Ranks: 1 + the number of users with more points."""
        rows = self.sql.all(
            "SELECT s.user_id, u.name, s.points, s.answered, s.time_ms FROM scores s "
            "JOIN users u ON u.id = s.user_id WHERE s.board = ? "
            "ORDER BY s.points DESC, s.time_ms, s.user_id LIMIT ?",
            (board, limit),
        )
        entries: list[BoardEntry] = []
        for index, r in enumerate(rows):
            tied = entries and entries[-1].points == r["points"]
            rank = entries[-1].rank if tied else index + 1
            entries.append(
                BoardEntry(
                    rank, r["user_id"], r["name"], r["points"], r["answered"], int(r["time_ms"])
                )
            )
        return entries

    def board_entry(self, board: str, user_id: int) -> BoardEntry | None:
        """The user's place on a board; equal points share a rank (O(distinct scores))."""
        row = self.sql.one(
            "SELECT s.points, s.answered, s.time_ms, u.name, "
            "1 + COALESCE((SELECT SUM(b.users) FROM board_points b "
            "WHERE b.board = s.board AND b.points > s.points), 0) AS place "
            "FROM scores s JOIN users u ON u.id = s.user_id WHERE s.board = ? AND s.user_id = ?",
            (board, user_id),
        )
        if row is None:
            return None
        return BoardEntry(
            int(row["place"]),
            user_id,
            row["name"],
            row["points"],
            row["answered"],
            int(row["time_ms"]),
        )

    def board_view(
        self, board: str, user_id: int, limit: int = 10
    ) -> tuple[list[BoardEntry], BoardEntry | None, int]:
        """What ``/top`` shows, in one statement (one round trip to PostgreSQL): the board's
        best (as :meth:`top` lists them), the user's own place (as :meth:`board_entry`)
        and how many players the board has."""
        rows = self.sql.all(
            "WITH best AS (SELECT s.user_id, u.name, s.points, s.answered, s.time_ms "
            "FROM scores s JOIN users u ON u.id = s.user_id WHERE s.board = ? "
            "ORDER BY s.points DESC, s.time_ms, s.user_id LIMIT ?) "
            "SELECT 0 AS part, user_id, name, points, answered, time_ms, 0 AS place FROM best "
            "UNION ALL "
            "SELECT 1, s.user_id, u.name, s.points, s.answered, s.time_ms, "
            "1 + COALESCE((SELECT SUM(b.users) FROM board_points b "
            "WHERE b.board = s.board AND b.points > s.points), 0) "
            "FROM scores s JOIN users u ON u.id = s.user_id WHERE s.board = ? AND s.user_id = ? "
            "UNION ALL "
            "SELECT 2, 0, '', COALESCE(SUM(users), 0), 0, 0, 0 FROM board_points WHERE board = ?",
            (board, limit, board, user_id, board),
        )
        best: list[BoardEntry] = []
        me: BoardEntry | None = None
        size = 0
        for r in rows:
            if r["part"] == 2:
                size = int(r["points"])
                continue
            entry = BoardEntry(
                int(r["place"]),
                r["user_id"],
                r["name"],
                int(r["points"]),
                int(r["answered"]),
                int(r["time_ms"]),
            )
            if r["part"] == 1:
                me = entry
            else:
                best.append(entry)
        best.sort(key=lambda e: (-e.points, e.time_ms, e.user_id))
        return best, me, size

    def board_size(self, board: str) -> int:
        value = self.sql.value(
            "SELECT COALESCE(SUM(users), 0) FROM board_points WHERE board = ?", (board,)
        )
        return int(value)

    def all_scores(self) -> list[tuple[str, int, int, int, int]]:
        """Every (board, user, points, answered, time_ms): consistency checks."""
        rows = self.sql.all(
            "SELECT board, user_id, points, answered, time_ms FROM scores ORDER BY board, user_id"
        )
        return [
            (r["board"], r["user_id"], r["points"], r["answered"], int(r["time_ms"])) for r in rows
        ]

    def all_awards(self) -> list[tuple[str, int, str, int]]:
        rows = self.sql.all("SELECT board, user_id, question_id, answer_id FROM awards")
        return [(r["board"], r["user_id"], r["question_id"], r["answer_id"]) for r in rows]

    def histogram(self) -> dict[tuple[str, int], int]:
        rows = self.sql.all("SELECT board, points, users FROM board_points WHERE users <> 0")
        return {(r["board"], r["points"]): r["users"] for r in rows}

    # study cards --------------------------------------------------------------------------

    def save_card(
        self, user_id: int, question_id: str, card_json: str, due: datetime, correct: bool
    ) -> None:
        self.sql.run(
            "INSERT INTO cards (user_id, question_id, card, due, last_correct, reviews) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (user_id, question_id) DO UPDATE SET "
            "card = excluded.card, due = excluded.due, last_correct = excluded.last_correct, "
            "reviews = cards.reviews + 1",
            (user_id, question_id, card_json, due, correct),
        )

    def user_cards(self, user_id: int) -> list[CardRow]:
        rows = self.sql.all(f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id = ?", (user_id,))
        return [CardRow.from_row(r) for r in rows]

    def cards_for(self, user_id: int, question_ids: Sequence[str]) -> list[CardRow]:
        if not question_ids:
            return []
        rows = self.sql.all(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id = ? "
            f"AND question_id IN ({placeholders(len(question_ids))})",
            (user_id, *question_ids),
        )
        return [CardRow.from_row(r) for r in rows]

    def due_cards(self, user_id: int, now: datetime, limit: int) -> list[CardRow]:
        rows = self.sql.all(
            f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id = ? AND due <= ? "
            "ORDER BY due LIMIT ?",
            (user_id, now, limit),
        )
        return [CardRow.from_row(r) for r in rows]

    def next_due(self, user_id: int) -> datetime | None:
        value = self.sql.value("SELECT MIN(due) FROM cards WHERE user_id = ?", (user_id,))
        return None if value is None else as_time(value)

    def count_due(self, user_id: int, now: datetime) -> int:
        value = self.sql.value(
            "SELECT COUNT(*) FROM cards WHERE user_id = ? AND due <= ?", (user_id, now)
        )
        return int(value)

    # reminders ----------------------------------------------------------------------------

    def set_reminder(self, user_id: int, chat_id: int, local_minute: int, tz: str) -> None:
        self.sql.run(
            "INSERT INTO reminders (user_id, chat_id, local_minute, tz) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            "local_minute = excluded.local_minute, tz = excluded.tz",
            (user_id, chat_id, local_minute, tz),
        )

    def delete_reminder(self, user_id: int) -> bool:
        return self.sql.run("DELETE FROM reminders WHERE user_id = ?", (user_id,)) == 1

    def get_reminder(self, user_id: int) -> Reminder | None:
        row = self.sql.one(
            "SELECT user_id, chat_id, local_minute, tz, last_sent_day FROM reminders "
            "WHERE user_id = ?",
            (user_id,),
        )
        return None if row is None else Reminder.from_row(row)

    def reminders(self) -> list[Reminder]:
        rows = self.sql.all(
            "SELECT user_id, chat_id, local_minute, tz, last_sent_day FROM reminders "
            "ORDER BY user_id"
        )
        return [Reminder.from_row(r) for r in rows]

    def mark_reminder_sent(self, user_id: int, day: str) -> None:
        self.sql.run("UPDATE reminders SET last_sent_day = ? WHERE user_id = ?", (day, user_id))

    # disputes -----------------------------------------------------------------------------

    def add_to_open_dispute(
        self, question_id: str, user_id: int, text: str, max_chars: int
    ) -> int | None:
        """Append ``text`` to the user's open dispute of the question, if there is one (the
        keepers get one entry per person and question, however often ⚑ is pressed)."""
        row = self.sql.one(
            "SELECT id, text FROM disputes WHERE question_id = ? AND user_id = ? "
            "AND resolved_at IS NULL ORDER BY id LIMIT 1",
            (question_id, user_id),
        )
        if row is None:
            return None
        if text not in row["text"]:
            joined = f"{row['text']}\n{text}"[:max_chars]
            self.sql.run("UPDATE disputes SET text = ? WHERE id = ?", (joined, row["id"]))
        return int(row["id"])

    def add_dispute(self, question_id: str, user_id: int, text: str, now: datetime) -> int:
        value = self.sql.value(
            "INSERT INTO disputes (question_id, user_id, text, created_at) VALUES (?, ?, ?, ?) "
            "RETURNING id",
            (question_id, user_id, text, now),
        )
        return int(value)

    def open_disputes(self, limit: int = 50, offset: int = 0) -> list[Dispute]:
        rows = self.sql.all(
            "SELECT d.id, d.question_id, d.user_id, u.name AS user_name, d.text, d.created_at, "
            "d.resolved_at, d.reply FROM disputes d LEFT JOIN users u ON u.id = d.user_id "
            "WHERE d.resolved_at IS NULL ORDER BY d.id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [Dispute.from_row(r) for r in rows]

    def count_open_disputes(self) -> int:
        return int(self.sql.value("SELECT COUNT(*) FROM disputes WHERE resolved_at IS NULL"))

    def resolve_dispute(
        self, dispute_id: int, by_user: int, now: datetime, reply: str | None = None
    ) -> bool:
        changed = self.sql.run(
            "UPDATE disputes SET resolved_at = ?, resolved_by = ?, reply = ? "
            "WHERE id = ? AND resolved_at IS NULL",
            (now, by_user, reply, dispute_id),
        )
        return changed == 1

    # pending inputs -----------------------------------------------------------------------

    def set_pending(
        self, user_id: int, kind: PendingKind, question_id: str, now: datetime
    ) -> None:
        self.sql.run(
            "INSERT INTO pending_inputs (user_id, kind, question_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
            "question_id = excluded.question_id, created_at = excluded.created_at",
            (user_id, kind.value, question_id, now),
        )

    def take_pending(self, user_id: int) -> PendingInput | None:
        row = self.sql.one(
            "DELETE FROM pending_inputs WHERE user_id = ? "
            "RETURNING user_id, kind, question_id, created_at",
            (user_id,),
        )
        if row is None:
            return None
        return PendingInput(
            row["user_id"],
            PendingKind(row["kind"]),
            row["question_id"],
            as_time(row["created_at"]),
        )

    # the update inbox ---------------------------------------------------------------------

    def inbox_add(self, items: Sequence[tuple[int | None, int, str, str]], now: datetime) -> int:
        """Store (update_id, key, kind, payload) items; a repeated update id is ignored.
        Returns how many were new."""
        added = 0
        for update_id, key, kind, payload in items:
            added += self.sql.run(
                "INSERT INTO inbox (update_id, key, kind, payload, received_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING",
                (update_id, key, kind, payload, now),
            )
        return added

    def inbox_keys_with_work(self, owner: str, now: datetime, limit: int) -> list[int]:
        """Keys with pending items that nobody holds (or ``owner`` holds), oldest first."""
        rows = self.sql.all(
            "SELECT i.key, MIN(i.id) AS first FROM inbox i "
            "LEFT JOIN inbox_leases l ON l.key = i.key "
            "WHERE i.done_at IS NULL AND (l.key IS NULL OR l.until <= ? OR l.owner = ?) "
            "GROUP BY i.key ORDER BY first LIMIT ?",
            (now, owner, limit),
        )
        return [r["key"] for r in rows]

    def inbox_count_restart(self, now: datetime) -> int:
        """One more attempt for every pending item nobody holds (a worker started)."""
        return self.sql.run(
            "UPDATE inbox SET attempts = attempts + 1 WHERE done_at IS NULL AND key NOT IN "
            "(SELECT key FROM inbox_leases WHERE until > ?)",
            (now,),
        )

    def lease_key(self, key: int, owner: str, until: datetime, now: datetime) -> bool:
        """Take a key's lease unless another worker holds it (atomic in both backends)."""
        row = self.sql.one(
            "INSERT INTO inbox_leases (key, owner, until) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, until = excluded.until "
            "WHERE inbox_leases.until <= ? OR inbox_leases.owner = excluded.owner "
            "RETURNING key",
            (key, owner, until, now),
        )
        return row is not None

    def renew_leases(self, owner: str, until: datetime) -> int:
        return self.sql.run("UPDATE inbox_leases SET until = ? WHERE owner = ?", (until, owner))

    def release_key(self, key: int, owner: str, after_id: int) -> bool:
        """Give a key back, unless items newer than ``after_id`` arrived meanwhile."""
        released = self.sql.run(
            "DELETE FROM inbox_leases WHERE key = ? AND owner = ? AND NOT EXISTS "
            "(SELECT 1 FROM inbox WHERE key = ? AND done_at IS NULL AND id > ?)",
            (key, owner, key, after_id),
        )
        return released == 1

    def clear_leases(self) -> int:
        """Drop every lease (an SQLite database has one worker: what a killed process held is
        free at once when it starts again)."""
        return self.sql.run("DELETE FROM inbox_leases") + self.sql.run("DELETE FROM leases")

    def release_all_keys(self, owner: str) -> int:
        return self.sql.run("DELETE FROM inbox_leases WHERE owner = ?", (owner,))

    def inbox_items(self, key: int, after_id: int, limit: int) -> list[InboxItem]:
        rows = self.sql.all(
            "SELECT id, update_id, key, kind, payload, attempts FROM inbox "
            "WHERE key = ? AND done_at IS NULL AND id > ? ORDER BY id LIMIT ?",
            (key, after_id, limit),
        )
        return [InboxItem.from_row(r) for r in rows]

    def inbox_attempt(self, ids: Sequence[int]) -> None:
        self.sql.many("UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids])

    def inbox_done(self, ids: Sequence[int], now: datetime) -> None:
        self.sql.many(
            "UPDATE inbox SET done_at = ? WHERE id = ? AND done_at IS NULL",
            [(now, i) for i in ids],
        )

    def inbox_pending_count(self) -> int:
        return int(self.sql.value("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"))

    def inbox_forget_done(self, before: datetime) -> int:
        """Drop handled items older than ``before`` (update ids are kept 24 h for retries)."""
        return self.sql.run(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (before,)
        )

    # timed jobs ---------------------------------------------------------------------------

    def schedule_job(self, name: str, kind: str, key: int, run_at: datetime, payload: str) -> None:
        self.sql.run(
            "INSERT INTO jobs (name, kind, key, run_at, payload) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, key = excluded.key, "
            "run_at = excluded.run_at, payload = excluded.payload",
            (name, kind, key, run_at, payload),
        )

    def cancel_job(self, name: str) -> bool:
        return self.sql.run("DELETE FROM jobs WHERE name = ?", (name,)) == 1

    def get_job(self, name: str) -> Job | None:
        row = self.sql.one(
            "SELECT name, kind, key, run_at, payload FROM jobs WHERE name = ?", (name,)
        )
        return None if row is None else Job.from_row(row)

    def jobs(self, kind: str | None = None) -> list[Job]:
        if kind is None:
            rows = self.sql.all("SELECT name, kind, key, run_at, payload FROM jobs ORDER BY name")
        else:
            rows = self.sql.all(
                "SELECT name, kind, key, run_at, payload FROM jobs WHERE kind = ? ORDER BY name",
                (kind,),
            )
        return [Job.from_row(r) for r in rows]

    def jobs_for_round(self, round_id: int) -> list[str]:
        """Names of a round's poll timers (``poll-close:<round>:<position>``, ...)."""
        rows = self.sql.all(
            "SELECT name FROM jobs WHERE name LIKE ? OR name LIKE ?",
            (f"poll-close:{round_id}:%", f"poll-send:{round_id}:%"),
        )
        return [r["name"] for r in rows]

    def take_due_jobs(self, now: datetime, limit: int) -> list[Job]:
        """Remove and return due jobs. On PostgreSQL, rows another worker is taking are
        skipped (``FOR UPDATE SKIP LOCKED``); SQLite has one writer at a time."""
        lock = " FOR UPDATE SKIP LOCKED" if self.dialect is Dialect.POSTGRES else ""
        rows = self.sql.all(
            "DELETE FROM jobs WHERE name IN (SELECT name FROM jobs WHERE run_at <= ? "
            f"ORDER BY run_at LIMIT ?{lock}) "
            "RETURNING name, kind, key, run_at, payload",
            (now, limit),
        )
        return sorted((Job.from_row(r) for r in rows), key=lambda job: (job.run_at, job.name))

    def next_job_at(self) -> datetime | None:
        value = self.sql.value("SELECT MIN(run_at) FROM jobs")
        return None if value is None else as_time(value)

    # named leases -------------------------------------------------------------------------

    def take_lease(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        row = self.sql.one(
            "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until "
            "WHERE leases.until <= ? OR leases.owner = excluded.owner RETURNING name",
            (name, owner, until, now),
        )
        return row is not None

    def release_lease(self, name: str, owner: str) -> bool:
        return self.sql.run("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner)) == 1

    def count_leases(self, prefix: str, now: datetime) -> int:
        value = self.sql.value(
            "SELECT COUNT(*) FROM leases WHERE name LIKE ? AND until > ?", (prefix + "%", now)
        )
        return int(value)

    # chats --------------------------------------------------------------------------------

    def get_chat(self, chat_id: int) -> ChatInfo | None:
        row = self.sql.one(
            "SELECT id, kind, member_count, counted_at, left_at FROM chats WHERE id = ?",
            (chat_id,),
        )
        return None if row is None else ChatInfo.from_row(row)

    def set_member_count(self, chat_id: int, kind: str, count: int, now: datetime) -> None:
        self.sql.run(
            "INSERT INTO chats (id, kind, member_count, counted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
            "member_count = excluded.member_count, counted_at = excluded.counted_at",
            (chat_id, kind, count, now),
        )

    def set_chat_left(self, chat_id: int, kind: str, left_at: datetime | None) -> None:
        self.sql.run(
            "INSERT INTO chats (id, kind, left_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET left_at = excluded.left_at",
            (chat_id, kind, left_at),
        )

    # early poll votes ---------------------------------------------------------------------

    def add_early_vote(
        self, poll_id: str, user_id: int, name: str, option: int, now: datetime
    ) -> None:
        self.sql.run(
            "INSERT INTO early_votes (poll_id, user_id, name, option, received_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (poll_id, user_id) DO NOTHING",
            (poll_id, user_id, name, option, now),
        )

    def take_early_votes(self, poll_id: str) -> list[EarlyVote]:
        rows = self.sql.all(
            "DELETE FROM early_votes WHERE poll_id = ? "
            "RETURNING poll_id, user_id, name, option, received_at",
            (poll_id,),
        )
        votes = [
            EarlyVote(
                r["poll_id"], r["user_id"], r["name"], r["option"], as_time(r["received_at"])
            )
            for r in rows
        ]
        return sorted(votes, key=lambda v: (v.received_at, v.user_id))

    def forget_early_votes(self, before: datetime) -> int:
        return self.sql.run("DELETE FROM early_votes WHERE received_at < ?", (before,))

    # forgetting ---------------------------------------------------------------------------

    def forget_user(self, user_id: int) -> bool:
        """Delete every row of the user (their points leave every board); group rounds they
        started stay, without an owner. False if nothing was stored about them."""
        for r in self.sql.all("SELECT board, points FROM scores WHERE user_id = ?", (user_id,)):
            self._move(r["board"], r["points"], None)
        self.sql.run("DELETE FROM rounds WHERE owner_id = ? AND chat_kind = 'private'", (user_id,))
        for table in USER_TABLES[:-1]:
            # table names come from the constant tuple above, never from input
            column = "owner_id" if table == "challenges" else "user_id"
            self.sql.run(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
        self.sql.run("UPDATE disputes SET user_id = NULL WHERE user_id = ?", (user_id,))
        for table in ("early_votes", "login_tokens", "dashboard_sessions"):
            self.sql.run(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        self.sql.run("DELETE FROM jobs WHERE name = ?", (f"reminder:{user_id}",))
        return self.sql.run("DELETE FROM users WHERE id = ?", (user_id,)) == 1

    def count_user_rows(self, user_id: int) -> dict[str, int]:
        counts = {}
        for table in USER_TABLES:
            column = {"users": "id", "challenges": "owner_id"}.get(table, "user_id")
            counts[table] = int(
                self.sql.value(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",
                    (user_id,),
                )
            )
        counts["disputes"] = int(
            self.sql.value("SELECT COUNT(*) FROM disputes WHERE user_id = ?", (user_id,))
        )
        counts["rounds"] = int(
            self.sql.value("SELECT COUNT(*) FROM rounds WHERE owner_id = ?", (user_id,))
        )
        return counts

    # moving house -------------------------------------------------------------------------

    def table_rows(self, table: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """Every row of a table (``python -m storage copy``); names come from the schema."""
        names = ", ".join(columns)
        rows = self.sql.all(f"SELECT {names} FROM {table} ORDER BY 1")
        return [tuple(r[c] for c in columns) for r in rows]

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        names = ", ".join(columns)
        self.sql.many(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders(len(columns))})",
            rows,
        )

    def count_rows(self, table: str) -> int:
        return int(self.sql.value(f"SELECT COUNT(*) FROM {table}"))
