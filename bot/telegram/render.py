"""Every message and keyboard the bot sends, in Telegram HTML, within Telegram's limits.

All user and bank text is escaped here. Lengths are checked the way Telegram counts them,
in UTF-16 code units: 4,096 for a message, 200 for a toast. Long lists are cut only between
whole entries, never inside markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, SwitchInlineQueryChosenChat

from bot.engine.clock import COMMON_ZONES, format_minute, zone, zone_label
from bot.engine.scoring import GLOBAL_BOARD, Activity
from bot.engine.search import SearchHit, SearchResult
from bot.engine.social import Challenge, DailyQuiz, HeadToHead, WeeklyRecap
from bot.engine.study import DisputePage, Mark, Progress, TopicLine, humanize
from bot.engine.views import (
    AnswerOutcome,
    Board,
    OpenRound,
    PollResult,
    Profile,
    QuestionView,
    RoundRequest,
    RoundSummary,
    Status,
)
from bot.telegram import callbacks as cb
from questions.model import TOPICS, Article, Bank, Question
from storage.models import BoardEntry, Dispute, Reminder, RoundMode, RoundState

MAX_TEXT = 4096
MAX_TOAST = 200
MAX_NAME = 32
LETTERS = "ABCDEFGHIJ"
ARTICLE = "an Atlantic Council UkraineAlert analysis by Vladislav Davidzon"
ARTICLE_SUBJECT = "Belarus–Ukraine relations after the August 2020 protests"
SEARCH_PAGE = 10
GOAL_CHOICES = (5, 10, 15, 20, 30, 50)
DEFAULT_SIZE = 10
DISPUTE_NOTE_CHARS = 300

Rendered = tuple[str, InlineKeyboardMarkup | None]

TOASTS: dict[Status, str] = {
    Status.UNKNOWN_ROUND: "This quiz no longer exists. Tap ▶️ Quiz in /start for a new one.",
    Status.NOT_YOURS: "This is someone else's quiz. Send /quiz to start your own.",
    Status.ROUND_OVER: "This quiz is over. Send /quiz to play again.",
    Status.STALE: "That question has moved on.",
    Status.ALREADY_ANSWERED: "You already answered this one.",
    Status.INVALID: "That button is not valid any more.",
    Status.CLOSED: "This question is closed.",
}


# primitives ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Telegram's HTML needs only <, > and & escaped; quotes stay readable."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def flatten(text: str) -> str:
    """One line: runs of whitespace (newlines, tabs) become single spaces."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    text = flatten(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def name(text: str) -> str:
    """A user's display name, on one line, shortened and escaped for HTML."""
    return escape(shorten(text, MAX_NAME) or "?")


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Last line of defence: keep whole lines, with every tag closed, up to the limit."""
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    size = utf16_len("\n…")
    for line in text.split("\n"):
        cost = utf16_len(line) + 1
        if size + cost > limit:
            break
        kept.append(line)
        size += cost
    while kept and _open_tags("\n".join(kept)):
        kept.pop()
    return "\n".join(kept) + "\n…"


def _open_tags(text: str) -> bool:
    opened = len(re.findall(r"<(b|i|s|u|code|blockquote|a)[ >]", text))
    closed = len(re.findall(r"</(b|i|s|u|code|blockquote|a)>", text))
    return opened != closed


def notice(status: Status) -> str:
    """The short text a refused button press gets (answerCallbackQuery, ≤ 200 chars)."""
    return TOASTS.get(status, "Sorry, that did not work.")[:MAX_TOAST]


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    kept = tuple(tuple(row) for row in rows if row)
    return InlineKeyboardMarkup(kept) if kept else None


def button(text: str, data: cb.Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.data)


def url_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, url=url)


def chunks(
    buttons: Sequence[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def QUIZ_BUTTON() -> InlineKeyboardButton:  # noqa: N802 - reads like the constant it is
    return button("▶️ Quiz", cb.StartButton(cb.Ask.QUIZ, DEFAULT_SIZE))


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


# menus and help -------------------------------------------------------------------------------


def start_message(
    first_name: str, questions: int, paragraphs: int, due: int, activity: Activity
) -> Rendered:
    lines = [
        f"👋 <b>Hi {name(first_name)}!</b> I quiz you on one article and help you remember it.",
        f"📰 {escape(ARTICLE)}, on {escape(ARTICLE_SUBJECT)}.",
        f"Every answer is cited with the article’s own words: {questions} questions, "
        f"{paragraphs} paragraphs.",
    ]
    status = streak_line(activity)
    if due:
        status = (status + " · " if status else "") + f"🔁 {plural(due, 'review')} due"
    if status:
        lines.append(status)
    return "\n".join(lines), menu_keyboard(due)


def menu_keyboard(due: int) -> InlineKeyboardMarkup | None:
    review = f"🔁 Review ({due})" if due else "🔁 Review"
    return keyboard(
        [QUIZ_BUTTON(), button(review, cb.StartButton(cb.Ask.REVIEW))],
        [
            button("📖 Read", cb.ScreenButton(cb.Screen.READ)),
            button("📊 Me", cb.ScreenButton(cb.Screen.ME)),
            button("🏆 Top", cb.ScreenButton(cb.Screen.TOP)),
        ],
        [button("❓ Help", cb.ScreenButton(cb.Screen.HELP))],
    )


POINTS_RULE = (
    "<b>Points</b>: a right answer earns 1 point on each board — once per question: the "
    "all-time board once ever, a weekly board once per week, a chat’s board once per chat. "
    "A question you already earned a point for adds none when you replay or review it (it "
    "still trains your memory). Equal points share a rank; the faster total answer time is "
    "listed first."
)


def group_help_message(questions: int, paragraphs: int, private_url: str) -> Rendered:
    text = (
        "<b>Quizzes in this chat</b>\n"
        f"I run quiz polls on {escape(ARTICLE)}, on {escape(ARTICLE_SUBJECT)} ({questions} "
        f"questions on its {paragraphs} paragraphs). Tap an option in each poll; when it "
        "closes I post the right answer, who got it (fastest first) and the article’s own "
        "words.\n\n"
        f"/quiz — 5 polls of 30 s · /quiz 10 20s — ten of 20 s · /quiz TOPIC — one topic "
        "(/topics)\n"
        "/stop — end it (its starter or an admin)\n"
        "/daily 09:00 Europe/Kyiv 5 20s — a daily quiz here, with a weekly recap (admins) · "
        "/daily off\n"
        "/top — this chat’s board · /top week — this chat’s week · /me — your points here\n"
        "/read N — paragraph N\n\n"
        f"{POINTS_RULE}\n\n"
        "Reviews, your progress, reminders and challenges are in a private chat with me."
    )
    return text, keyboard([url_button("💬 Open private chat", private_url)])


def help_message(questions: int, paragraphs: int) -> Rendered:
    text = (
        "<b>How to play</b>\n"
        f"I ask multiple-choice questions about {escape(ARTICLE)}, on "
        f"{escape(ARTICLE_SUBJECT)}: {questions} questions on its {paragraphs} paragraphs. "
        "Tap an option (or type its letter or number). After each answer: the right option, "
        "why, and the paragraph (¶) with the article’s own words.\n\n"
        "/quiz — 10 questions · /quiz 5 — five · /quiz TOPIC — one topic (/topics)\n"
        "/read N — read paragraph N · /search WORDS — find paragraphs "
        '(<code>word*</code> for a prefix, "quotes" for a phrase)\n'
        "/me — points, streak, goal, ranks · /top — the scoreboard (/top week, /top all)\n"
        "/stop — end the current quiz\n\n"
        "<b>Study</b>\n"
        "/review — questions due for review (spaced repetition)\n"
        "/progress — your mastery map of the paragraphs · /topics — topics and accuracy\n"
        "/remind 8am Europe/Kyiv — a daily nudge in your time zone · /remind off\n"
        "/goal N — your daily goal (default 10 answers)\n"
        "⚑ Report under an answer — tell the bank keepers a question is wrong\n"
        "/forget — delete everything I store about you\n\n"
        "<b>Groups</b>\n"
        "/quiz 5 20s — five quiz polls of 20 seconds · /stop — end it (starter or admin)\n"
        "/daily 09:00 Europe/Kyiv 5 20s — a daily quiz here, with a weekly recap (admins) · "
        "/daily off\n"
        "/top — this chat’s board · /top week — this chat’s week\n\n"
        "<b>Friends</b>\n"
        "⚔️ Challenge a friend under a finished quiz: they get your questions, then both of "
        "you see the head-to-head. Type my @username in any chat to share a question.\n\n"
        f"{POINTS_RULE}\n"
        "<b>Streak</b>: 🔥 grows with each day (in your time zone) with at least one answer."
    )
    return text, keyboard([QUIZ_BUTTON(), button("🏠 Menu", cb.ScreenButton(cb.Screen.MENU))])


def private_only_message(what: str, url: str) -> Rendered:
    return (
        f"{escape(what)} works in a private chat with me.",
        keyboard([url_button("💬 Open private chat", url)]),
    )


# questions and feedback -----------------------------------------------------------------------


def topic_label(topic: str) -> str:
    """A topic as people read it: ``minsk-talks`` → ``Minsk talks``."""
    return topic.replace("-", " ").capitalize()


def round_label(label: str) -> str:
    """A round's stored label (a topic's name, ``¶N``, ``your mistakes``) as people read it."""
    return topic_label(label) if label in TOPICS else label


def round_word(mode: RoundMode) -> str:
    return "Review" if mode is RoundMode.REVIEW else "Question"


def question_message(view: QuestionView) -> Rendered:
    q = view.question
    head = f"<b>{round_word(view.mode)} {view.number}/{view.total}</b>"
    if view.score.answered:
        head += f" · Score {view.score.right}/{view.score.answered}"
    lines = [f"{head} · <i>{escape(topic_label(q.topic))}</i>", "", escape(q.question), ""]
    lines += [f"<b>{LETTERS[i]}.</b> {escape(option)}" for i, option in enumerate(view.options)]
    buttons = [
        button(LETTERS[i], cb.AnswerButton(view.round_id, view.position, i))
        for i in range(len(view.options))
    ]
    return fit("\n".join(lines)), keyboard(*chunks(buttons, 5))


_REFERENCE = re.compile(r"\s*\(¶\d+(?:[,–-] ?¶?\d+)*\)\.?$")


def explanation(q: Question) -> str:
    """The explanation without its trailing (¶N): the citation line gives the paragraph."""
    return _REFERENCE.sub(".", q.explanation).replace("..", ".")


def citation(q: Question) -> str:
    return f"📖 {q.citation}: <blockquote>{escape(q.quote)}</blockquote>"


def streak_line(activity: Activity | None) -> str:
    if activity is None or not activity.streak:
        return ""
    line = f"🔥 {activity.streak}-day streak"
    if not activity.answered_today:
        line += " — answer one today to keep it"
    return line


def goal_line(activity: Activity | None) -> str:
    if activity is None:
        return ""
    if activity.today >= activity.goal:
        return f"🎯 today {activity.today}/{activity.goal} ✅"
    return f"🎯 today {activity.today}/{activity.goal}"


@lru_cache(maxsize=1024)
def _teaching(q: Question) -> tuple[str, str, str, str]:
    """A question's stem, right option, explanation and cited quote, escaped (the same for
    every answer to it)."""
    return escape(q.question), escape(q.correct_option), escape(explanation(q)), citation(q)


def feedback_message(
    outcome: AnswerOutcome, now: datetime, challenge: str | None = None
) -> Rendered:
    """The answer's verdict, why, and the cited quote; after a round's last question it
    ends with the round's recap and the next steps."""
    assert outcome.view is not None  # noqa: S101 - only answered outcomes are rendered
    view, q = outcome.view, outcome.view.question
    verdict = "✅ <b>Correct!</b>" if outcome.correct else "❌ <b>Not quite.</b>"
    where = f"{round_word(view.mode)} {view.number}/{view.total}"
    if outcome.score is not None:
        where += f" · Score {outcome.score.right}/{outcome.score.answered}"
    stem, right, why, cited = _teaching(q)
    lines = [f"{verdict}  <i>{where}</i>", "", stem, ""]
    if not outcome.correct:
        if outcome.chosen is not None:
            lines.append(f"Your answer: <s>{escape(q.options[outcome.chosen])}</s>")
        lines.append(f"Right answer: <b>{right}</b>")
    else:
        lines.append(f"<b>{right}</b>")
    lines += ["", why, "", cited]
    extras = []
    if outcome.correct:
        extras.append("+1 point" if outcome.points else "no new point (earned before)")
    if outcome.activity is not None and outcome.summary is None:
        extras += [x for x in (streak_line(outcome.activity), goal_line(outcome.activity)) if x]
    if extras:
        lines += ["", " · ".join(extras)]
    for number in outcome.mastered:
        lines.append(f"{Mark.MASTERED} <b>¶{number} mastered!</b>")
    if outcome.activity is not None and outcome.activity.goal_reached_now:
        lines.append("🎉 Daily goal reached!")
    row: list[InlineKeyboardButton] = []
    if outcome.next_position is not None:
        row.append(button("Next ▶", cb.NextButton(view.round_id, outcome.next_position)))
    row.append(
        button(f"📖 Read ¶{q.paragraph}", cb.ReadButton(q.paragraph, view.round_id, view.position))
    )
    row.append(button("⚑ Report", cb.DisputeButton(view.round_id, view.position)))
    rows = [row]
    if outcome.summary is not None:
        lines += ["", "━━━━━━━━━━", *recap_lines(outcome.summary, outcome.activity, now)]
        if outcome.offer_reminder and outcome.status is Status.OK:
            lines += ["", REMINDER_OFFER]
        rows += recap_rows(
            outcome.summary, offer_reminder=outcome.offer_reminder, challenge=challenge
        )
    return fit("\n".join(lines)), keyboard(*rows)


