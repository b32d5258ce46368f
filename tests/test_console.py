"""``python -m bot console`` as a process: piped answers, pause and resume, Ctrl-C."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path


def console_env(db: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


def run_console(db: Path, stdin: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *extra],
        input=stdin,
        capture_output=True,
        text=True,
        env=console_env(db),
        timeout=60,
        check=False,
    )


def test_a_round_from_piped_answers(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    # A fixed seed: the same three questions every run, all missed by these answers.
    result = run_console(db, "1\nnot-a-number\n2\n1\n", "--questions", "3", "--seed", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    header = out.splitlines()[:2]
    assert "Atlantic Council" in header[0]
    assert "q or Ctrl-C quits" in header[1]
    assert out.count("Question ") == 3
    assert "Type a number from 1 to" in out
    assert "Round over:" in out
    assert "Next: python -m bot console" in out
    [missed] = [line for line in out.splitlines() if line.startswith("To review:")]
    paragraphs = missed.removeprefix("To review: ").split(", ")
    assert len(paragraphs) >= 2 and len(paragraphs) == len(set(paragraphs))  # none twice
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 3
        assert raw.execute("SELECT state FROM rounds").fetchone()[0] == "finished"
        # the console's player is on no Telegram board
        assert raw.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 0


def test_the_console_pauses_at_the_end_of_input_and_resumes(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    first = run_console(db, "1\n", "--questions", "2")
    assert first.returncode == 0, first.stderr
    assert "Paused" in first.stdout
    second = run_console(db, "1\n")
    assert second.returncode == 0, second.stderr
    assert "Picking up your unfinished round" in second.stdout
    assert "Question 2/2" in second.stdout
    assert "Round over:" in second.stdout


def test_ctrl_c_ends_the_console_at_once_and_keeps_the_round(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--questions", "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=console_env(db),
    )
    assert proc.stdout is not None
    seen = ""
    while not (seen.endswith("> ") and "Question 1/3" in seen):  # the prompt: it waits
        char = proc.stdout.read(1)
        assert char, "the console ended before asking"
        seen += char
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "round is saved" in err
    again = run_console(db, "1\n1\n1\n")
    assert "Picking up your unfinished round" in again.stdout


def test_the_bot_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        env=console_env(tmp_path / "x.sqlite3"),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "python -m bot console" in result.stderr
