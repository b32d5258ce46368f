"""Settings from the environment, read once at start-up into a frozen :class:`Settings`.

Every variable is listed in ``.env.example`` and the README. A malformed value stops the
bot with one clear line (:class:`ConfigError`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from storage.url import DEFAULT_DATABASE_URL, DatabaseUrlError, parse_database_url

BOTFATHER_HINT = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (/newbot), put its "
    "token in the environment (export TELEGRAM_BOT_TOKEN=...), or try the quiz without a token: "
    "python -m bot console"
)
_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,80}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
MIN_DASHBOARD_SECRET = 32


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one clear line."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None
    api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    admin_user_ids: frozenset[int] = field(default_factory=frozenset)
    question_bank: Path | None = None  # a bank folder or file instead of the packaged one
    webhook_url: str | None = None  # webhook mode when set; long polling otherwise
    webhook_secret: str | None = None
    port: int = 8080
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - the webhook must be reachable
    webhook_max_connections: int = 40
    shutdown_grace: float = 20.0
    concurrency: int = 64  # updates handled at once (different chats)
    worker_id: str | None = None  # a stable name for this worker in leases
    send_rate: int = 25  # messages a second for the whole fleet (Telegram allows about 30)
    dashboard_url: str | None = None
    dashboard_secret: str | None = None
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8081

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return env.get(name, "").strip()

        token = get("TELEGRAM_BOT_TOKEN") or None
        base_url = get("TELEGRAM_API_BASE_URL") or None
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TELEGRAM_API_BASE_URL must be an http(s) URL like "
                f"http://127.0.0.1:8081/bot, not {base_url!r}"
            )
        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            parse_database_url(database_url)
        except DatabaseUrlError as exc:
            raise ConfigError(str(exc)) from None
        log_level = get("LOG_LEVEL").upper() or "INFO"
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(
                f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}"
            )
        bank = get("QUESTION_BANK")
        if "QUESTION_BANK" in env and not bank:
            raise ConfigError("QUESTION_BANK is set but empty: unset it or name a bank folder")
        webhook_url = get("WEBHOOK_URL") or None
        webhook_secret = get("WEBHOOK_SECRET") or None
        if webhook_url is not None:
            _check_webhook(webhook_url, webhook_secret)
        dashboard_url = get("DASHBOARD_URL").rstrip("/") or None
        dashboard_secret = get("DASHBOARD_SECRET") or None
        if dashboard_url is not None and not dashboard_url.startswith(("http://", "https://")):
            raise ConfigError(f"DASHBOARD_URL must be an http(s) URL, not {dashboard_url!r}")
        return cls(
            token=token,
            api_base_url=base_url,
            database_url=database_url,
            log_level=log_level,
            admin_user_ids=_admins(get("ADMIN_USER_IDS")),
            question_bank=Path(bank) if bank else None,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            port=_int(env, "PORT", 8080, 1, 65535),
            webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",  # noqa: S104
            webhook_max_connections=_int(env, "WEBHOOK_MAX_CONNECTIONS", 40, 1, 100),
            shutdown_grace=float(_int(env, "SHUTDOWN_GRACE", 20, 1, 3600)),
            concurrency=_int(env, "CONCURRENCY", 64, 1, 1024),
            worker_id=_worker_id(get("WORKER_ID")),
            send_rate=_int(env, "SEND_RATE", 25, 1, 1000),
            dashboard_url=dashboard_url,
            dashboard_secret=dashboard_secret,
            dashboard_host=get("DASHBOARD_HOST") or "127.0.0.1",
            dashboard_port=_int(env, "DASHBOARD_PORT", 8081, 1, 65535),
        )

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(BOTFATHER_HINT)
        if not _TOKEN.fullmatch(self.token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC-…); copy it "
                "again from @BotFather"
            )
        return self.token

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/"

    def require_dashboard_secret(self) -> str:
        secret = self.dashboard_secret or ""
        if len(secret) < MIN_DASHBOARD_SECRET:
            raise ConfigError(
                f"DASHBOARD_SECRET must be set to at least {MIN_DASHBOARD_SECRET} random "
                "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return secret

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _worker_id(raw: str) -> str | None:
    if raw and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", raw):
        raise ConfigError(f"WORKER_ID must be 1–64 characters of A–Z a–z 0–9 _ . : -, not {raw!r}")
    return raw or None


def _admins(raw: str) -> frozenset[int]:
    admins: set[int] = set()
    for part in raw.replace(",", " ").split():
        if not re.fullmatch(r"\d{1,20}", part):
            raise ConfigError(
                f"ADMIN_USER_IDS must be numeric Telegram user ids separated by commas, "
                f"not {part!r}"
            )
        admins.add(int(part))
    return frozenset(admins)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _check_webhook(url: str, secret: str | None) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(
            f"WEBHOOK_URL must be the public https:// URL Telegram calls, not {url!r}"
        )
    if secret is None:
        raise ConfigError(
            "WEBHOOK_SECRET is required with WEBHOOK_URL: 1–256 characters of A–Z a–z 0–9 _ -"
        )
    if not _SECRET.fullmatch(secret):
        raise ConfigError("WEBHOOK_SECRET must be 1–256 characters of A–Z a–z 0–9 _ -")
