"""What handlers need, built once in ``post_init``; reached through the handler context."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ContextTypes

from bot.config import Settings
from bot.engine.clock import Clock, system_clock
from bot.engine.quiz import QuizEngine
from bot.engine.study import StudyEngine
from questions.model import Bank
from storage.db import Store


@dataclass
class Services:
    """Long-lived objects (not state: all state lives in SQLite)."""

    settings: Settings
    bank: Bank
    clock: Clock = system_clock
    rng: random.Random = field(default_factory=random.Random)
    store: Store | None = None
    engine: QuizEngine | None = None
    study_engine: StudyEngine | None = None

    @property
    def quiz(self) -> QuizEngine:
        if self.engine is None:
            raise RuntimeError("storage is not open yet")
        return self.engine

    @property
    def study(self) -> StudyEngine:
        if self.study_engine is None:
            raise RuntimeError("storage is not open yet")
        return self.study_engine


SERVICES_KEY = "services"


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    found = app.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)  # noqa: S101
    return found


def services(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    return services_of(context.application)


Context = ContextTypes.DEFAULT_TYPE
