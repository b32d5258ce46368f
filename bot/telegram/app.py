"""Build the python-telegram-bot Application: one ordered place for every handler."""

from __future__ import annotations

import logging
import random

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.study import StudyEngine
from bot.telegram import admin, basics, groups, quiz, reading, scores, study
from bot.telegram.common import COMMAND_FILTER, is_private, player_of, reply
from bot.telegram.errors import on_error
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.services import SERVICES_KEY, Context, Services, services
from questions.loader import load_default_bank
from questions.model import Bank
from storage.db import Store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = Update.ALL_TYPES


async def remember_user(update: Update, context: Context) -> None:
    """Before any handler: keep the sender's display name current (names on boards)."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await services(context).quiz.touch_player(player_of(user))


async def unknown_command(update: Update, context: Context) -> None:
    if is_private(update):
        await reply(update, "I don't know that command. /help lists what I understand.")


def register_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Every handler, in the order they are tried (group 0), then the error handler."""
    app.add_handler(TypeHandler(Update, remember_user), group=-1)
    for module in (basics, quiz, groups, scores, reading, admin, study):
        for handler in module.handlers():
            app.add_handler(handler)
    app.add_handler(MessageHandler(COMMAND_FILTER & filters.COMMAND, unknown_command))
    app.add_error_handler(on_error)


async def post_init(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data[SERVICES_KEY]
    svc.store = await Store.open(svc.settings.database_url)
    svc.engine = QuizEngine(svc.bank, svc.store, clock=svc.clock, rng=svc.rng)
    svc.study_engine = StudyEngine(svc.engine)
    try:
        await app.bot.set_my_commands(basics.bot_commands())
    except TelegramError as exc:  # non-essential: the bot works without the menu
        log.warning("setMyCommands failed, carrying on: %s", exc)
    resumed = await groups.resume_group_rounds(app)
    reminders = await study.restore_reminders(app)
    log.info(
        "bot started: %d questions, database %s, %d group round(s) resumed, %d reminder(s)",
        len(svc.bank),
        svc.store.path,
        resumed,
        reminders,
    )


async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data[SERVICES_KEY]
    if svc.store is not None:
        await svc.store.close()
        svc.store = svc.engine = None
    log.info("storage closed")


def flood_limiter() -> AIORateLimiter:
    """Telegram's limits: ~30 messages/s overall, 20/min per group.

    A leaky bucket lets its capacity through at once and then its rate, so a 30-per-second
    bucket can send 60 in one second. Capacity 5 with 25/s stays within 30 in any second;
    429s that still come are retried after their retry_after, up to 3 times.
    """
    return AIORateLimiter(
        overall_max_rate=5,
        overall_time_period=0.2,
        group_max_rate=20,
        group_time_period=60,
        max_retries=3,
    )


def build_application(
    settings: Settings,
    *,
    bank: Bank | None = None,
    clock: Clock = system_clock,
    rng: random.Random | None = None,
    rate_limit: bool = True,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
    timeout: float | None = None,
    concurrency: int = 64,
) -> Application:  # type: ignore[type-arg]
    """The Application; ``requests`` (API calls, getUpdates) replace HTTP in tests and benches.

    ``concurrency`` is how many updates of different chats are handled at once (each chat's own
    updates stay in order); 1 handles every update strictly in arrival order.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if rate_limit:
        builder = builder.rate_limiter(flood_limiter())  # type: ignore[arg-type]
    if concurrency > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrency))
    if timeout is not None:
        builder = builder.read_timeout(timeout).write_timeout(timeout).connect_timeout(timeout)
    if requests is not None:
        builder = builder.request(requests[0]).get_updates_request(requests[1])
    if settings.api_base_url:
        base = settings.api_base_url
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    app = builder.build()
    services = Services(settings, bank or load_default_bank(), clock, rng or random.Random())  # noqa: S311
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app)
    return app
