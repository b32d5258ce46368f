"""Settings from the environment, read once at start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storage.url import DEFAULT_DATABASE_URL, path_from_url

BOTFATHER_HINT = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (/newbot), put its "
    "token in the environment (export TELEGRAM_BOT_TOKEN=...), or try the quiz without a token: "
    "python -m bot console"
)


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or None
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TELEGRAM_API_BASE_URL must be an http(s) URL like "
                f"http://127.0.0.1:8081/bot, not {base_url!r}"
            )
        database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        try:
            path_from_url(database_url)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if not isinstance(logging.getLevelName(log_level), int):
            raise ConfigError(
                f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}"
            )
        admins: set[int] = set()
        for part in env.get("ADMIN_USER_IDS", "").replace(",", " ").split():
            if not part.lstrip("-").isdigit():
                raise ConfigError(
                    f"ADMIN_USER_IDS must be numeric Telegram user ids, not {part!r}"
                )
            admins.add(int(part))
        bank = env.get("QUESTION_BANK", "").strip()
        return cls(
            token,
            base_url,
            database_url,
            log_level,
            frozenset(admins),
            Path(bank) if bank else None,
        )

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(BOTFATHER_HINT)
        return self.token