REMINDER_OFFER = "⏰ Want a daily nudge to keep your streak? One tap:"


def recap_lines(summary: RoundSummary, activity: Activity | None, now: datetime) -> list[str]:
    """The end of a private round: the score, and each missed question's right answer."""
    mine = summary.lines[0] if summary.lines else None
    right, answered = (mine.points, mine.answered) if mine else (0, 0)
    what = "Review" if summary.mode is RoundMode.REVIEW else "Quiz"
    if summary.label and summary.mode is not RoundMode.REVIEW:
        what += f" on {escape(shorten(round_label(summary.label), MAX_NAME + 14))}"
    verb = "stopped" if summary.state is RoundState.STOPPED else "complete"
    head = f"🏁 <b>{what} {verb}</b> · {right}/{answered} right"
    if summary.mode is not RoundMode.REVIEW:
        head += f" · +{plural(summary.points, 'point')}"
    lines = [head]
    if summary.perfect:
        lines.append("🌟 Perfect round!")
    if summary.mode is RoundMode.REVIEW and summary.due_now:
        lines.append(f"🔁 {plural(summary.due_now, 'more card')} due now.")
    elif summary.mode is RoundMode.REVIEW and summary.next_review is not None:
        lines.append(f"Next review in {humanize(summary.next_review - now)}.")
    extras = [x for x in (streak_line(activity), goal_line(activity)) if x]
    if extras:
        lines.append(" · ".join(extras))
    if summary.missed:
        lines += ["", f"<b>Missed ({len(summary.missed)})</b>"]
        for q in summary.missed[:10]:
            lines.append(
                f"• {escape(shorten(q.question, 120))} → <b>{escape(q.correct_option)}</b> "
                f"({q.citation})"
            )
        if len(summary.missed) > 10:
            lines.append(f"… and {len(summary.missed) - 10} more")
    return lines


