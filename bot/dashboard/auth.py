"""Sign-in for the dashboard: one-time login links from the bot, signed session cookies, CSRF.

1. An admin sends ``/dashboard``; :meth:`SignIn.issue` makes a random token
   (``secrets.token_urlsafe``), stores its SHA-256 with the admin's id, valid
   :data:`LOGIN_TTL`, and the bot sends ``DASHBOARD_URL/login?token=…``.
2. Opening the link (:meth:`SignIn.redeem`): in one transaction the token is marked used
   (only if it exists, is unused and not expired) and a session is stored: the SHA-256 of
   the cookie's value, the user, a CSRF token and the expiry (:data:`SESSION_TTL`).
3. The cookie's value is ``<random id>.<HMAC-SHA256 of the id with DASHBOARD_SECRET>``: a
   forged or altered cookie is refused before the database is asked, and a new secret signs
   everyone out. :meth:`SignIn.session` checks the signature, then the stored session.

Everything random is drawn before a unit of work runs (a unit may run twice). Time comes
from the injected clock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import quote

from bot.engine.clock import Clock, system_clock
from storage import auth as rows
from storage.db import Store
from storage.queries import Queries

LOGIN_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 128  # longer query values are refused without hashing them


def digest(value: str) -> str:
    """The stored form of a token or cookie value: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def sign(secret: str, value: str) -> str:
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{value}.{mac}"


def verify(secret: str, signed: str) -> bool:
    """Whether ``signed`` is ``value.mac`` with the right MAC (constant-time compare)."""
    value, dot, _ = signed.rpartition(".")
    if not dot or not value or len(signed) > 2 * MAX_TOKEN_CHARS:
        return False
    return hmac.compare_digest(sign(secret, value), signed)


def same_token(expected: str, given: str | None) -> bool:
    """CSRF check: a constant-time comparison; a missing field never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def login_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/login?token={quote(token, safe='')}"


@dataclass(frozen=True, slots=True)
class Issued:
    token: str  # goes into the link, never stored
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Opened:
    """The outcome of opening a login link."""

    user_id: int | None  # None: unknown, used or expired link
    cookie: str | None = None  # set only when a session was created (the user is an admin)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf: str
    expires_at: datetime
    cookie_hash: str
    user_name: str | None = None


def _issue_unit(q: Queries, *, token_hash: str, user_id: int, now: datetime) -> None:
    rows.forget_expired(q, now)
    rows.add_login_token(q, token_hash, user_id, now + LOGIN_TTL)


def _redeem_unit(
    q: Queries,
    *,
    token_hash: str,
    cookie_hash: str,
    csrf: str,
    admins: Set[int],
    now: datetime,
) -> int | None:
    """Mark the token used and, for an admin, store the session: one transaction."""
    user_id = rows.use_login_token(q, token_hash, now)
    if user_id is not None and user_id in admins:
        rows.add_session(q, cookie_hash, user_id, csrf, now + SESSION_TTL)
    return user_id


class SignIn:
    """Login links and sessions over the store, with an injected clock."""

    def __init__(self, store: Store, secret: str | None = None, clock: Clock = system_clock):
        self.store = store
        self.secret = secret
        self.clock = clock

    def _secret(self) -> str:
        if not self.secret:
            raise RuntimeError("sessions need DASHBOARD_SECRET")
        return self.secret

    async def issue(self, user_id: int) -> Issued:
        """A new one-time login token for ``user_id`` (the bot checked they are an admin)."""
        now = self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self.store.write(
            partial(_issue_unit, token_hash=digest(token), user_id=user_id, now=now)
        )
        return Issued(token, now + LOGIN_TTL)

    async def redeem(self, token: str, admins: Set[int]) -> Opened:
        """Use a login token once. A session (and its cookie) is made only for an admin."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return Opened(None)
        now = self.clock()
        cookie = sign(self._secret(), secrets.token_urlsafe(TOKEN_BYTES))
        user_id = await self.store.write(
            partial(
                _redeem_unit,
                token_hash=digest(token),
                cookie_hash=digest(cookie),
                csrf=secrets.token_urlsafe(TOKEN_BYTES),
                admins=frozenset(admins),
                now=now,
            )
        )
        if user_id is None or user_id not in admins:
            return Opened(user_id)
        return Opened(user_id, cookie, now + SESSION_TTL)

    async def session(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or None (no cookie, bad signature, expired)."""
        if not cookie or not verify(self._secret(), cookie):
            return None
        now = self.clock()
        cookie_hash = digest(cookie)
        found = await self.store.read(lambda q: rows.get_session(q, cookie_hash, now))
        if found is None:
            return None
        return Session(found.user_id, found.csrf, found.expires_at, cookie_hash, found.user_name)

    async def end(self, session: Session) -> None:
        await self.store.write(lambda q: rows.delete_session(q, session.cookie_hash))
