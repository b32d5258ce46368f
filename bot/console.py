"""Play the quiz in a terminal with the same engine and storage. Works with piped stdin."""

from __future__ import annotations

import getpass
import textwrap
from typing import TextIO

from bot.config import Settings
from bot.engine.quiz import QuizEngine
from bot.engine.study import Mark, Progress, StudyEngine, humanize
from bot.engine.views import AnswerOutcome, Player, QuestionView, RoundSummary, Status
from questions.model import Bank
from storage.db import Store

CONSOLE_CHAT_ID = 0  # not a Telegram chat: the console's own "chat"
CONSOLE_USER_ID = 0
PROGRESS_KEY = f"{Mark.MASTERED} mastered, {Mark.LEARNING} learning, {Mark.WEAK} missed, " + (
    f"{Mark.NEW} new"
)


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


def _progress(progress: Progress) -> str:
    lines = ["Mastery map (" + PROGRESS_KEY + ")"]
    for start in range(0, len(progress.paragraphs), 7):
        row = progress.paragraphs[start : start + 7]
        lines.append(
            f"  ¶{row[0].paragraph:>2}–{row[-1].paragraph:<2} " + "".join(p.mark for p in row)
        )
    lines.append(
        f"Mastered {progress.mastered} of {len(progress.paragraphs)} paragraphs; "
        f"{progress.known} of {progress.questions} questions known; {progress.due} due now."
    )
    weakest = progress.weakest()
    if weakest:
        lines.append("Weakest: " + ", ".join(f"¶{p.paragraph}" for p in weakest))
    return "\n".join(lines)


async def list_disputes(settings: Settings, bank: Bank, out: TextIO) -> int:
    store = await Store.open(settings.database_url)
    try:
        disputes = await store.reads.open_disputes(limit=1000)
    finally:
        await store.close()
    if not disputes:
        out.write("No open disputes.\n")
    for d in disputes:
        q = bank.get(d.question_id)
        where = q.source if q else "no longer in the bank"
        out.write(
            f"#{d.id} {d.created_at:%Y-%m-%d %H:%M} UTC {d.question_id} ({where}) "
            f"from {d.user_name or 'a user who left'}:\n  {d.text}\n"
        )
    return 0


async def play(
    settings: Settings,
    bank: Bank,
    size: int,
    stdin: TextIO,
    out: TextIO,
    activity: str = "quiz",
) -> int:
    store = await Store.open(settings.database_url)
    try:
        engine = QuizEngine(bank, store)
        study = StudyEngine(engine)
        player = Player(CONSOLE_USER_ID, getpass.getuser() or "console")
        if activity == "progress":
            out.write(_progress(await study.progress(player.id)) + "\n")
            return 0
        if activity == "review":
            review = await study.start_review(CONSOLE_CHAT_ID, player)
            if review.outcome is None:
                when = (
                    f" — next review in {humanize(review.next_due - engine.clock())}"
                    if review.next_due
                    else " — answer some questions first"
                )
                out.write(f"Nothing due{when}.\n")
                return 0
            started = review.outcome
        else:
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
