"""HTML messages and keyboards. Every piece of user or bank text is escaped here."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.views import (
    AnswerOutcome,
    Board,
    PollResult,
    Profile,
    QuestionView,
    RoundSummary,
    Status,
)
from questions.model import Article, Question
from storage.models import BoardEntry

MAX_TEXT = 4096  # Telegram's limit for a message text
MAX_TOAST = 200  # ... and for an answerCallbackQuery text
MAX_NAME = 32
LETTERS = "ABCDEFGHIJ"


def escape(text: str) -> str:
    """Telegram's HTML needs only <, > and & escaped; quotes stay readable."""
    return html.escape(text, quote=False)


Rendered = tuple[str, InlineKeyboardMarkup | None]

TOASTS: dict[Status, str] = {
    Status.UNKNOWN_ROUND: "This quiz no longer exists. Send /quiz to start a new one.",
    Status.NOT_YOURS: "This is someone else's quiz. Send /quiz to start your own.",
    Status.ROUND_OVER: "This quiz is over. Send /quiz to play again.",
    Status.STALE: "That question has moved on.",
    Status.ALREADY_ANSWERED: "You already answered this one.",
    Status.INVALID: "That is not one of the options.",
    Status.CLOSED: "This question is closed.",
}


def name(text: str) -> str:
    """A user's display name, shortened and escaped for HTML."""
    text = " ".join(text.split()) or "?"
    if len(text) > MAX_NAME:
        text = text[: MAX_NAME - 1] + "…"
    return escape(text)


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Last line of defence: cut at a line break so no HTML tag is split."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 2] + "\n…"


def toast(status: Status) -> str:
    return TOASTS.get(status, "Sorry, that did not work.")[:MAX_TOAST]


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    rows = tuple(row for row in rows if row)
    return InlineKeyboardMarkup(rows) if rows else None


def question_message(view: QuestionView) -> Rendered:
    q = view.question
    lines = [f"<b>Question {view.number}/{view.total}</b> · <i>{escape(q.topic)}</i>", ""]
    lines.append(escape(q.question))
    lines.append("")
    lines += [f"<b>{LETTERS[i]}.</b> {escape(option)}" for i, option in enumerate(view.options)]
    buttons = [
        InlineKeyboardButton(
            LETTERS[i], callback_data=f"quiz:a:{view.round_id}:{view.position}:{i}"
        )
        for i in range(len(view.options))
    ]
    return fit("\n".join(lines)), _keyboard(buttons)


def citation(q: Question) -> str:
    return f"📖 {q.citation}: <blockquote>{escape(q.quote)}</blockquote>"


def feedback_message(outcome: AnswerOutcome) -> Rendered:
    assert outcome.view is not None  # noqa: S101 - only OK outcomes are rendered
    view, q = outcome.view, outcome.view.question
    verdict = "✅ <b>Correct!</b>" if outcome.correct else "❌ <b>Not quite.</b>"
    lines = [f"{verdict}  <i>Question {view.number}/{view.total}</i>", "", escape(q.question), ""]
    if not outcome.correct and outcome.chosen is not None:
        lines.append(f"Your answer: <s>{escape(q.options[outcome.chosen])}</s>")
    lines += [
        f"Right answer: <b>{escape(q.correct_option)}</b>",
        "",
        escape(q.explanation),
        "",
        citation(q),
    ]
    row: list[InlineKeyboardButton] = []
    if outcome.next_position is not None:
        row.append(
            InlineKeyboardButton(
                "Next ▶", callback_data=f"quiz:n:{view.round_id}:{outcome.next_position}"
            )
        )
    row.append(
        InlineKeyboardButton(f"📖 Read ¶{q.paragraph}", callback_data=f"read:o:{q.paragraph}")
    )
    return fit("\n".join(lines)), _keyboard(row)


def summary_message(summary: RoundSummary) -> str:
    if not summary.lines:
        return "The quiz ended before anyone answered. Send /quiz to start again."
    mine = summary.lines[0]
    what = f" on {escape(summary.label)}" if summary.label else ""
    verb = "stopped" if summary.state == "stopped" else "complete"
    lines = [
        f"🏁 <b>Quiz{what} {verb}</b>: {mine.points} of {mine.answered} right "
        f"({mine.points} point{'s' if mine.points != 1 else ''}).",
    ]
    if summary.missed:
        lines += ["", "To review:"]
        lines += [f"• {escape(q.question)} — {q.citation}" for q in summary.missed[:10]]
    lines += ["", "/quiz plays again · /me shows your stats · /top the scoreboard"]
    return fit("\n".join(lines))


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


