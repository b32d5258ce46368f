"""The dashboard's sign-in rows: one-time login links and sessions (schema migration 4).

Functions of a :class:`~storage.queries.Queries`, for units of work and reads. Only hashes
are stored: a ``login_tokens`` row holds the SHA-256 of the link's token, a
``dashboard_sessions`` row the SHA-256 of the session cookie's value. Tokens and cookies are
made by the caller (``bot.dashboard.auth``) before the unit runs, so a unit that runs twice
stores the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import as_time
from storage.queries import Queries


@dataclass(frozen=True, slots=True)
class SessionRow:
    user_id: int
    csrf: str
    expires_at: datetime
    user_name: str | None = None  # None: the admin never played, so no users row


def add_login_token(q: Queries, token_hash: str, user_id: int, expires_at: datetime) -> None:
    q.sql.run(
        "INSERT INTO login_tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
        (token_hash, user_id, expires_at),
    )


def use_login_token(q: Queries, token_hash: str, now: datetime) -> int | None:
    """Mark the token used and return its user, if it exists, is unused and not expired.
    The check and the mark are one statement: of two concurrent uses, one wins."""
    row = q.sql.one(
        "UPDATE login_tokens SET used_at = ? "
        "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id",
        (now, token_hash, now),
    )
    return None if row is None else int(row["user_id"])


def add_session(
    q: Queries, session_hash: str, user_id: int, csrf: str, expires_at: datetime
) -> None:
    q.sql.run(
        "INSERT INTO dashboard_sessions (session_hash, user_id, csrf, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (session_hash, user_id, csrf, expires_at),
    )


def get_session(q: Queries, session_hash: str, now: datetime) -> SessionRow | None:
    """The session, unless it expired."""
    row = q.sql.one(
        "SELECT s.user_id, s.csrf, s.expires_at, u.name AS user_name "
        "FROM dashboard_sessions s LEFT JOIN users u ON u.id = s.user_id "
        "WHERE s.session_hash = ? AND s.expires_at > ?",
        (session_hash, now),
    )
    if row is None:
        return None
    return SessionRow(
        int(row["user_id"]), row["csrf"], as_time(row["expires_at"]), row["user_name"]
    )


def delete_session(q: Queries, session_hash: str) -> bool:
    changed = q.sql.run("DELETE FROM dashboard_sessions WHERE session_hash = ?", (session_hash,))
    return changed == 1


def forget_expired(q: Queries, now: datetime) -> int:
    """Drop expired login links and sessions; returns how many rows went."""
    gone = q.sql.run("DELETE FROM login_tokens WHERE expires_at <= ?", (now,))
    return gone + q.sql.run("DELETE FROM dashboard_sessions WHERE expires_at <= ?", (now,))
