"""/start and /help."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, Update
from telegram.ext import BaseHandler

from bot.telegram.common import command, player_of, reply
from bot.telegram.services import Context, services

ARTICLE_TITLE = "Belarus and Ukraine after the August 2020 protests"
ARTICLE_SOURCE = "an Atlantic Council UkraineAlert analysis by Vladislav Davidzon"

COMMANDS = (
    ("quiz", "Start a quiz: /quiz [topic] [n]"),
    ("read", "Read the article: /read [paragraph]"),
    ("review", "Review the questions that are due"),
    ("progress", "Your mastery map of the article"),
    ("search", "Find paragraphs: /search words"),
    ("topics", "Topics and your accuracy"),
    ("me", "Your points, streak and rank"),
    ("top", "Scoreboard: /top [week|all]"),
    ("stop", "Stop the current quiz"),
    ("remind", "Daily review reminder: /remind 08:00 +02:00"),
    ("forget", "Delete all your data"),
    ("help", "How to play"),
)


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in COMMANDS]


def help_text(questions: int, paragraphs: int) -> str:
    return (
        f"<b>How to play</b>\n"
        f"I ask multiple-choice questions about the article <i>{ARTICLE_TITLE}</i> "
        f"({ARTICLE_SOURCE}). {questions} questions cover its {paragraphs} paragraphs.\n\n"
        "/quiz — 10 questions; /quiz 5 for five; /quiz TOPIC for one topic\n"
        "/read N — read paragraph N, with ◀ ▶ to page\n"
        "/me — your points, accuracy, streak and rank\n"
        "/top — the scoreboard; /top week for this week (UTC), /top all for all time\n"
        "/stop — end the current quiz\n\n"
        "<b>Study</b>\n"
        "/review — the questions due for review (spaced repetition)\n"
        "/progress — your mastery map of the article's paragraphs\n"
        "/search WORDS — find paragraphs; /topics — topics and your accuracy\n"
        "/remind HH:MM [+HH:MM] — a daily nudge when reviews are due; /remind off\n"
        "⚑ Challenge under an answer — tell us a question is wrong\n"
        "/forget — delete everything I store about you\n\n"
        "<b>Points</b>: 1 per right answer, the same in private chats and in groups, so every "
        "scoreboard compares like with like. Equal points share a rank; in a group round the "
        "faster answer breaks a tie. Your daily streak grows with each UTC day you answer.\n\n"
        "Every answer comes with the paragraph (¶) and the article's own words that prove it."
    )


async def start_command(update: Update, context: Context) -> None:
    user = update.effective_user
    svc = services(context)
    if user is not None:
        await svc.quiz.touch_player(player_of(user))
    greeting = "👋 <b>Welcome!</b> I am a quiz and study bot for one article.\n\n"
    body = help_text(len(svc.bank), svc.bank.article.body_count)
    await reply(update, greeting + body + "\n\nReady? Send /quiz.")


async def help_command(update: Update, context: Context) -> None:
    svc = services(context)
    await reply(update, help_text(len(svc.bank), svc.bank.article.body_count))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [command("start", start_command), command("help", help_command)]
