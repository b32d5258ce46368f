"""Play the quiz in a terminal with the same engine and storage. Works with piped stdin.

The console's player (id 0) trains study cards and a streak like anyone, but never appears
on the Telegram scoreboards (``bot.engine.scoring``).
"""

from __future__ import annotations

import getpass
import random
import signal
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from bot.config import Settings
from bot.engine import scoring
from bot.engine.quiz import QuizEngine
from bot.engine.study import Mark, Progress, StudyEngine, humanize
from bot.engine.views import (
    AnswerOutcome,
    Player,
    QuestionView,
    RoundRequest,
    RoundSummary,
    Status,
)
from bot.telegram.render import ARTICLE, ARTICLE_SUBJECT, explanation
from questions.model import Bank
from storage.db import Store
from storage.models import ChatKind, RoundMode

CONSOLE_CHAT_ID = 0  # not a Telegram chat: the console's own "chat"
CONSOLE_USER_ID = scoring.CONSOLE_PLAYER
PROGRESS_KEY = (
    f"{Mark.MASTERED} mastered, {Mark.LEARNING} learning, {Mark.WEAK} missed, {Mark.NEW} new"
)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C ends the console at once, even while it waits for a line of input.

    asyncio.run would otherwise take over SIGINT and only cancel its task, which a blocking
    read never notices; a handler of our own makes the read itself stop.
    """
    previous = signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=78)


def header(bank: Bank) -> str:
    return (
        f"Quiz on {ARTICLE}, on {ARTICLE_SUBJECT} ({len(bank)} questions).\n"
        "Answer with the option's number; q or Ctrl-C quits (your round is saved)."
    )


def _question(view: QuestionView) -> str:
    q = view.question
    word = "Review" if view.mode is RoundMode.REVIEW else "Question"
    score = f" · score {view.score.right}/{view.score.answered}" if view.score.answered else ""
    lines = [f"{word} {view.number}/{view.total}{score} · {q.topic}", _wrap(q.question)]
    lines += [f"  {i}. {option}" for i, option in enumerate(view.options, 1)]
    return "\n".join(lines)


def _feedback(outcome: AnswerOutcome) -> str:
    assert outcome.view is not None  # noqa: S101
    q = outcome.view.question
    verdict = (
        "✅ Correct!" if outcome.correct else f"❌ Not quite. Right answer: {q.correct_option}"
    )
    lines = [verdict, _wrap(explanation(q)), _wrap(f"{q.citation}: “{q.quote}”")]
    lines += [f"{Mark.MASTERED} ¶{n} mastered!" for n in outcome.mastered]
    return "\n".join(lines)


def _summary(summary: RoundSummary, outcome: AnswerOutcome) -> str:
    if not summary.lines:
        return "No answers in this round."
    mine = summary.lines[0]
    lines = [f"Round over: {mine.points} of {mine.answered} right."]
    activity = outcome.activity
    if activity is not None and activity.streak:
        lines.append(f"🔥 {activity.streak}-day streak · today {activity.today}/{activity.goal}")
    if summary.missed:
        paragraphs = sorted({n for q in summary.missed for n in q.paragraphs})
        lines.append("To review: " + ", ".join(f"¶{n}" for n in paragraphs))
        lines.append("Next: python -m bot console --review (or read those paragraphs).")
    else:
        lines.append("Next: python -m bot console for new questions.")
    return "\n".join(lines)


def _ask(view: QuestionView, stdin: TextIO, out: TextIO) -> int | None:
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
        engine = StudyEngine(QuizEngine(bank, store))
        page = await engine.open_disputes(limit=1000)
    finally:
        await store.close()
    if not page.disputes:
        out.write("No open disputes.\n")
    for d in page.disputes:
        q = bank.get(d.question_id)
        where = q.source if q else "no longer in the bank"
        text = " ".join(d.text.split())
        out.write(
            f"#{d.id} {d.created_at:%Y-%m-%d %H:%M} UTC {d.question_id} ({where}) "
            f"from {d.user_name or 'a user who left'}:\n  {text}\n"
        )
    return 0


async def play(
    settings: Settings,
    bank: Bank,
    size: int,
    stdin: TextIO,
    out: TextIO,
    activity: str = "quiz",
    *,
    seed: int | None = None,
) -> int:
    store = await Store.open(settings.database_url)
    try:
        engine = QuizEngine(bank, store, rng=random.Random(seed))  # noqa: S311 - not secrets
        study = StudyEngine(engine)
        player = Player(CONSOLE_USER_ID, getpass.getuser() or "console")
        if activity == "progress":
            out.write(_progress(await study.progress(player.id)) + "\n")
            return 0
        out.write(header(bank) + "\n")
        view = await _first(engine, study, player, size, activity, out)
        while view is not None:
            out.write("\n" + _question(view) + "\n")
            await engine.mark_shown(view, 0)
            choice = _ask(view, stdin, out)
            if choice is None:
                out.write("\nPaused. Run the console again to continue this round.\n")
                return 0
            outcome = await engine.answer(view.round_id, view.position, choice, player)
            if outcome.status is not Status.OK:
                out.write(f"({outcome.status.value})\n")
                return 1
            out.write(_feedback(outcome) + "\n")
            if outcome.summary is not None:
                out.write("\n" + _summary(outcome.summary, outcome) + "\n")
                return 0
            view = await engine.current(view.round_id)
        return 0
    finally:
        await store.close()


async def _first(
    engine: QuizEngine,
    study: StudyEngine,
    player: Player,
    size: int,
    activity: str,
    out: TextIO,
) -> QuestionView | None:
    """The round to play: an unfinished one first, else a review or a new quiz."""
    resumed = await engine.resume(CONSOLE_CHAT_ID)
    if resumed is not None:
        out.write("Picking up your unfinished round.\n")
        return resumed
    if activity == "review":
        review = await study.start_review(CONSOLE_CHAT_ID, player)
        if review.outcome is None:
            when = (
                f" — next review in {humanize(review.next_due - engine.clock())}"
                if review.next_due
                else " — answer some questions first"
            )
            out.write(f"Nothing due{when}.\n")
            return None
        return review.outcome.view
    started = await engine.start_round(
        CONSOLE_CHAT_ID, ChatKind.PRIVATE, player, RoundRequest(size=size)
    )
    return started.view
