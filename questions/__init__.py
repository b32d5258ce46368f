"""The article and its question bank: loading, validation and bank tools (no Telegram, no SQL)."""

from questions.loader import BankError, load_article, load_bank, load_default_bank
from questions.model import TOPICS, Article, Bank, Question

__all__ = [
    "TOPICS",
    "Article",
    "Bank",
    "BankError",
    "Question",
    "load_article",
    "load_bank",
    "load_default_bank",
]
