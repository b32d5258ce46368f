"""Item analysis of the bank from stored answers: pure Python, no database, no Telegram.

For each question, over every stored answer to it (quiz rounds, reviews and group polls):

- **answers**, **correct** and the **p-value** (difficulty index): correct / answers.
- **median time**: the median answer time in milliseconds, rounded to a whole millisecond.
- **picks** of each option, and the **least-picked distractor**: the wrong option chosen
  least often, with its share of the answers.
- **discrimination**: the upper–lower 27 % index. Each player's *total score* is the share of
  all their answers (to every question) that were right. The players who answered the
  question are ranked by total score (ties broken by user id, so the result is reproducible);
  the top 27 % form the upper group and the bottom 27 % the lower group (each
  ``round(0.27 × players)`` players, at least one). A player's *item score* is the share of
  their answers to this question that were right (1 or 0 for a single answer).
  D = mean item score of the upper group − mean item score of the lower group, from −1 to +1.
  It needs at least :data:`MIN_PLAYERS` players; below that it is unknown (None).

Flags: too easy (p > 0.95), too hard (p < 0.25), negative discrimination (D < 0), a
distractor nobody picks (once the question has at least 30 answers), open disputes.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from questions.model import Bank, Question

GROUP_SHARE = 0.27
MIN_PLAYERS = 4
TOO_EASY = 0.95
TOO_HARD = 0.25
MIN_ANSWERS_FOR_DISTRACTORS = 30
METHOD = (
    "Discrimination: upper–lower 27 % index. Players who answered a question are ranked by "
    "their total score (share of all their answers that were right); D is the share right "
    "in the top 27 % minus the share right in the bottom 27 % (at least "
    f"{MIN_PLAYERS} players)."
)


class Response(Protocol):
    """One stored answer (``storage.analytics.AnswerRow`` is one)."""

    @property
    def question_id(self) -> str: ...
    @property
    def user_id(self) -> int: ...
    @property
    def chosen(self) -> int: ...  # bank option index
    @property
    def correct(self) -> bool: ...
    @property
    def elapsed_ms(self) -> int: ...


class Flag(StrEnum):
    TOO_EASY = "too-easy"
    TOO_HARD = "too-hard"
    NEGATIVE = "negative-discrimination"
    UNPICKED = "unpicked-distractor"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]


FLAG_LABELS: dict[Flag, str] = {
    Flag.TOO_EASY: f"too easy (> {TOO_EASY:.0%} right)",
    Flag.TOO_HARD: f"too hard (< {TOO_HARD:.0%} right)",
    Flag.NEGATIVE: "negative discrimination",
    Flag.UNPICKED: f"a distractor nobody picks (≥ {MIN_ANSWERS_FOR_DISTRACTORS} answers)",
    Flag.DISPUTED: "open disputes",
}


@dataclass(frozen=True, slots=True)
class ItemStats:
    question: Question
    answers: int
    correct: int
    players: int  # distinct players who answered it
    picks: tuple[int, ...]  # answers choosing each bank option
    median_ms: int | None
    discrimination: float | None
    disputes: int  # open disputes

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def p_value(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    def pick_share(self, option: int) -> float | None:
        return self.picks[option] / self.answers if self.answers else None

    @property
    def least_picked(self) -> int | None:
        """The bank index of the wrong option picked least often (the first on a tie)."""
        if not self.answers:
            return None
        wrong = [i for i in range(len(self.picks)) if i != self.question.answer]
        return min(wrong, key=lambda i: (self.picks[i], i)) if wrong else None

    @property
    def least_picked_share(self) -> float | None:
        option = self.least_picked
        return None if option is None else self.pick_share(option)

    @property
    def flags(self) -> tuple[Flag, ...]:
        found = []
        p = self.p_value
        if p is not None and p > TOO_EASY:
            found.append(Flag.TOO_EASY)
        if p is not None and p < TOO_HARD:
            found.append(Flag.TOO_HARD)
        if self.discrimination is not None and self.discrimination < 0:
            found.append(Flag.NEGATIVE)
        option = self.least_picked
        if (
            option is not None
            and self.answers >= MIN_ANSWERS_FOR_DISTRACTORS
            and self.picks[option] == 0
        ):
            found.append(Flag.UNPICKED)
        if self.disputes:
            found.append(Flag.DISPUTED)
        return tuple(found)


def total_scores(responses: Iterable[Response]) -> dict[int, float]:
    """Each player's share of right answers over all their answers."""
    right: defaultdict[int, int] = defaultdict(int)
    count: defaultdict[int, int] = defaultdict(int)
    for r in responses:
        count[r.user_id] += 1
        right[r.user_id] += bool(r.correct)
    return {user: right[user] / count[user] for user in count}


