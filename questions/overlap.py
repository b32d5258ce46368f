"""Which questions must never share a quiz round (stand-in until the bank branch lands)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from questions.model import Article, Question


def quote_spans(q: Question, article: Article) -> dict[int, list[tuple[int, int]]]:
    spans: dict[int, list[tuple[int, int]]] = {}
    for number in q.paragraphs:
        text = article.paragraph(number)
        start = text.find(q.quote)
        if start >= 0:
            spans.setdefault(number, []).append((start, start + len(q.quote)))
    return spans


def conflicts(questions: Sequence[Question], article: Article) -> Mapping[str, frozenset[str]]:
    """For each question id, the ids that must never appear in the same quiz round with it."""
    spans = {q.id: quote_spans(q, article) for q in questions}
    found: dict[str, set[str]] = {q.id: set() for q in questions}
    for i, a in enumerate(questions):
        for b in questions[i + 1 :]:
            for number, mine in spans[a.id].items():
                theirs = spans[b.id].get(number, [])
                if any(s < e2 and s2 < e for s, e in mine for s2, e2 in theirs):
                    found[a.id].add(b.id)
                    found[b.id].add(a.id)
    return MappingProxyType({k: frozenset(v) for k, v in found.items()})