def recap_rows(
    summary: RoundSummary, *, offer_reminder: bool = False, challenge: str | None = None
) -> list[list[InlineKeyboardButton]]:
    first: list[InlineKeyboardButton] = []
    if summary.mode is RoundMode.REVIEW and summary.due_now:
        first.append(button(f"🔁 Review {summary.due_now} more", cb.StartButton(cb.Ask.REVIEW)))
    if summary.missed:
        first.append(
            button("🔁 Retry my mistakes", cb.StartButton(cb.Ask.RETRY, summary.round_id))
        )
    first.append(button("🎯 New quiz", cb.StartButton(cb.Ask.QUIZ, DEFAULT_SIZE)))
    second = [button("📊 My stats", cb.ScreenButton(cb.Screen.ME))]
    if challenge is not None:
        second.append(challenge_button(challenge))
    rows = [first, second]
    if offer_reminder:
        rows.append(reminder_choices())
    return rows


def recap_message(summary: RoundSummary, activity: Activity | None, now: datetime) -> Rendered:
    return fit("\n".join(recap_lines(summary, activity, now))), keyboard(*recap_rows(summary))


def reminder_choices() -> list[InlineKeyboardButton]:
    return [
        button("🌅 08:00", cb.ReminderButton(8 * 60)),
        button("🌙 20:00", cb.ReminderButton(20 * 60)),
        button("🕐 Pick a time", cb.ReminderButton(cb.ReminderButton.PICK)),
    ]


