"""The bot as a separate process (``python -m bot``) against the fake Bot API over HTTP:
kill -9 mid-stream, re-delivered updates, SIGTERM, secrets in logs, bad bank and config."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests import factories as f
from tests.fakeapi import TOKEN, FakeBotApi

ACK_TEXTS = ("✅ Correct!", "❌ Not quite")


def bot_env(api: FakeBotApi, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{db}",
        LOG_LEVEL="DEBUG",
        **extra,
    )
    return env


@asynccontextmanager
async def bot_process(
    api: FakeBotApi, db: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    mark = len(api.of("setMyCommands"))
    with log.open("ab") as sink:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=bot_env(api, db), stdout=sink, stderr=sink
        )
    try:
        await api.wait_for(lambda: len(api.of("setMyCommands")) > mark, timeout=30)
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def acked(api: FakeBotApi) -> set[str]:
    """Callback ids whose answer the bot acknowledged (its answerCallbackQuery reached us)."""
    return {
        str(c["callback_query_id"])
        for c in api.of("answerCallbackQuery")
        if c.get("text") in ACK_TEXTS
    }


def toasted_since(api: FakeBotApi, mark: int, callback_ids: set[str]) -> bool:
    """Every one of these taps got its answerCallbackQuery after ``mark``."""
    toasted = {str(c["callback_query_id"]) for c in api.since(mark, "answerCallbackQuery")}
    return toasted >= callback_ids


def counts(db: Path) -> tuple[dict[int, int], list[Any]]:
    with sqlite3.connect(db) as raw:
        per_user = dict(
            raw.execute(
                "SELECT user_id, COUNT(*) FROM answers WHERE position = 0 GROUP BY user_id"
            ).fetchall()
        )
        mismatches = raw.execute(
            "SELECT s.user_id, s.points, s.answered, r.points, r.answered FROM scores s JOIN "
            "(SELECT user_id, SUM(correct) AS points, COUNT(*) AS answered FROM answers "
            "GROUP BY user_id) r ON r.user_id = s.user_id "
            "WHERE s.board = 'all' AND (s.points != r.points OR s.answered != r.answered)"
        ).fetchall()
    return per_user, mismatches


async def start_quizzes(api: FakeBotApi, users: list[dict[str, Any]]) -> dict[int, str]:
    """Every user starts a round; return each user's first answer button."""
    mark = len(api.calls)
    for user in users:
        api.push(f.command(user, "/quiz 3"))
    await api.wait_for(lambda: len(api.since(mark, "sendMessage")) >= len(users), timeout=60)
    buttons = {}
    for call in api.since(mark, "sendMessage"):
        options = [data for _, data in call.buttons() if data.startswith("quiz:a:")]
        buttons[int(call["chat_id"])] = options[int(call["chat_id"]) % len(options)]
    return buttons


async def test_kill_9_loses_no_acknowledged_answer_and_redelivery_counts_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    db, log = tmp_path / "crash.sqlite3", tmp_path / "bot.log"
    runs, per_run = 3, 60
    acknowledged: set[str] = set()
    for run in range(runs):
        users = [f.user(1000 * (run + 1) + i, f"P{run}-{i}") for i in range(per_run)]
        async with bot_process(api, db, log) as proc:
            buttons = await start_quizzes(api, users)
            answers = [f.callback(u, buttons[u["id"]], 100) for u in users]
            ids = {a["callback_query"]["id"]: a["callback_query"]["from"]["id"] for a in answers}
            for update in answers:
                api.push(update)
            mine = set(ids)
            await api.wait_for(lambda: len(acked(api) & mine) >= per_run // 4, timeout=60)  # noqa: B023
            proc.kill()  # SIGKILL: no clean-up at all
            await proc.wait()
        acked_now = acked(api) & set(ids)
        acknowledged |= acked_now
        assert len(acked_now) < per_run, "killed mid-stream"
        # Telegram re-delivers what was not confirmed; we also re-send every answer again.
        for update in answers:
            api.push(update)
        mark = len(api.calls)
        async with bot_process(api, db, log):
            # Every re-sent tap is answered (a toast) only after its answer is committed.
            await api.wait_for(partial(toasted_since, api, mark, set(ids)), timeout=60)
        per_user, mismatches = counts(db)
        assert mismatches == []
        for callback_id, user_id in ids.items():
            assert per_user.get(user_id) == 1, (callback_id, user_id)
        print(
            f"run {run}: {len(acked_now)} of {per_run} answers acknowledged before kill -9; "
            f"{sum(per_user.get(u, 0) for u in ids.values())} stored once each after restart "
            "and re-delivery"
        )
    assert len(acknowledged) >= runs * per_run // 4
    text = log.read_text(errors="replace")
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "<token>" in text or "getUpdates" in text  # DEBUG logging did run


async def test_sigterm_finishes_cleanly(api: FakeBotApi, tmp_path: Path) -> None:
    db, log = tmp_path / "term.sqlite3", tmp_path / "bot.log"
    users = [f.user(5000 + i, f"T{i}") for i in range(10)]
    async with bot_process(api, db, log) as proc:
        buttons = await start_quizzes(api, users)
        for user in users:
            api.push(f.callback(user, buttons[user["id"]], 100))
        await api.wait_for(lambda: len(acked(api)) >= 3, timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    per_user, mismatches = counts(db)
    assert mismatches == []
    by_id = {
        int(c["callback_query_id"])
        for c in api.of("answerCallbackQuery")
        if c.get("text") in ACK_TEXTS
    }
    assert len(by_id) <= sum(per_user.values())
    assert "storage closed" in log.read_text()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def run_bot(env: dict[str, str]) -> tuple[int, str]:
    import subprocess  # noqa: PLC0415

    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, result.stderr


def test_invalid_bank_stops_before_the_database(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "- id: broken-one\n  paragraph: 3\n  topic: russia\n  difficulty: 2\n"
        '  question: "Q?"\n  options: ["a", "b"]\n  answer: 5\n'
        '  explanation: "Because. (¶3)"\n  quote: "not in the article"\n',
        encoding="utf-8",
    )
    api = FakeBotApi()
    api.base_url = "http://127.0.0.1:9/bot"
    db = tmp_path / "never.sqlite3"
    code, err = run_bot(bot_env(api, db, QUESTION_BANK=str(bank)))
    assert code == 1
    assert "bank.yaml:7: broken-one: answer must be an option index" in err
    assert "bank.yaml:9: broken-one: quote is not verbatim in ¶3" in err
    assert not db.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "@BotFather"),
        ({"DATABASE_URL": "postgres://db/quiz"}, "DATABASE_URL must look like"),
        ({"DATABASE_URL": "sqlite:////proc/nope/quiz.sqlite3"}, "cannot create database file"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL must be an http(s) URL"),
    ],
)
def test_bad_config_is_one_clear_line(
    tmp_path: Path, change: dict[str, str], expected: str
) -> None:
    api = FakeBotApi()
    api.base_url = "http://127.0.0.1:9/bot"
    env = bot_env(api, tmp_path / "q.sqlite3")
    env.update(change)
    code, err = run_bot(env)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert TOKEN not in err
