"""``python -m bot dashboard``: serve the dashboard until SIGTERM or SIGINT.

Settings: DATABASE_URL (the bot's), DASHBOARD_SECRET (required, at least 32 characters),
DASHBOARD_HOST (127.0.0.1), DASHBOARD_PORT (8081), DASHBOARD_URL (the public address the
bot's links use; https makes the cookie Secure), ADMIN_USER_IDS (who may sign in). A
missing or short secret stops it with one clear line.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from bot.config import ConfigError, Settings
from bot.logs import setup_logging
from questions.model import Bank
from storage.backend import StorageError

log = logging.getLogger("bot.dashboard")


def _fail(message: str, code: int = 2) -> int:
    sys.stderr.write(message + "\n")
    return code


def run_dashboard() -> int:
    try:
        settings = Settings.from_env()
        secret = settings.require_dashboard_secret()
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        import jinja2  # noqa: F401, PLC0415 - the optional extra
    except ImportError:
        return _fail("the dashboard needs Jinja2: pip install -e '.[dashboard]'")
    setup_logging(settings.log_level, secret)
    from bot.run import load_checked_bank  # noqa: PLC0415

    bank = load_checked_bank(settings)
    if bank is None:
        return 1
    try:
        return asyncio.run(serve(settings, bank))
    except StorageError as exc:
        return _fail(str(exc))
    except OSError as exc:  # the port is taken, or the host is not ours
        return _fail(
            f"cannot listen on {settings.dashboard_host}:{settings.dashboard_port}: "
            f"{exc.strerror or exc}"
        )
    except KeyboardInterrupt:
        return 130


async def serve(settings: Settings, bank: Bank) -> int:
    from aiohttp import web  # noqa: PLC0415

    from bot.dashboard.web import PathOnlyAccessLogger, build_app  # noqa: PLC0415
    from storage.db import Store  # noqa: PLC0415

    store = await Store.open(settings.database_url)
    runner: Any = None
    try:
        app = build_app(settings, store, bank)
        runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
        await runner.setup()
        site = web.TCPSite(runner, settings.dashboard_host, settings.dashboard_port)
        await site.start()
        if not settings.admin_user_ids:
            log.warning("ADMIN_USER_IDS is empty: nobody can sign in to the dashboard")
        if not settings.dashboard_url:
            log.warning("DASHBOARD_URL is not set: the bot cannot send sign-in links")
        log.info(
            "dashboard on http://%s:%d (database %s)",
            settings.dashboard_host,
            settings.dashboard_port,
            store.display,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping the dashboard")
    finally:
        if runner is not None:
            await runner.cleanup()
        await store.close()
    return 0
