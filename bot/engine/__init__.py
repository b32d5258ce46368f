"""Quiz and study logic: pure Python, no Telegram. Time and randomness are injected."""

from bot.engine.quiz import QuizEngine
from bot.engine.views import Player

__all__ = ["Player", "QuizEngine"]
