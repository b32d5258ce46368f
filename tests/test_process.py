"""``python -m bot`` as a separate process against the fake Bot API over HTTP: kill -9 and
SIGTERM with updates queued, secrets in logs, and start-up failures (one clear line each)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.testing import factories as f
from bot.testing.fakeapi import TOKEN, FakeBotApi

ACK_TEXTS = ("✅ Correct!", "❌ Not quite")


def bot_env(api: FakeBotApi, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{db}",
        LOG_LEVEL="DEBUG",
    )
    env.update(extra)
    return env


@asynccontextmanager
async def bot_process(
    api: FakeBotApi, db: Path, log: Path, **extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    mark = len(api.of("setMyCommands"))
    with log.open("ab") as sink:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=bot_env(api, db, **extra), stdout=sink, stderr=sink
        )
    try:
        await api.wait_for(lambda: len(api.of("setMyCommands")) > mark, timeout=30)
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def rows(db: Path, sql: str) -> list[Any]:
    with sqlite3.connect(db) as raw:
        return raw.execute(sql).fetchall()


def answered_users(api: FakeBotApi, users: list[dict[str, Any]]) -> set[int]:
    ids = {u["id"] for u in users}
    return {int(c["chat_id"]) for c in api.of("sendMessage") if c.get("chat_id") in ids}


async def test_kill_9_loses_no_fetched_update(api: FakeBotApi, tmp_path: Path) -> None:
    db, log = tmp_path / "crash.sqlite3", tmp_path / "bot.log"
    users = [f.user(10_000 + i, f"K{i}") for i in range(150)]
    for user in users:
        api.push(f.command(user, "/quiz 3"))
    async with bot_process(api, db, log) as proc:
        await api.wait_for(lambda: len(answered_users(api, users)) >= 10, timeout=60)
        proc.kill()  # SIGKILL: no clean-up at all
        await proc.wait()
    # Between the kill and any re-delivery: every update Telegram counts as confirmed is in
    # the inbox, handled or not.
    confirmed = {u for (u,) in rows(db, "SELECT update_id FROM inbox")}
    assert set(range(1, api.confirmed_offset)) <= confirmed
    assert len(answered_users(api, users)) < len(users), "killed mid-stream"
    async with bot_process(api, db, log) as proc:
        await api.wait_for(lambda: len(answered_users(api, users)) == len(users), timeout=90)
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    per_user = dict(rows(db, "SELECT owner_id, COUNT(*) FROM rounds GROUP BY owner_id"))
    assert {per_user[u["id"]] for u in users} == {1}, "a re-handled /quiz starts no 2nd round"
    assert rows(db, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == [(0,)]


async def test_kill_9_loses_no_acknowledged_answer(api: FakeBotApi, tmp_path: Path) -> None:
    db, log = tmp_path / "answers.sqlite3", tmp_path / "bot.log"
    users = [f.user(20_000 + i, f"A{i}") for i in range(60)]
    async with bot_process(api, db, log) as proc:
        for user in users:
            api.push(f.command(user, "/quiz 3"))
        await api.wait_for(lambda: len(answered_users(api, users)) == len(users), timeout=60)
        updates = [
            f.callback(next(u for u in users if u["id"] == c["chat_id"]), c.buttons()[0][1], 100)
            for c in api.of("sendMessage")
            if c.get("chat_id") in {u["id"] for u in users} and c.buttons()
        ]
        for update in updates:
            api.push(update)

        def acked() -> set[str]:
            return {
                str(c["callback_query_id"])
                for c in api.of("answerCallbackQuery")
                if c.get("text") in ACK_TEXTS
            }

        await api.wait_for(lambda: len(acked()) >= 15, timeout=60)
        proc.kill()
        await proc.wait()
    stored = {u for (u,) in rows(db, "SELECT user_id FROM answers")}
    acked_users = {
        u["callback_query"]["from"]["id"] for u in updates if u["callback_query"]["id"] in acked()
    }
    assert acked_users <= stored, "an acknowledged answer was lost"
    async with bot_process(api, db, log):
        await api.wait_for(
            lambda: len({s for (s,) in rows(db, "SELECT user_id FROM answers")}) == len(users),
            timeout=60,
        )
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM answers") == [(60, 60)]


async def test_sigterm_within_the_grace_leaves_the_rest_for_the_next_start(
    api: FakeBotApi, tmp_path: Path
) -> None:
    db, log = tmp_path / "term.sqlite3", tmp_path / "bot.log"
    users = [f.user(30_000 + i, f"T{i}") for i in range(600)]
    for user in users:
        api.push(f.command(user, "/quiz 2"))
    async with bot_process(api, db, log, SHUTDOWN_GRACE="8", SEND_RATE="300") as proc:
        await api.wait_for(lambda: len(answered_users(api, users)) >= 20, timeout=60)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 8 + 10) == 0
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert "storage closed" in log.read_text()
    async with bot_process(api, db, log, SEND_RATE="300"):
        await api.wait_for(lambda: len(answered_users(api, users)) == len(users), timeout=120)
    per_user = dict(rows(db, "SELECT owner_id, COUNT(*) FROM rounds GROUP BY owner_id"))
    assert len(per_user) == 600 and set(per_user.values()) == {1}


async def test_the_token_never_reaches_the_log(api: FakeBotApi, tmp_path: Path) -> None:
    db, log = tmp_path / "log.sqlite3", tmp_path / "bot.log"
    async with bot_process(api, db, log) as proc:
        api.push(f.command(f.user(1, "A"), "/help"))
        await api.wait_calls("sendMessage", 1)
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    text = log.read_text(errors="replace")
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "bot<token>/getUpdates" in text  # httpx logged the URL: redaction did work


def run_bot(env: dict[str, str]) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, result.stderr


def closed_api() -> FakeBotApi:
    api = FakeBotApi()
    api.base_url = "http://127.0.0.1:9/bot"  # nothing listens there
    return api


def test_invalid_bank_stops_before_the_database(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "- id: broken-one\n  paragraph: 3\n  topic: russia\n  difficulty: 2\n"
        '  question: "Q?"\n  options: ["a", "b"]\n  answer: 5\n'
        '  explanation: "Because. (¶3)"\n  quote: "not in the article"\n',
        encoding="utf-8",
    )
    db = tmp_path / "never.sqlite3"
    code, err = run_bot(bot_env(closed_api(), db, QUESTION_BANK=str(bank)))
    assert code == 1
    assert "bank.yaml:7: broken-one: answer must be an option index" in err
    assert "bank.yaml:9: broken-one: quote is not verbatim in ¶3" in err
    assert not db.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "@BotFather"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"DATABASE_URL": "mysql://db/quiz"}, "DATABASE_URL must look like"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL must be an http(s) URL"),
        ({"ADMIN_USER_IDS": "12,abc"}, "ADMIN_USER_IDS must be numeric"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is required"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s"}, "https://"),
        ({"QUESTION_BANK": " "}, "QUESTION_BANK is set but empty"),
        ({"SHUTDOWN_GRACE": "soon"}, "SHUTDOWN_GRACE must be a whole number"),
    ],
)
def test_bad_config_is_one_clear_line(
    tmp_path: Path, change: dict[str, str], expected: str
) -> None:
    env = bot_env(closed_api(), tmp_path / "q.sqlite3")
    env.update(change)
    code, err = run_bot(env)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert TOKEN not in err
    assert not (tmp_path / "q.sqlite3").exists()


def test_no_network_is_one_line_and_creates_no_database(tmp_path: Path) -> None:
    db = tmp_path / "offline.sqlite3"
    code, err = run_bot(bot_env(closed_api(), db, LOG_LEVEL="INFO"))
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("cannot reach the Telegram Bot API")
    assert len(err.strip().splitlines()) == 1, err
    assert not db.exists()


async def test_a_rejected_token_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path / "q.sqlite3", LOG_LEVEL="INFO")
    env["TELEGRAM_BOT_TOKEN"] = "123456789:WRONGtokenWRONGtokenWRONGtokenWRONG"
    code, err = await asyncio.to_thread(run_bot, env)
    assert code == 1
    assert err.strip().splitlines() == [
        "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather."
    ]


async def test_a_damaged_database_is_refused_at_start(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "damaged.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    code, err = await asyncio.to_thread(run_bot, bot_env(api, db, LOG_LEVEL="INFO"))
    assert code == 2
    [line] = err.strip().splitlines()
    assert str(db) in line


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    """The operator's two references name every variable ``Settings.from_env`` reads."""
    import re  # noqa: PLC0415

    root = Path(__file__).parent.parent
    source = (root / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:get|_int\(env,) ?\(?"([A-Z][A-Z_]{2,})"', source))
    assert {"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "SEND_RATE", "DASHBOARD_PORT"} <= read
    example = (root / ".env.example").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert not {v for v in read if not re.search(rf"^#? ?{v}=", example, re.M)}
    assert not {v for v in read if f"`{v}`" not in readme}