def hour_choices() -> InlineKeyboardMarkup | None:
    hours = [6, 7, 8, 9, 12, 17, 18, 20, 21]
    buttons = [button(f"{h:02d}:00", cb.ReminderButton(h * 60)) for h in hours]
    return keyboard(*chunks(buttons, 3))


def request_label(request: RoundRequest) -> str:
    if request.mode is RoundMode.REVIEW:
        return "🆕 Start the review"
    if request.mode is RoundMode.RETRY:
        return "🆕 Retry my mistakes"
    if request.paragraph is not None:
        return f"🆕 New quiz on ¶{request.paragraph}"
    if request.topic is not None:
        return f"🆕 New {request.size}-question {topic_label(request.topic)} quiz"
    return f"🆕 New {request.size}-question quiz"


def open_round_message(open_round: OpenRound, new: cb.Button, new_label: str) -> Rendered:
    what = {RoundMode.REVIEW: "review", RoundMode.CHALLENGE: "challenge"}.get(
        open_round.mode, "quiz"
    )
    text = (
        f"You have a {what} open (question {open_round.number}/{open_round.total}). "
        "Continue it, or end it and start the new one?"
    )
    if open_round.mode is RoundMode.CHALLENGE and open_round.position > 0:
        text += " Ending it ends your try at the challenge."
    return text, keyboard(
        [button("▶ Continue", cb.ContinueButton(open_round.round_id)), button(new_label, new)]
    )


def round_waits_message(open_round: OpenRound) -> Rendered:
    """A message that answers nothing while a round is open: where it stands, one tap on."""
    what = "review" if open_round.mode is RoundMode.REVIEW else "quiz"
    return (
        f"Your {what} is at question {open_round.number}/{open_round.total}. ▶ Continue shows "
        "it; then tap an option or type its letter.",
        keyboard([button("▶ Continue", cb.ContinueButton(open_round.round_id))]),
    )


def stopped_message(summary: RoundSummary | None, now: datetime) -> Rendered:
    if summary is None or not summary.lines:
        what = "Review" if summary is not None and summary.mode is RoundMode.REVIEW else "Quiz"
        return f"⏹ {what} stopped before any answer.", keyboard(
            [QUIZ_BUTTON(), button("🏠 Menu", cb.ScreenButton(cb.Screen.MENU))]
        )
    return recap_message(summary, None, now)


# group rounds ---------------------------------------------------------------------------------


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


def group_intro_message(total: int, seconds: int, topic: str | None) -> str:
    on = f" on <i>{escape(topic_label(topic))}</i>" if topic else ""
    return (
        f"🎯 <b>Quiz{on}</b>: {plural(total, 'question')}, {seconds} s each. Tap an option in "
        "each poll: 1 point per right answer (once per question per board). /stop ends it."
    )


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
    lines += ["", escape(explanation(q)), "", citation(q)]
    return fit("\n".join(lines))


def _medal(rank: int, points: int) -> str:
    """🥇🥈🥉 for the first three places that scored; a number otherwise."""
    return "🥇🥈🥉"[rank - 1] if rank <= 3 and points > 0 else f"{rank}."


def round_table_message(summary: RoundSummary) -> Rendered:
    """A group round's final table, with the chat's board one tap away."""
    verb = "stopped" if summary.state is RoundState.STOPPED else "over"
    lines = [f"🏁 <b>Quiz {verb}</b> — final table", ""]
    board = keyboard([button("🏆 This chat’s board", cb.ScreenButton(cb.Screen.TOP))])
    if not summary.lines:
        lines.append("Nobody answered. /quiz starts a new one.")
        return "\n".join(lines), board
    for line in summary.lines[:20]:
        lines.append(
            f"{_medal(line.rank, line.points)} {name(line.player.name)} — "
            f"<b>{line.points}</b>/{line.answered}"
            f" · {_seconds(line.time_ms)}"
        )
    if len(summary.lines) > 20:
        lines.append(f"+{len(summary.lines) - 20} more")
    lines += [
        "",
        "Right answers/answered · total time of the right answers. Equal points share a "
        "rank; the faster time is listed first.",
    ]
    return fit("\n".join(lines)), board


