"""Reading the bot's messages in tests: which question, which button."""

from __future__ import annotations

import html
import re

from bot.testing.fakeapi import Call
from questions.model import Bank, Question


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def question_of(call: Call, bank: Bank) -> Question:
    body = plain(call.text)
    matches = [q for q in bank.questions if q.question in body]
    assert len(matches) == 1, body
    return matches[0]


def shown_options(call: Call) -> list[str]:
    return [
        line.split(" ", 1)[1]
        for line in plain(call.text).splitlines()
        if re.match(r"^[A-J]\. ", line)
    ]


def option_index(call: Call, bank: Bank, *, correct: bool) -> int:
    q = question_of(call, bank)
    options = shown_options(call)
    return next(i for i, o in enumerate(options) if (o == q.correct_option) == correct)


def button_for(call: Call, bank: Bank, *, correct: bool) -> str:
    """The callback data of a right (or a wrong) option under a question."""
    return call.buttons()[option_index(call, bank, correct=correct)][1]


def data(call: Call, label: str) -> str:
    """The callback data of the button whose label starts with ``label``."""
    found = [d for text, d in call.buttons() if text.startswith(label)]
    assert found, (label, call.buttons())
    return found[0]


def labels(call: Call) -> list[str]:
    return [text for text, _ in call.buttons()]
