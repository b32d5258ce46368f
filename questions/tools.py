"""Bank tools for whoever keeps the bank: coverage report and exports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator

from questions.model import Bank, Question

_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[“A-Z])")


def export_record(q: Question) -> dict[str, object]:
    return {
        "id": q.id,
        "paragraphs": list(q.paragraphs),
        "topic": q.topic,
        "difficulty": q.difficulty,
        "question": q.question,
        "options": list(q.options),
        "answer": q.answer,
        "explanation": q.explanation,
        "quote": q.quote,
    }


def export_jsonl(bank: Bank) -> str:
    return "".join(json.dumps(export_record(q), ensure_ascii=False) + "\n" for q in bank.questions)


CSV_COLUMNS = (
    "id",
    "paragraphs",
    "topic",
    "difficulty",
    "question",
    *(f"option_{n}" for n in range(1, 11)),
    "answer_index",
    "answer_text",
    "explanation",
    "quote",
)


def export_csv(bank: Bank) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in bank.questions:
        options = list(q.options) + [""] * (10 - len(q.options))
        writer.writerow(
            [
                q.id,
                " ".join(str(n) for n in q.paragraphs),
                q.topic,
                q.difficulty,
                q.question,
                *options,
                q.answer,
                q.correct_option,
                q.explanation,
                q.quote,
            ]
        )
    return buffer.getvalue()


def sentences(paragraph: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, sentence) spans of one paragraph."""
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        yield start, match.start(), paragraph[start : match.start()]
        start = match.end()
    if start < len(paragraph):
        yield start, len(paragraph), paragraph[start:]


def _quote_spans(paragraph: str, quotes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for quote in quotes:
        at = paragraph.find(quote)
        while at != -1:
            spans.append((at, at + len(quote)))
            at = paragraph.find(quote, at + 1)
    return spans


def coverage_report(bank: Bank) -> str:
    article = bank.article
    lines = ["¶    questions  d1 d2 d3  first words", "---  ---------  -- -- --  -----------"]
    untouched: list[str] = []
    total_sentences = 0
    for number in article.citable:
        paragraph = article.paragraph(number)
        questions = bank.for_paragraph(number)
        mix = Counter(q.difficulty for q in questions)
        flag = "  <3" if number <= article.body_count and len(questions) < 3 else ""
        lines.append(
            f"{number:<3}  {len(questions):>9}  {mix[1]:>2} {mix[2]:>2} {mix[3]:>2}  "
            f"{paragraph[:40]}…{flag}"
        )
        spans = _quote_spans(paragraph, [q.quote for q in questions])
        for start, end, sentence in sentences(paragraph):
            total_sentences += 1
            if not any(s < end and start < e for s, e in spans):
                untouched.append(f"¶{number}: {sentence}")
    topics = ", ".join(f"{t} {n}" for t, n in bank.topics().items())
    difficulty = Counter(q.difficulty for q in bank.questions)
    lines += [
        "",
        f"{len(bank)} questions; topics: {topics}",
        f"difficulty: 1: {difficulty[1]}, 2: {difficulty[2]}, 3: {difficulty[3]}",
        "",
        f"Sentences no quote touches ({len(untouched)} of {total_sentences}):",
    ]
    lines += [f"  {s}" for s in untouched] or ["  none"]
    return "\n".join(lines) + "\n"