def group_size(players: int) -> int:
    """How many players the upper (and the lower) group holds."""
    return max(1, int(GROUP_SHARE * players + 0.5))


def discrimination(item: Mapping[int, float], totals: Mapping[int, float]) -> float | None:
    """Upper–lower 27 % index: ``item`` maps each player who answered the question to their
    item score (share right), ``totals`` every player to their total score."""
    if len(item) < MIN_PLAYERS:
        return None
    ranked = sorted(item, key=lambda user: (totals[user], user))
    size = group_size(len(ranked))
    lower, upper = ranked[:size], ranked[-size:]
    return sum(item[u] for u in upper) / size - sum(item[u] for u in lower) / size


def analyse(
    bank: Bank, responses: Sequence[Response], disputes: Mapping[str, int] | None = None
) -> list[ItemStats]:
    """Statistics of every question of the bank, in bank order. Answers to questions no
    longer in the bank still count in the players' total scores."""
    disputes = disputes or {}
    totals = total_scores(responses)
    by_question: defaultdict[str, list[Response]] = defaultdict(list)
    for r in responses:
        by_question[r.question_id].append(r)
    return [
        _item(q, by_question.get(q.id, []), totals, disputes.get(q.id, 0)) for q in bank.questions
    ]


def _item(
    question: Question,
    answers: Sequence[Response],
    totals: Mapping[int, float],
    disputes: int,
) -> ItemStats:
    picks = [0] * len(question.options)
    right: defaultdict[int, int] = defaultdict(int)
    count: defaultdict[int, int] = defaultdict(int)
    for r in answers:
        if 0 <= r.chosen < len(picks):
            picks[r.chosen] += 1
        count[r.user_id] += 1
        right[r.user_id] += bool(r.correct)
    item = {user: right[user] / count[user] for user in count}
    times = [r.elapsed_ms for r in answers]
    return ItemStats(
        question=question,
        answers=len(answers),
        correct=sum(bool(r.correct) for r in answers),
        players=len(count),
        picks=tuple(picks),
        median_ms=round(statistics.median(times)) if times else None,
        discrimination=discrimination(item, totals),
        disputes=disputes,
    )


# the terminal report ------------------------------------------------------------------------


def _num(value: float | None, digits: int = 2, *, sign: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _seconds(ms: int | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.1f}s"


REPORT_COLUMNS = (
    ("¶", 6),
    ("topic", 11),
    ("diff", 4),
    ("answers", 7),
    ("right", 5),
    ("p", 5),
    ("D", 6),
    ("median", 7),
    ("least", 5),
    ("disp", 4),
)


def report(items: Sequence[ItemStats]) -> str:
    """A fixed-width table of the items, then the flagged ones, then how D is computed."""
    id_width = max([len("id"), *(len(s.id) for s in items)])
    columns = (("id", id_width), *REPORT_COLUMNS)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, (_, width)) in enumerate(zip(cells, columns, strict=True))
        ).rstrip()

    head = line([name for name, _ in columns])
    lines = [head, "-" * len(head)]
    for s in items:
        least = s.least_picked_share
        lines.append(
            line(
                [
                    s.id,
                    ",".join(str(n) for n in s.question.paragraphs),
                    s.question.topic,
                    str(s.question.difficulty),
                    str(s.answers),
                    str(s.correct),
                    _num(s.p_value),
                    _num(s.discrimination, sign=True),
                    _seconds(s.median_ms),
                    "—" if least is None else f"{least:.0%}",
                    str(s.disputes),
                ]
            )
        )
    answered = sum(1 for s in items if s.answers)
    answers = sum(s.answers for s in items)
    lines += ["", f"{len(items)} questions, {answered} with answers; answers stored: {answers}."]
    flagged = [s for s in items if s.flags]
    if flagged:
        lines += ["", "Flagged:"]
        lines += [f"  {s.id}: {'; '.join(f.label for f in s.flags)}" for s in flagged]
    lines += ["", METHOD]
    return "\n".join(lines) + "\n"
