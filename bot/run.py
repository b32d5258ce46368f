"""Start-up for both modes: configuration, bank validation (before any database access), run."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.config import ConfigError, Settings
from bot.logs import setup_logging
from questions.loader import BankError, bank_files, load_bank, load_default_bank
from questions.model import Bank
from storage.db import StorageError, preflight

log = logging.getLogger("bot")


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _load_bank(settings: Settings) -> Bank | None:
    """Load and check the bank before anything touches the database."""
    try:
        if settings.question_bank is not None:
            return load_bank(bank_files(settings.question_bank))
        return load_default_bank()
    except BankError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("the question bank is invalid; fix the problems above", file=sys.stderr)
        return None


def run_bot() -> int:
    try:
        settings = Settings.from_env()
        token = settings.require_token()
    except ConfigError as exc:
        return _fail(str(exc))
    setup_logging(settings.log_level, token)
    bank = _load_bank(settings)
    if bank is None:
        return 1
    try:
        preflight(settings.database_url)
    except (StorageError, ValueError) as exc:
        return _fail(str(exc))
    from telegram.error import InvalidToken, NetworkError  # noqa: PLC0415

    from bot.telegram.app import ALLOWED_UPDATES, build_application  # noqa: PLC0415

    app = build_application(settings, bank=bank)
    try:
        # run_polling stops cleanly on SIGINT and SIGTERM: it finishes the update in hand,
        # runs post_shutdown (closing the database) and returns.
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except StorageError as exc:
        return _fail(str(exc))
    except InvalidToken:
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather.", 1)
    except NetworkError as exc:
        return _fail(f"cannot reach the Telegram Bot API: {exc}", 1)
    return 0


def run_disputes() -> int:
    """List open disputes for whoever keeps the bank."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    bank = _load_bank(settings)
    if bank is None:
        return 1
    from bot.console import list_disputes  # noqa: PLC0415

    try:
        return asyncio.run(list_disputes(settings, bank, sys.stdout))
    except StorageError as exc:
        return _fail(str(exc))


def run_console(activity: str, questions: int) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, None)
    bank = _load_bank(settings)
    if bank is None:
        return 1
    from bot.console import play  # noqa: PLC0415

    try:
        return asyncio.run(play(settings, bank, questions, sys.stdin, sys.stdout, activity))
    except StorageError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
