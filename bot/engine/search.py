"""Search the article: whole words, ``word*`` for a prefix, "quoted phrases".

Matching ignores case and the kind of apostrophe or quote mark (’ and ' are the same). Every
term must appear in a paragraph for it to match; results come in article order with the true
total, so a reply can say "14 paragraphs, showing 1–10".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from questions.model import Article, Question

MAX_TERMS = 10
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"'})
_TERM = re.compile(r'"([^"]+)"|(\S+)')
# A word ends where letters end; a possessive ’s still belongs to it ("Lukashenka’s" is
# "Lukashenka"), an apostrophe inside a word does not end it ("don" is not in "don’t").
_BEFORE = r"(?<![\w'])"
_AFTER = r"(?:'s)?(?!\w|'\w)"


def fold(text: str) -> str:
    """Case- and apostrophe-insensitive form with the same length as ``text``."""
    out = []
    for char in text.translate(_APOSTROPHES):
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class SearchHit:
    paragraph: int
    text: str
    spans: tuple[tuple[int, int], ...]  # matches in ``text``, sorted, not overlapping


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: tuple[str, ...]
    hits: tuple[SearchHit, ...]  # every matching paragraph, in article order

    @property
    def total(self) -> int:
        return len(self.hits)

    def page(self, start: int, size: int) -> tuple[SearchHit, ...]:
        return self.hits[start : start + size]


def parse_terms(query: str) -> list[str]:
    """Terms of a query, folded: words, ``prefix*`` and "quoted phrases"."""
    terms = []
    for phrase, word in _TERM.findall(fold(query)):
        term = (phrase or word).strip()
        if not phrase:
            term = term.strip(".,;:!?()[]{}<>«»")
        if term.strip("'-*\" "):
            terms.append(" ".join(term.split()))
    return terms[:MAX_TERMS]


def _pattern(term: str) -> re.Pattern[str]:
    prefix = term.endswith("*")
    core = term.rstrip("*")
    body = r"\s+".join(re.escape(part) for part in core.split())
    tail = r"[\w']*?" if prefix else ""
    return re.compile(f"{_BEFORE}{body}{tail}{_AFTER}")


def search(article: Article, query: str) -> SearchResult:
    """Paragraphs (body and author line) containing every term of the query."""
    terms = parse_terms(query)
    patterns = [_pattern(t) for t in terms]
    hits: list[SearchHit] = []
    if patterns:
        for number in article.citable:
            text = article.paragraph(number)
            folded = fold(text)
            spans: list[tuple[int, int]] = []
            for pattern in patterns:
                found = [(m.start(), m.end()) for m in pattern.finditer(folded)]
                if not found:
                    break
                spans += found
            else:
                hits.append(SearchHit(number, text, _merge(spans)))
    return SearchResult(query, tuple(terms), tuple(hits))


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def matching_questions(
    questions: Sequence[Question], query: str, limit: int = 10
) -> list[Question]:
    """Questions whose stem or quote has every term of the query (whole words, as in
    :func:`search`), in bank order."""
    patterns = [_pattern(t) for t in parse_terms(query)]
    if not patterns:
        return []
    found = []
    for q in questions:
        text = fold(q.question + " " + q.quote)
        if all(p.search(text) for p in patterns):
            found.append(q)
            if len(found) >= limit:
                break
    return found
