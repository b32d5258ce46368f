"""What handlers reach through their context: the engines, the settings and the bank.

``BotContext`` is the Application's custom context type (PTB's ``ContextTypes``), so every
handler writes ``context.quiz`` instead of looking the engine up by hand. Nothing here holds
state: all lasting state lives in the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.social import SocialEngine
from bot.engine.study import StudyEngine
from questions.model import Bank
from storage.db import Store


@dataclass
class Services:
    """Long-lived objects, opened in ``post_init`` and closed in ``post_shutdown``."""

    settings: Settings
    bank: Bank
    clock: Clock = system_clock
    rng: random.Random = field(default_factory=random.Random)
    store: Store | None = None
    quiz: QuizEngine | None = None
    study: StudyEngine | None = None
    social: SocialEngine | None = None
    runtime: Any = None  # bot.runtime.core.Runtime, built in post_init
    flood: Any = None  # bot.runtime.scheduler.FloodPolicy (tests and benchmarks tune it)
    long_poll: int = 10

    def engines(self) -> tuple[QuizEngine, StudyEngine]:
        if self.quiz is None or self.study is None:
            raise RuntimeError("storage is not open yet")
        return self.quiz, self.study

    def social_engine(self) -> SocialEngine:
        if self.social is None:
            raise RuntimeError("storage is not open yet")
        return self.social


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The handler context, with the bot's services as attributes."""

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def quiz(self) -> QuizEngine:
        return self.services.engines()[0]

    @property
    def study(self) -> StudyEngine:
        return self.services.engines()[1]

    @property
    def social(self) -> SocialEngine:
        return self.services.social_engine()

    @property
    def bank(self) -> Bank:
        return self.services.bank

    @property
    def settings(self) -> Settings:
        return self.services.settings


App = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
SERVICES_KEY = "services"


def services_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    found = app.bot_data[SERVICES_KEY]
    if not isinstance(found, Services):
        raise TypeError("the application has no services")
    return found