# scoreboards and stats ------------------------------------------------------------------------


def _entry_line(entry: BoardEntry, me: int) -> str:
    marker = " ← you" if entry.user_id == me else ""
    medal = _medal(entry.rank, entry.points)
    return f"{medal} {name(entry.name)} — <b>{entry.points}</b>{marker}"


def board_message(board: Board, me: int, *, group: bool = False) -> Rendered:
    lines = [f"🏆 <b>Scoreboard · {escape(board.title)}</b>", ""]
    if not board.top:
        lines.append("Nobody has scored here yet. Send /quiz to be the first!")
    else:
        lines += [_entry_line(entry, me) for entry in board.top]
        if board.me is not None:
            lines += ["…", _entry_line(board.me, me)]
        lines += [
            "",
            f"{plural(board.players, 'player')} · 1 point per question per board; equal "
            "points share a rank, the faster total time is listed first.",
        ]
    if group:
        return fit("\n".join(lines)), None
    weekly = board.board != GLOBAL_BOARD
    other = (
        button("🏆 All time", cb.ScreenButton(cb.Screen.TOP))
        if weekly
        else button("📅 This week", cb.ScreenButton(cb.Screen.TOP_WEEK))
    )
    return fit("\n".join(lines)), keyboard(
        [other, QUIZ_BUTTON(), button("📊 Me", cb.ScreenButton(cb.Screen.ME))]
    )


def bar(share: float, width: int = 6) -> str:
    filled = round(max(0.0, min(share, 1.0)) * width)
    return "▓" * filled + "░" * (width - filled)


def group_profile_message(profile: Profile, private_url: str) -> Rendered:
    """/me in a group: this chat's points and ranks; the rest is in the private chat."""
    p = profile
    here = p.chat_rank
    lines = [f"👤 <b>{name(p.player.name)}</b>"]
    if here is None or not here.points:
        lines.append("No points in this chat yet: /quiz starts a round here.")
    else:
        lines.append(f"In this chat: <b>{plural(here.points, 'point')}</b> · #{here.rank}")
    if p.answered:
        ranks = [("all time", p.global_rank), ("this week", p.week_rank)]
        shown = [f"{plural(p.points, 'point')}"]
        shown += [f"#{e.rank} {label}" for label, e in ranks if e is not None]
        lines.append("Everywhere: " + " · ".join(shown))
    return "\n".join(lines), keyboard(
        [
            button("🏆 This chat’s board", cb.ScreenButton(cb.Screen.TOP)),
            url_button("💬 My progress", private_url),
        ]
    )


def profile_message(profile: Profile) -> Rendered:
    """/me in a private chat."""
    p = profile
    lines = [f"👤 <b>{name(p.player.name)}</b>", ""]
    if not p.answered:
        lines.append("No answers yet. Tap ▶️ Quiz to start!")
        return "\n".join(lines), keyboard([QUIZ_BUTTON()])
    lines.append(f"Points: <b>{p.points}</b> · answered {p.answered} · accuracy {p.accuracy:.0%}")
    streak = streak_line(p.activity) or "🔥 no streak yet — answer one today to start"
    lines.append(f"{streak} (best {p.activity.best})")
    lines.append(goal_line(p.activity) + " (daily goal: /goal)")
    lines.append(
        f"🗺 Mastered {p.mastered} of {p.paragraphs} paragraphs · {p.known_share:.0%} of the "
        "article’s questions known"
    )
    if p.due:
        lines.append(f"🔁 {plural(p.due, 'review')} due now")
    ranks = [("global", p.global_rank), ("this week", p.week_rank), ("this chat", p.chat_rank)]
    shown = [f"#{entry.rank} {label}" for label, entry in ranks if entry is not None]
    if shown:
        lines.append("🏆 Rank: " + " · ".join(shown))
    if p.topics:
        lines += ["", "<b>By topic</b>"]
        lines += [
            f"<code>{bar(t.accuracy)}</code> {t.accuracy:.0%} {escape(topic_label(t.topic))} "
            f"({t.answered})"
            for t in p.topics
        ]
    first = [button(f"🔁 Review {p.due} due", cb.StartButton(cb.Ask.REVIEW))] if p.due else []
    first.append(button("🗺 Progress", cb.ScreenButton(cb.Screen.PROGRESS)))
    return fit("\n".join(lines)), keyboard(
        first, [button("🏆 Top", cb.ScreenButton(cb.Screen.TOP)), QUIZ_BUTTON()]
    )


# reading and search ---------------------------------------------------------------------------


