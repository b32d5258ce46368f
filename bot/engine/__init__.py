"""Quiz and study logic: pure Python, no Telegram. Time and randomness are injected.

The adapters (Telegram, console) use only :class:`QuizEngine` and :class:`StudyEngine`.
"""

from bot.engine.quiz import QuizEngine
from bot.engine.study import StudyEngine
from bot.engine.views import Player

__all__ = ["Player", "QuizEngine", "StudyEngine"]
