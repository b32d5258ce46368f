"""Build the python-telegram-bot Application: one ordered registration of every handler, and
the lifecycle hooks that own the resources (the database, the engines, the runtime)."""

from __future__ import annotations

import logging
import random
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.social import SocialEngine
from bot.engine.study import StudyEngine
from bot.runtime.core import Runtime
from bot.runtime.limiter import FairRateLimiter
from bot.runtime.scheduler import FloodPolicy
from bot.telegram import (
    account,
    basics,
    challenges,
    daily,
    dashboard,
    disputes,
    groups,
    inline,
    quiz,
    reading,
    reminders,
    scores,
    study,
)
from bot.telegram.common import COMMAND_FILTER
from bot.telegram.context import SERVICES_KEY, App, BotContext, Services, services_of
from bot.telegram.errors import on_error
from questions.loader import load_default_bank
from questions.model import Bank
from storage.db import Store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "poll",
    "poll_answer",
    "my_chat_member",
    "inline_query",
    "chosen_inline_result",
]
FEATURES = (
    basics,
    quiz,
    groups,
    daily,
    challenges,
    inline,
    reading,
    scores,
    study,
    reminders,
    disputes,
    account,
    dashboard,
)


async def saw_sender(update: Update, context: BotContext) -> None:
    """Before any handler: whoever writes to us does not block us (creates no rows)."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await context.quiz.saw_player(user.id)


def register_handlers(app: App) -> None:
    """Every handler, in the order they are tried (group 0), then the error handler."""
    app.add_handler(TypeHandler(Update, saw_sender), group=-1)
    for module in FEATURES:
        for handler in module.handlers():
            app.add_handler(handler)
    app.add_handler(MessageHandler(COMMAND_FILTER & filters.COMMAND, basics.unknown_command))
    app.add_handler(CallbackQueryHandler(basics.unknown_button))
    app.add_error_handler(on_error)


def register_work(runtime: Runtime) -> None:
    """Timed work, by kind (see bot.runtime.jobs); background work yields to replies."""
    for kind, work in groups.WORK.items():
        runtime.register(kind, work)
    for kind, work in reminders.WORK.items():
        runtime.register(kind, work, background=True)
    for kind, work in daily.WORK.items():
        runtime.register(kind, work, background=True)


async def post_init(app: App) -> None:
    svc = services_of(app)
    svc.store = await Store.open(svc.settings.database_url)
    svc.quiz = QuizEngine(svc.bank, svc.store, clock=svc.clock, rng=svc.rng)
    svc.study = StudyEngine(svc.quiz)
    svc.social = SocialEngine(svc.quiz)
    limiter = app.bot.rate_limiter
    svc.runtime = Runtime(
        app,
        svc.store,
        svc.settings,
        svc.clock,
        allowed_updates=ALLOWED_UPDATES,
        limiter=limiter if isinstance(limiter, FairRateLimiter) else None,
        flood=svc.flood,
        long_poll=svc.long_poll,
    )
    register_work(svc.runtime)
    await basics.set_commands(app.bot)
    recovered = await groups.recover_rounds(app)
    for at in await svc.social.ensure_jobs():
        svc.runtime.jobs.arm(at)
    log.info(
        "bot started: %d questions, database %s, %d group round(s) given their timer back",
        len(svc.bank),
        svc.store.display,
        recovered,
    )


async def post_shutdown(app: App) -> None:
    svc = services_of(app)
    if svc.store is not None:
        await svc.store.close()
        svc.store = svc.quiz = svc.study = svc.social = None
    log.info("storage closed")


def build_application(
    settings: Settings,
    *,
    bank: Bank | None = None,
    clock: Clock = system_clock,
    rng: random.Random | None = None,
    rate_limit: bool = True,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
    timeout: float | None = None,
    flood: FloodPolicy | None = None,
    long_poll: int = 10,
) -> App:
    """The Application (without PTB's Updater: ``bot.runtime`` fetches and stores updates).

    ``requests`` (API calls, getUpdates) replace HTTP in benchmarks; tests talk HTTP to a
    fake Bot API through ``settings.api_base_url``.
    """
    builder: Any = (
        ApplicationBuilder()
        .token(settings.require_token())
        .updater(None)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if rate_limit:
        builder = builder.rate_limiter(FairRateLimiter(overall_per_second=settings.send_rate))
    if timeout is not None:
        builder = builder.read_timeout(timeout).write_timeout(timeout).connect_timeout(timeout)
    if requests is not None:
        builder = builder.request(requests[0]).get_updates_request(requests[1])
    if settings.api_base_url:
        base = settings.api_base_url
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    app: App = builder.build()
    app.bot_data[SERVICES_KEY] = Services(
        settings,
        bank or load_default_bank(),
        clock,
        rng or random.Random(),  # noqa: S311 - shuffles options, not secrets
        flood=flood,
        long_poll=long_poll,
    )
    register_handlers(app)
    return app


__all__ = ["ALLOWED_UPDATES", "Application", "build_application"]