def paragraph_message(
    article: Article,
    number: int,
    *,
    round_id: int = 0,
    position: int = 0,
    next_position: int | None = None,
    private: bool = True,
) -> Rendered:
    """A paragraph with ◀ ▶; opened from a feedback message (``round_id``), it keeps the way
    back to the round: ↩ to the answer, and Next ▶ when the round waits for it."""
    last = article.citable.stop - 1
    where = (
        f"¶{number} of {article.body_count}"
        if number <= article.body_count
        else f"¶{number} · about the author"
    )
    text = f"📖 <b>{where}</b>\n\n{escape(article.paragraph(number))}"
    nav: list[InlineKeyboardButton] = []
    if number > 1:
        nav.append(button("◀", cb.ReadButton(number - 1, round_id, position)))
    if number < last:
        nav.append(button("▶", cb.ReadButton(number + 1, round_id, position)))
    rows = [nav]
    if round_id:
        back = [button(f"↩ Back to question {position + 1}", cb.BackButton(round_id, position))]
        if next_position is not None:
            back.append(button("Next ▶", cb.NextButton(round_id, next_position)))
        rows.append(back)
    elif private:
        more = [button("🏠 Menu", cb.ScreenButton(cb.Screen.MENU))]
        if number <= article.body_count:
            more.insert(0, button("🎯 Quiz me on this", cb.StartButton(cb.Ask.PARAGRAPH, number)))
        rows.append(more)
    return fit(text), keyboard(*rows)


SEARCH_HEADER = re.compile(r"for “(.*)”", re.S)


def search_message(result: SearchResult, offset: int = 0) -> Rendered:
    query = flatten(result.query)
    if not result.hits:
        return (
            f"🔎 No paragraph has “{escape(query)}”. Words match whole (Lukashenka also finds "
            "Lukashenka’s); try <code>word*</code> for a prefix, or fewer words.",
            keyboard([button("📖 Read the article", cb.ScreenButton(cb.Screen.READ))]),
        )
    page = result.page(offset, SEARCH_PAGE)
    first, last = offset + 1, offset + len(page)
    count = plural(result.total, "paragraph")
    head = f"🔎 <b>{count}</b>"
    if result.total > SEARCH_PAGE:
        head += f", showing {first}–{last}"
    lines = [f"{head} for “{escape(query)}”", ""]
    for hit in page:
        lines += [f"<b>¶{hit.paragraph}</b> {snippet(hit)}", ""]
    buttons = [
        button(f"📖 ¶{hit.paragraph}", cb.OpenParagraphButton(hit.paragraph)) for hit in page
    ]
    rows = chunks(buttons, 3)
    pages: list[InlineKeyboardButton] = []
    if offset > 0:
        pages.append(button("◀ Back", cb.SearchMoreButton(max(0, offset - SEARCH_PAGE))))
    if last < result.total:
        pages.append(button(f"More ({result.total - last}) ▶", cb.SearchMoreButton(last)))
    rows.append(pages)
    return fit("\n".join(lines).rstrip()), keyboard(*rows)


def query_of(message_text: str | None) -> str | None:
    """The query a search message was for (its header says ``for “…”``)."""
    if not message_text:
        return None
    first = message_text.split("\n", 1)[0]
    match = SEARCH_HEADER.search(first)
    return match[1] if match else None


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
        s, e = max(match_start, start, cursor), min(match_end, end)
        if s >= e:
            continue
        parts += [escape(hit.text[cursor:s]), f"<b>{escape(hit.text[s:e])}</b>"]
        cursor = e
    parts += [escape(hit.text[cursor:end]), "…" if end < len(hit.text) else ""]
    return "".join(parts)


# study ----------------------------------------------------------------------------------------

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
        lines += ["", "Nothing studied yet: start with a quiz, or read ¶1."]
        return "\n".join(lines), keyboard([QUIZ_BUTTON(), button("📖 Read ¶1", cb.ReadButton(1))])
    if progress.due:
        lines.append(f"🔁 {plural(progress.due, 'review')} due now")
    weakest = progress.weakest()
    rows: list[list[InlineKeyboardButton]] = []
    if weakest:
        lines += ["", "<b>Weakest paragraphs</b>"]
        quiz_me = []
        for p in weakest:
            words = " ".join(article.paragraph(p.paragraph).split()[:7])
            lines.append(f"{p.mark} ¶{p.paragraph} ({p.known}/{p.questions}) {escape(words)}…")
            quiz_me.append(
                button(f"🎯 ¶{p.paragraph}", cb.StartButton(cb.Ask.PARAGRAPH, p.paragraph))
            )
        rows.append(quiz_me)
    if progress.due:
        rows.append([button(f"🔁 Review ({progress.due})", cb.StartButton(cb.Ask.REVIEW))])
    lines += [
        "",
        "<i>Mastered: every question of the paragraph answered right last time and not due "
        "for review. 🎯 quizzes you on that paragraph.</i>",
    ]
    return fit("\n".join(lines)), keyboard(*rows)


def topics_message(topics: Sequence[TopicLine], *, private: bool = True) -> Rendered:
    """Private: each topic with the reader's accuracy and a 🎯 button. A group: the topics
    and how to start one there (no one's own figures in a shared chat)."""
    if not private:
        lines = ["📚 <b>Topics</b> — start one here with /quiz and its name:", ""]
        lines += [
            f"<b>{escape(topic_label(t.topic))}</b> · {plural(t.questions, 'question')}"
            for t in topics
        ]
        example = topic_label(topics[0].topic) if topics else "Protests"
        lines += ["", f"e.g. <code>/quiz {escape(example)} 5 20s</code>"]
        return fit("\n".join(lines)), None
    lines = ["📚 <b>Topics</b> — tap one for a quiz on it", ""]
    for t in topics:
        mine = (
            f"<code>{bar(t.correct / t.answered)}</code> {t.correct / t.answered:.0%} of "
            f"{t.answered} answered"
            if t.answered
            else "not tried yet"
        )
        lines.append(
            f"<b>{escape(topic_label(t.topic))}</b> · {plural(t.questions, 'question')} · {mine}"
        )
    buttons = [
        button(f"🎯 {topic_label(t.topic)}", cb.StartButton.for_topic(t.topic)) for t in topics
    ]
    return fit("\n".join(lines)), keyboard(*chunks(buttons, 2))