def poll_result_message(result: PollResult, shown: int = 10) -> str:
    q = result.view.question
    lines = [
        f"✅ <b>{escape(q.correct_option)}</b>  <i>({result.view.number}/{result.view.total})</i>"
    ]
    if result.right:
        names = [f"{name(p.name)} ({_seconds(ms)})" for p, ms in result.right[:shown]]
        more = len(result.right) - shown
        tail = f" +{more} more" if more > 0 else ""
        lines.append(f"Right ({len(result.right)} of {result.answered}): {', '.join(names)}{tail}")
    elif result.answered:
        lines.append(f"Nobody of {result.answered} got this one.")
    else:
        lines.append("Nobody answered this one.")
    lines += ["", escape(q.explanation), "", citation(q)]
    return fit("\n".join(lines))


def round_table_message(summary: RoundSummary) -> str:
    verb = "stopped" if summary.state == "stopped" else "over"
    lines = [f"🏁 <b>Quiz {verb}</b> — final table", ""]
    if not summary.lines:
        lines.append("Nobody answered. /quiz starts a new one.")
        return "\n".join(lines)
    for line in summary.lines[:20]:
        star = "🥇🥈🥉"[line.rank - 1] if line.rank <= 3 else f"{line.rank}."
        lines.append(
            f"{star} {name(line.player.name)} — <b>{line.points}</b>/{line.answered}"
            f" ({_seconds(line.time_ms)})"
        )
    if len(summary.lines) > 20:
        lines.append(f"+{len(summary.lines) - 20} more")
    lines += ["", "1 point per right answer; time breaks ties. /top shows this chat's board."]
    return fit("\n".join(lines))


def _entry_line(entry: BoardEntry, me: int) -> str:
    marker = " ← you" if entry.user_id == me else ""
    star = "🥇🥈🥉"[entry.rank - 1] if entry.rank <= 3 else f"{entry.rank}."
    return f"{star} {name(entry.name)} — <b>{entry.points}</b>{marker}"


def board_message(board: Board, me: int) -> str:
    lines = [f"🏆 <b>Scoreboard · {escape(board.title)}</b>", ""]
    if not board.top:
        lines.append("Nobody has scored here yet. Send /quiz to be the first!")
        return "\n".join(lines)
    lines += [_entry_line(entry, me) for entry in board.top]
    if board.me is not None:
        lines += ["…", _entry_line(board.me, me)]
    lines += [
        "",
        f"{board.players} player{'s' if board.players != 1 else ''} · 1 point per right "
        "answer; equal points share a rank.",
    ]
    return fit("\n".join(lines))


def bar(share: float, width: int = 6) -> str:
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled)


def profile_message(profile: Profile) -> str:
    p = profile
    lines = [f"👤 <b>{name(p.player.name)}</b>", ""]
    if not p.answered:
        lines.append("No answers yet. Send /quiz to start!")
        return "\n".join(lines)
    lines += [
        f"Points: <b>{p.points}</b> · answered {p.answered} · accuracy {p.accuracy:.0%}",
        f"Daily streak: {p.streak_current} (best {p.streak_best})",
    ]
    ranks = [("global", p.global_rank), ("this week", p.week_rank), ("this chat", p.chat_rank)]
    shown = [f"#{entry.rank} {label}" for label, entry in ranks if entry is not None]
    if shown:
        lines.append("Rank: " + " · ".join(shown))
    if p.topics:
        lines += ["", "<b>By topic</b>"]
        lines += [
            f"<code>{bar(t.accuracy)}</code> {t.accuracy:.0%} {escape(t.topic)} ({t.answered})"
            for t in p.topics
        ]
    return fit("\n".join(lines))


def paragraph_message(article: Article, number: int) -> Rendered:
    last = article.citable.stop - 1
    text = f"📖 <b>¶{number} of {last}</b>\n\n{escape(article.paragraph(number))}"
    nav = []
    if number > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=f"read:{number - 1}"))
    if number < last:
        nav.append(InlineKeyboardButton("▶", callback_data=f"read:{number + 1}"))
    return fit(text), _keyboard(nav)
