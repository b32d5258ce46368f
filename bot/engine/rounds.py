"""Which questions a new round asks, and in what order the options are shown.

A round never holds two questions that conflict (the same or an overlapping quote, or a stem
that gives away another's answer: ``questions.overlap``). It prefers questions the player has
not seen, and spreads over the article: among the questions allowed, one from a paragraph the
round does not cover yet comes first.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from questions.model import Question

NO_CONFLICTS: Mapping[str, frozenset[str]] = {}


def choose_questions(
    pool: Sequence[Question],
    seen: set[str],
    size: int,
    rng: random.Random,
    conflicts: Mapping[str, frozenset[str]] = NO_CONFLICTS,
) -> list[Question]:
    """Up to ``size`` questions from ``pool``: unseen before seen, each group in random
    order, no two conflicting, paragraphs spread as evenly as the pool allows."""
    unseen = [q for q in pool if q.id not in seen]
    again = [q for q in pool if q.id in seen]
    rng.shuffle(unseen)
    rng.shuffle(again)
    candidates = unseen + again
    chosen: list[Question] = []
    blocked: set[str] = set()
    covered: Counter[int] = Counter()
    while len(chosen) < size:
        best: Question | None = None
        best_key: tuple[bool, int] | None = None
        for candidate in candidates:
            if candidate.id in blocked:
                continue
            key = (candidate.id in seen, sum(covered[n] for n in candidate.paragraphs))
            if best_key is None or key < best_key:
                best, best_key = candidate, key
                if key == (False, 0):
                    break  # cannot do better than an unseen question on a new paragraph
        if best is None:
            break
        chosen.append(best)
        candidates.remove(best)
        blocked.add(best.id)
        blocked.update(conflicts.get(best.id, ()))
        covered.update(best.paragraphs)
    return chosen


def option_order(question: Question, rng: random.Random) -> list[int]:
    order = list(range(len(question.options)))
    if not question.is_true_false:  # "True, False" reads best in its usual order
        rng.shuffle(order)
    return order