def nothing_due_message(next_due: datetime | None, now: datetime, has_cards: bool) -> Rendered:
    new = button("🎯 New questions", cb.StartButton(cb.Ask.QUIZ, 10))
    if not has_cards:
        text = "No reviews yet: every question you answer becomes a review card."
        return text, keyboard([new])
    when = f" Next review in {humanize(next_due - now)}." if next_due else ""
    return f"✅ Nothing due.{when} New questions meanwhile?", keyboard([new])


def review_intro(total: int, due: int = 0) -> str:
    """The start of a review round of ``total`` cards, of ``due`` due in all."""
    if due > total:
        return f"🔁 <b>Review</b>: {total} of the {due} cards due (the oldest first)."
    return f"🔁 <b>Review</b>: {plural(total, 'card')} due."


# reminders ------------------------------------------------------------------------------------


def reminder_screen(reminder: Reminder | None) -> Rendered:
    """/remind with no arguments (and the ``remind`` deep link)."""
    if reminder is None:
        return (
            "⏰ No daily reminder yet. Pick a time for a nudge when reviews are due or your "
            "streak needs an answer (or write <code>/remind 20:30 Europe/Kyiv</code>):",
            keyboard(reminder_choices()),
        )
    return (
        f"⏰ Daily reminder at <b>{format_minute(reminder.local_minute)}</b> "
        f"({escape(zone_label(reminder.tz))}).",
        keyboard(_reminder_controls()),
    )


def _reminder_controls() -> list[InlineKeyboardButton]:
    return [
        button("🕐 Change time", cb.ReminderButton(cb.ReminderButton.PICK)),
        button("🔕 Switch off", cb.ReminderButton(cb.ReminderButton.OFF)),
    ]


def reminder_set_message(minute: int, tz: str, *, ask_zone: bool) -> Rendered:
    """The confirmation; ``ask_zone`` when the zone is only the UTC default (Telegram does
    not tell bots anyone's zone): one tap on a zone moves the reminder there."""
    text = (
        f"⏰ Done: every day at <b>{format_minute(minute)}</b> ({escape(zone_label(tz))}) I will "
        "tell you when reviews are due or your streak needs an answer."
    )
    if not ask_zone:
        return text, keyboard(_reminder_controls())
    text += (
        f"\nIs {format_minute(minute)} UTC not your time? Tap your zone, or write "
        "<code>/remind 8am ZONE</code>:"
    )
    zones = [button(f"🌍 {label}", cb.ZoneButton(i)) for i, (label, _) in enumerate(COMMON_ZONES)]
    return text, keyboard(*chunks(zones, 3), _reminder_controls())


def pick_hour_message() -> Rendered:
    return "⏰ Pick the time for your daily nudge:", hour_choices()


def reminders_off_message() -> Rendered:
    return "🔕 Reminders are off. Switch them on again with one tap:", keyboard(reminder_choices())


def goal_screen(goal: int, today: int) -> Rendered:
    """/goal with no arguments (and the ``goal`` deep link): the goal and one-tap changes."""
    text = (
        f"🎯 Daily goal: <b>{plural(goal, 'answer')}</b> a day · today {today}/{goal}. "
        "Tap a new goal (or write <code>/goal N</code>):"
    )
    choices = [
        button(("✅ " if n == goal else "") + str(n), cb.GoalButton(n)) for n in GOAL_CHOICES
    ]
    return text, keyboard(*chunks(choices, 3), [button("📊 Me", cb.ScreenButton(cb.Screen.ME))])


def goal_set_message(goal: int) -> Rendered:
    return f"🎯 Daily goal: <b>{plural(goal, 'answer')}</b> a day.", keyboard(
        [QUIZ_BUTTON(), button("📊 Me", cb.ScreenButton(cb.Screen.ME))]
    )


def reminder_nudge(due: int, streak: int, answered_today: bool) -> Rendered:
    parts = []
    if due:
        parts.append(f"🔁 {plural(due, 'review is', 'reviews are')} due")
    if streak and not answered_today:
        parts.append(f"🔥 your {streak}-day streak needs one answer today")
    rows = [button("🔁 Review now", cb.StartButton(cb.Ask.REVIEW))] if due else []
    rows.append(QUIZ_BUTTON())
    return " · ".join(parts) + ".", keyboard(rows, _reminder_controls())


# disputes -------------------------------------------------------------------------------------


def _dispute_entry(dispute: Dispute, bank: Bank) -> str:
    """One dispute; the note on one line, escaped (users write it)."""
    q = bank.get(dispute.question_id)
    where = f" ({q.citation})" if q else " (no longer in the bank)"
    who = name(dispute.user_name) if dispute.user_name else "a user who left"
    note = escape(shorten(dispute.text, DISPUTE_NOTE_CHARS))
    return (
        f"<b>#{dispute.id}</b> <code>{escape(dispute.question_id)}</code>{where} — {who}:\n"
        f"<i>{note}</i>"
    )


