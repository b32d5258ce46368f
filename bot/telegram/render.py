"""HTML messages and keyboards. Every piece of user or bank text is escaped here."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.study import Mark, Progress, SearchHit, TopicLine, humanize
from bot.engine.views import (
    AnswerOutcome,
    Board,
    PollResult,
    Profile,
    QuestionView,
    RoundSummary,
    Status,
)
from questions.model import Article, Bank, Question
from storage.models import BoardEntry, Dispute

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


def notice(status: Status) -> str:
    """The short text a refused button press gets (answerCallbackQuery, ≤ 200 chars)."""
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


def read_button(number: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"📖 Read ¶{number}", callback_data=f"read:o:{number}")


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
    if outcome.summary is not None:
        lines += ["", "━━━━━━━━━━", summary_message(outcome.summary)]
    row.append(read_button(q.paragraph))
    challenge = InlineKeyboardButton(
        "⚑ Challenge", callback_data=f"chal:{view.round_id}:{view.position}"
    )
    more = []
    if outcome.summary is not None:  # the round is over: offer the next step
        more.append(InlineKeyboardButton("🎯 New questions", callback_data="quiz:new"))
    return fit("\n".join(lines)), _keyboard(row, [challenge], more)


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
    nav: list[InlineKeyboardButton] = []
    if number > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=f"read:{number - 1}"))
    if number < last:
        nav.append(InlineKeyboardButton("▶", callback_data=f"read:{number + 1}"))
    quiz_me = []
    if number <= article.body_count:
        quiz_me.append(
            InlineKeyboardButton("🎯 Quiz me on this", callback_data=f"quiz:p:{number}")
        )
    return fit(text), _keyboard(nav, quiz_me)


def search_message(query: str, hits: Sequence[SearchHit]) -> Rendered:
    if not hits:
        return (
            f"No paragraph contains “{escape(query[:60])}”. Try fewer or shorter words "
            "(e.g. a name like <i>Bukonkin</i>), or page through the article with /read.",
            None,
        )
    lines = [
        f"🔎 <b>{len(hits)} paragraph{'s' if len(hits) != 1 else ''}</b> for “"
        f"{escape(query[:60])}”:",
        "",
    ]
    for hit in hits:
        lines.append(f"<b>¶{hit.paragraph}</b> {snippet(hit)}")
        lines.append("")
    buttons = [read_button(hit.paragraph) for hit in hits]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return fit("\n".join(lines).rstrip()), _keyboard(*rows)


def snippet(hit: SearchHit, context: int = 60) -> str:
    """The text around the first match, every match in bold."""
    first_start, _ = hit.spans[0]
    start = max(0, first_start - context)
    end = min(len(hit.text), hit.spans[0][1] + context * 2)
    parts = ["…" if start > 0 else ""]
    cursor = start
    for match_start, match_end in hit.spans:
        if match_end <= start or match_start >= end:
            continue
        s, e = max(match_start, start), min(match_end, end)
        parts += [escape(hit.text[cursor:s]), f"<b>{escape(hit.text[s:e])}</b>"]
        cursor = e
    parts += [escape(hit.text[cursor:end]), "…" if end < len(hit.text) else ""]
    return "".join(parts)


PROGRESS_LEGEND = (
    f"{Mark.MASTERED} mastered · {Mark.LEARNING} learning · {Mark.WEAK} missed last time · "
    f"{Mark.NEW} not started"
)


def progress_message(progress: Progress, article: Article) -> Rendered:
    lines = ["🗺 <b>Your mastery map</b>", ""]
    for start in range(0, len(progress.paragraphs), 7):
        row = progress.paragraphs[start : start + 7]
        label = f"¶{row[0].paragraph}–{row[-1].paragraph}"
        lines.append(f"<code>{label:<7}</code> {''.join(p.mark for p in row)}")
    lines += ["", PROGRESS_LEGEND, ""]
    total = len(progress.paragraphs)
    share = progress.known / progress.questions if progress.questions else 0.0
    lines.append(
        f"Mastered <b>{progress.mastered} of {total}</b> paragraphs · "
        f"<b>{progress.known} of {progress.questions}</b> questions known "
        f"(<code>{bar(share)}</code> {share:.0%})"
    )
    if not progress.started:
        lines += ["", "Nothing studied yet: /read 1 to start reading, or /quiz to start."]
        return "\n".join(lines), None
    if progress.due:
        lines.append(f"{progress.due} review{'s' if progress.due != 1 else ''} due now: /review")
    weakest = progress.weakest()
    buttons = []
    if weakest:
        lines += ["", "<b>Weakest paragraphs</b>"]
        for p in weakest:
            words = " ".join(article.paragraph(p.paragraph).split()[:7])
            lines.append(f"{p.mark} ¶{p.paragraph} ({p.known}/{p.questions}) {escape(words)}…")
            buttons.append(read_button(p.paragraph))
    lines.append("")
    lines.append(
        "<i>Mastered: every question of the paragraph answered right last time and "
        "not due for review.</i>"
    )
    return fit("\n".join(lines)), _keyboard(buttons)


def topics_message(topics: Sequence[TopicLine]) -> str:
    lines = ["📚 <b>Topics</b> — /quiz TOPIC [n] quizzes one", ""]
    for t in topics:
        mine = (
            f"<code>{bar(t.correct / t.answered)}</code> {t.correct / t.answered:.0%} of "
            f"{t.answered} answered"
            if t.answered
            else "not tried yet"
        )
        lines.append(f"<b>{escape(t.topic)}</b> · {t.questions} questions · {mine}")
    return fit("\n".join(lines))


def nothing_due_message(next_due: datetime | None, now: datetime, has_cards: bool) -> Rendered:
    new = InlineKeyboardButton("🎯 New questions", callback_data="quiz:new")
    if not has_cards:
        text = "No reviews yet: every question you answer becomes a review card. /quiz to start!"
        return text, _keyboard([new])
    when = f" — next review in {humanize(next_due - now)}" if next_due else ""
    return f"✅ Nothing due{when}. Want new questions meanwhile?", _keyboard([new])


def disputes_message(disputes: Sequence[Dispute], bank: Bank) -> Rendered:
    if not disputes:
        return "No open disputes. 🎉", None
    lines = [f"⚑ <b>{len(disputes)} open dispute{'s' if len(disputes) != 1 else ''}</b>", ""]
    buttons = []
    for d in disputes:
        q = bank.get(d.question_id)
        where = f" ({q.citation})" if q else " (no longer in the bank)"
        who = name(d.user_name) if d.user_name else "a user who left"
        lines.append(f"<b>#{d.id}</b> <code>{escape(d.question_id)}</code>{where} — {who}:")
        lines.append(f"<i>{escape(d.text[:300])}</i>")
        lines.append("")
        buttons.append(InlineKeyboardButton(f"✔ #{d.id}", callback_data=f"disp:r:{d.id}"))
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    return fit("\n".join(lines).rstrip()), _keyboard(*rows)
