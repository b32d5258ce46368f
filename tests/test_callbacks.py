"""Callback data: every button kind builds data Telegram accepts and parses back to itself;
anything else parses to nothing."""

from __future__ import annotations

import pytest

from bot.engine.clock import COMMON_ZONES
from bot.telegram import callbacks as cb

EXAMPLES: list[cb.Button] = [
    cb.AnswerButton(10**11, 49, 3),
    cb.NextButton(7, 2),
    cb.ContinueButton(7),
    cb.StartButton(cb.Ask.QUIZ, 10),
    cb.StartButton(cb.Ask.REVIEW, 0, replace=True),
    cb.StartButton.for_topic("minsk-talks"),
    cb.ReadButton(29, 7, 3),
    cb.OpenParagraphButton(12),
    cb.BackButton(7, 3),
    cb.SearchMoreButton(6),
    cb.ScreenButton(cb.Screen.TOP_WEEK),
    cb.DisputeButton(7, 3),
    cb.ReminderButton(cb.ReminderButton.PICK),
    cb.ZoneButton(len(COMMON_ZONES) - 1),
    cb.GoalButton(20),
    cb.CancelNoteButton(),
    cb.ForgetButton(confirm=True),
    cb.ResolveButton(5, 10),
    cb.DisputePageButton(20),
    cb.PollNextButton(7, 4),
    cb.ChallengeButton("A" * 16),
    cb.SharedQuestionButton("k3x9m2pq"),
]


def test_every_kind_has_an_example() -> None:
    assert {type(b) for b in EXAMPLES} == set(cb.KINDS)


@pytest.mark.parametrize("button", EXAMPLES, ids=lambda b: type(b).__name__)
def test_data_round_trips_within_telegrams_limit(button: cb.Button) -> None:
    assert len(button.data.encode()) <= cb.MAX_DATA
    assert cb.parse(button.data) == button


@pytest.mark.parametrize(
    "data",
    ["", "z:9", f"z:{len(COMMON_ZONES)}", "l:1234", "k:other", "a:1:2", "x" * 65, "n:1:2:3"],
)
def test_other_data_is_nothing(data: str) -> None:
    assert cb.parse(data) is None