def disputes_message(page: DisputePage, bank: Bank, page_size: int) -> Rendered:
    """One page of open disputes, cut between whole entries to fit one message."""
    if not page.total:
        return "No open disputes. 🎉", None
    header = f"⚑ <b>{plural(page.total, 'open dispute')}</b>"
    lines: list[str] = []
    shown: list[int] = []
    size = utf16_len(header) + 40
    for d in page.disputes[:page_size]:
        entry = _dispute_entry(d, bank)
        if shown and size + utf16_len(entry) + 2 > MAX_TEXT:
            break
        lines += [entry, ""]
        shown.append(d.id)
        size += utf16_len(entry) + 2
    first, last = page.offset + 1, page.offset + len(shown)
    text = f"{header} · showing {first}–{last}\n\n" + "\n".join(lines).rstrip()
    buttons = [button(f"✔ #{i}", cb.ResolveButton(i, page.offset)) for i in shown]
    rows = chunks(buttons, 4)
    nav = []
    if page.offset > 0:
        nav.append(button("◀ Previous", cb.DisputePageButton(max(0, page.offset - page_size))))
    if last < page.total:
        nav.append(button("More ▶", cb.DisputePageButton(last)))
    rows.append(nav)
    return text, keyboard(*rows)


# social play ----------------------------------------------------------------------------------


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "not scheduled"
    local = moment.astimezone(zone(tz))
    return f"{local:%a %-d %b %H:%M} ({zone_label(tz)})"


def daily_message(daily: DailyQuiz | None) -> str:
    if daily is None:
        return (
            "📅 No daily quiz here yet. An admin can set one: "
            "<code>/daily 09:00 Europe/Kyiv 5 20s</code>."
        )
    return (
        f"📅 Daily quiz: every day at <b>{format_minute(daily.minute)}</b> "
        f"({escape(zone_label(daily.tz))}), {plural(daily.size, 'question')} of "
        f"{daily.seconds} s. Next: {escape(_when(daily.next_run, daily.tz))}. "
        "A weekly recap follows on Sundays at 20:00. <code>/daily off</code> removes it."
    )


def daily_intro(total: int, seconds: int) -> str:
    return (
        f"📅 <b>Today’s daily quiz</b>: {plural(total, 'question')}, {seconds} s each. "
        "Tap an option in each poll."
    )


DAILY_SKIPPED = "⏰ Today’s daily quiz is skipped: a quiz is already running here."


def recap_week_message(recap: WeeklyRecap) -> str:
    lines = [f"🗓 <b>The week in review</b> ({escape(recap.week)})", ""]
    lines += [
        f"{_medal(e.rank, e.points)} {name(e.name)} — <b>{e.points}</b>" for e in recap.table
    ]
    lines.append(f"\n{plural(recap.players, 'player')} this week.")
    if recap.missed is not None:
        q = recap.missed
        lines += [
            "",
            f"<b>Most missed</b> ({plural(recap.misses, 'miss', 'misses')}): {escape(q.question)}",
            f"→ <b>{escape(q.correct_option)}</b>",
            citation(q),
        ]
    return fit("\n".join(lines))


def challenge_button(token: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        "⚔️ Challenge a friend",
        switch_inline_query_chosen_chat=SwitchInlineQueryChosenChat(
            query=f"ch_{token}",
            allow_user_chats=True,
            allow_group_chats=True,
            allow_bot_chats=False,
            allow_channel_chats=False,
        ),
    )


def challenge_card_text(challenge: Challenge) -> str:
    return (
        f"⚔️ <b>{name(challenge.owner.name)}</b> got <b>{challenge.score}/{challenge.total}</b> "
        f"on {escape(ARTICLE)} — can you beat that? Same questions, same order."
    )


def challenge_intro(challenge: Challenge) -> str:
    return (
        f"⚔️ <b>{name(challenge.owner.name)}’s challenge</b>: {challenge.score}/"
        f"{challenge.total}. Here are the same {plural(challenge.total, 'question')}, "
        "in the same order. Good luck!"
    )


def head_to_head_keyboard() -> InlineKeyboardMarkup | None:
    return keyboard(
        [
            button("🎯 New quiz", cb.StartButton(cb.Ask.QUIZ, DEFAULT_SIZE)),
            button("🏆 Top", cb.ScreenButton(cb.Screen.TOP)),
        ]
    )


def head_to_head_message(result: HeadToHead) -> str:
    winner = result.winner
    lines = [
        "⚔️ <b>Challenge result</b>",
        f"{name(result.challenger.name)}: <b>{result.challenger_score}/{result.total}</b>"
        f" · {_seconds(result.challenger_ms)}",
        f"{name(result.friend.name)}: <b>{result.friend_score}/{result.total}</b>"
        f" · {_seconds(result.friend_ms)}"
        + (
            f" (stopped after {result.friend_answered})"
            if result.friend_answered < result.total
            else ""
        ),
        "",
        f"🏆 {name(winner.name)} wins!" if winner else "🤝 A draw: same score, same time.",
    ]
    if winner and result.challenger_score == result.friend_score:
        lines.append("(Same score: the faster total answer time wins.)")
    return "\n".join(lines)


def shared_question_text(q: Question) -> str:
    lines = [f"❓ <b>A question on {escape(ARTICLE)}</b>", "", escape(q.question), ""]
    options = list(q.options)
    lines += [f"<b>{LETTERS[i]}.</b> {escape(option)}" for i, option in enumerate(options)]
    return fit("\n".join(lines))
