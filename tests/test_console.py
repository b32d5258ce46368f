"""``python -m bot console`` with answers piped on stdin."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def run_console(db: Path, stdin: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *extra],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_console_round_from_piped_stdin(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    result = run_console(db, "1\nnot-a-number\n2\n1\n", "--questions", "3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Question ") == 3
    assert "Type a number from 1 to" in out
    assert out.count("Right answer:") == 3
    assert "¶" in out
    assert "Round over:" in out
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 3
        assert raw.execute("SELECT state FROM rounds").fetchone()[0] == "finished"


def test_console_pauses_at_end_of_input_and_resumes(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    first = run_console(db, "1\n", "--questions", "2")
    assert first.returncode == 0, first.stderr
    assert "Paused" in first.stdout
    second = run_console(db, "1\n")
    assert "Picking up your unfinished round" in second.stdout
    assert "Question 2/2" in second.stdout
    assert "Round over:" in second.stdout


def test_bot_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "python -m bot console" in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()


def test_console_review_and_progress(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    assert "answer some questions first" in run_console(db, "", "--review").stdout
    fresh = run_console(db, "", "--progress")
    assert "Mastered 0 of 28 paragraphs" in fresh.stdout
    run_console(db, "1\n1\n", "--questions", "2")
    progress = run_console(db, "", "--progress")
    assert "2 due now" not in progress.stdout  # just answered: not due yet
    review = run_console(db, "", "--review")
    assert "Nothing due — next review in" in review.stdout


def test_disputes_command_lists_open_disputes(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    run_console(db, "q\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "disputes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No open disputes." in result.stdout
    with sqlite3.connect(db) as raw:
        raw.execute(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES (7, 'Eve', 'x', 'x')"
        )
        raw.execute(
            "INSERT INTO disputes (question_id, user_id, text, created_at) VALUES "
            "('sochi-summit-plea', 7, 'Option B is also right', '2026-11-25T12:00:00+00:00')"
        )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "disputes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert "#1 2026-11-25 12:00 UTC sochi-summit-plea" in result.stdout
    assert "from Eve:\n  Option B is also right" in result.stdout
