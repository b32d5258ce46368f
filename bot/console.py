"""Play the quiz in a terminal with the same engine and storage. Works with piped stdin."""

from __future__ import annotations

import getpass
import textwrap
from typing import TextIO

from bot.config import Settings
from bot.engine.quiz import QuizEngine
from bot.engine.views import AnswerOutcome, Player, QuestionView, RoundSummary, Status
from questions.model import Bank
from storage.db import Store

CONSOLE_CHAT_ID = 0  # not a Telegram chat: the console's own "chat"
CONSOLE_USER_ID = 0


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=78)


def _question(view: QuestionView) -> str:
    q = view.question
    lines = [f"Question {view.number}/{view.total} · {q.topic}", _wrap(q.question)]
    lines += [f"  {i}. {option}" for i, option in enumerate(view.options, 1)]
    return "\n".join(lines)


def _feedback(outcome: AnswerOutcome) -> str:
    assert outcome.view is not None  # noqa: S101
    q = outcome.view.question
    verdict = "✅ Correct!" if outcome.correct else "❌ Not quite."
    return "\n".join(
        [
            verdict + f" Right answer: {q.correct_option}",
            _wrap(q.explanation),
            _wrap(f"{q.citation}: “{q.quote}”"),
        ]
    )


def _summary(summary: RoundSummary) -> str:
    if not summary.lines:
        return "No answers in this round."
    mine = summary.lines[0]
    lines = [f"Round over: {mine.points} of {mine.answered} right."]
    if summary.missed:
        lines.append("To review: " + ", ".join(q.citation for q in summary.missed))
    return "\n".join(lines)


async def _ask(view: QuestionView, stdin: TextIO, out: TextIO) -> int | None:
    """Read option numbers until a valid one; None on end of input or 'q'."""
    while True:
        out.write("> ")
        out.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in ("q", "quit"):
            return None
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(view.options):
            return int(text) - 1
        out.write(f"Type a number from 1 to {len(view.options)}, or q to quit.\n")


async def play(settings: Settings, bank: Bank, size: int, stdin: TextIO, out: TextIO) -> int:
    store = await Store.open(settings.database_url)
    try:
        engine = QuizEngine(bank, store)
        player = Player(CONSOLE_USER_ID, getpass.getuser() or "console")
        started = await engine.start_round(CONSOLE_CHAT_ID, "private", player, size)
        if started.resumed:
            out.write("Picking up your unfinished round.\n")
        view = started.view
        while view is not None:
            out.write("\n" + _question(view) + "\n")
            await engine.mark_asked(view)
            choice = await _ask(view, stdin, out)
            if choice is None:
                out.write("\nPaused. Run the console again to continue this round.\n")
                return 0
            outcome = await engine.answer(view.round_id, view.position, choice, player)
            if outcome.status is not Status.OK:
                out.write(f"({outcome.status.value})\n")
                return 1
            out.write(_feedback(outcome) + "\n")
            if outcome.summary is not None:
                out.write("\n" + _summary(outcome.summary) + "\n")
                return 0
            view = await engine.current(view.round_id)
        return 0
    finally:
        await store.close()
