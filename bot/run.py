"""Start-up for every mode: configuration, bank validation (before any database access), run.

``run_bot`` is what a worker runs: Telegram is asked who we are first (so a missing network
or a rejected token stops the bot before any database file is created), then the store is
opened, the runtime starts (long polling, or the webhook server with ``WEBHOOK_URL``), and
SIGTERM/SIGINT stop it within ``SHUTDOWN_GRACE`` seconds: what is unfinished stays in the
inbox for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.config import ConfigError, Settings
from bot.logs import setup_logging
from questions.loader import BankError, bank_files, load_bank, load_default_bank
from questions.model import Bank
from storage.backend import StorageError

log = logging.getLogger("bot")


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def load_checked_bank(settings: Settings) -> Bank | None:
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


def _settings() -> Settings | int:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))


def run_bot() -> int:
    settings = _settings()
    if isinstance(settings, int):
        return settings
    try:
        token = settings.require_token()
    except ConfigError as exc:
        return _fail(str(exc))
    setup_logging(settings.log_level, token, settings.webhook_secret)
    bank = load_checked_bank(settings)
    if bank is None:
        return 1
    try:
        return asyncio.run(serve(settings, bank))
    except KeyboardInterrupt:
        return 130


async def serve(settings: Settings, bank: Bank) -> int:
    from telegram.error import InvalidToken, NetworkError  # noqa: PLC0415 - keep --help fast

    from bot.telegram.app import build_application  # noqa: PLC0415
    from bot.telegram.context import services_of  # noqa: PLC0415

    app = build_application(settings, bank=bank)
    try:
        await app.initialize()  # getMe: is Telegram there, and is the token right?
    except InvalidToken:
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather.", 1)
    except NetworkError as exc:
        where = settings.api_base_url or "api.telegram.org"
        return _fail(
            f"cannot reach the Telegram Bot API at {where} ({exc}): check the network, or "
            "TELEGRAM_API_BASE_URL",
            1,
        )
    try:
        assert app.post_init is not None  # noqa: S101
        await app.post_init(app)
    except StorageError as exc:
        await app.shutdown()
        return _fail(str(exc))
    runtime = services_of(app).runtime
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.start()
        await runtime.start()
        log.info("running (%s)", "webhook" if settings.webhook_url else "long polling")
        await stop.wait()
        log.info("stopping: finishing what is running (up to %.0f s)", settings.shutdown_grace)
        left = await runtime.stop(settings.shutdown_grace)
        log.info("stopped; %d chat(s) had work left for the next start", left)
    finally:
        with contextlib.suppress(Exception):
            await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None  # noqa: S101
        await app.post_shutdown(app)
    return 0


def run_disputes() -> int:
    """List open disputes for whoever keeps the bank."""
    settings = _settings()
    if isinstance(settings, int):
        return settings
    bank = load_checked_bank(settings)
    if bank is None:
        return 1
    from bot.console import list_disputes  # noqa: PLC0415

    try:
        return asyncio.run(list_disputes(settings, bank, sys.stdout))
    except StorageError as exc:
        return _fail(str(exc))


def run_console(activity: str, questions: int, seed: int | None = None) -> int:
    settings = _settings()
    if isinstance(settings, int):
        return settings
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, None)
    bank = load_checked_bank(settings)
    if bank is None:
        return 1
    from bot.console import interruptible, play  # noqa: PLC0415

    try:
        with interruptible():
            return asyncio.run(
                play(settings, bank, questions, sys.stdin, sys.stdout, activity, seed=seed)
            )
    except StorageError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("\nBye! Your round is saved: run the console again to continue.", file=sys.stderr)
        return 130
