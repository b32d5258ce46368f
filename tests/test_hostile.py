"""Thousands of generated hostile updates through the real Application (offline requests).

After every batch: no exception reached the error handler, every reply is within Telegram's
limits and is well-formed HTML, and the database invariants hold.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import build_application
from bot.telegram.services import services_of
from tests import factories as f
from tests.conftest import FakeClock
from tests.fakeapi import ADMIN_RIGHTS, TOKEN, FakeBotApi, OfflineRequest

ALLOWED_TAGS = {"b", "i", "s", "u", "code", "pre", "blockquote", "a"}
GROUP = f.group_chat(-100300)
CHANNEL = {"id": -100400, "type": "channel", "title": "News"}
NAMES = ["Ann", "<script>alert(1)</script>", "<b>x</b> & y", "Zoë 🦄 \u202eRTL", "a" * 64, " "]
USERS = [f.user(60 + i, name) for i, name in enumerate(NAMES)]
COMMANDS = [
    "/quiz",
    "/read",
    "/top",
    "/me",
    "/review",
    "/progress",
    "/search",
    "/remind",
    "/stop",
    "/forget",
    "/disputes",
    "/topics",
    "/start",
    "/help",
    "/cancel",
    "/nonsense",
    "/quiz@other",
]
ARGS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-5",
            "10000",
            "99999",
            "5",
            "20s",
            "1s",
            "crimea",
            "week",
            "off",
            "25:00",
            "08:00 +02:00",
            "all",
            "1 2 3 4",
            "٣",
            "1e9",
            "0x10",
        ]
    ),
    st.text(max_size=50),
    st.just("x" * 4000),
)
CALLBACK_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda r, p, i: f"quiz:a:{r}:{p}:{i}",
        st.integers(-3, 10**13),
        st.integers(-3, 60),
        st.integers(-3, 12),
    ),
    st.builds(lambda r, p: f"quiz:n:{r}:{p}", st.integers(0, 50), st.integers(0, 60)),
    st.builds(lambda n: f"read:{n}", st.integers(-5, 100_000)),
    st.builds(lambda n: f"read:o:{n}", st.integers(-5, 100)),
    st.builds(lambda n: f"quiz:p:{n}", st.integers(-5, 100)),
    st.builds(lambda r, p: f"chal:{r}:{p}", st.integers(0, 50), st.integers(0, 60)),
    st.builds(lambda n: f"disp:r:{n}", st.integers(0, 10)),
    st.sampled_from(["quiz:new", "forget:no", "forget:maybe", "quiz:", "read:", "x" * 64]),
)


def _chat(user: dict[str, Any], where: str) -> dict[str, Any]:
    return {"private": f.private_chat(user["id"]), "group": GROUP, "channel": CHANNEL}[where]


@st.composite
def hostile_update(draw: st.DrawFn) -> dict[str, Any]:
    user = draw(st.sampled_from(USERS))
    where = draw(st.sampled_from(["private", "private", "group", "channel"]))
    kind = draw(
        st.sampled_from(
            ["command", "command", "callback", "poll", "text", "edited", "channel_post", "member"]
        )
    )
    if kind == "command":
        text = (draw(st.sampled_from(COMMANDS)) + " " + draw(ARGS)).strip()[:4096]
        return f.command(user, text, _chat(user, "group" if where == "channel" else where))
    if kind == "callback":
        return f.callback(
            user,
            draw(CALLBACK_DATA),
            draw(st.integers(1, 500)),
            _chat(user, "group" if where == "channel" else where),
        )
    if kind == "poll":
        options = draw(st.lists(st.integers(-2, 12), max_size=3))
        return f.poll_answer(draw(st.sampled_from(["poll1", "poll2", "nope", ""])), user, options)
    if kind == "text":
        return f.text_message(user, draw(st.text(min_size=1, max_size=300)) or "x")
    if kind == "edited":
        return f.command(user, "/quiz " + draw(ARGS)[:20], edited=True)
    if kind == "channel_post":
        return {
            "channel_post": {
                "message_id": 1,
                "date": 1,
                "chat": CHANNEL,
                "text": "/quiz 5",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
    status = draw(st.sampled_from(["left", "kicked", "member", "administrator"]))
    bot = {"id": 1000, "is_bot": True, "first_name": "Quiz"}
    member: dict[str, Any] = {"status": status, "user": bot}
    if status == "kicked":
        member["until_date"] = 0
    if status == "administrator":
        member.update(ADMIN_RIGHTS)
    return {
        "my_chat_member": {
            "chat": GROUP,
            "from": user,
            "date": 1,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": member,
        }
    }


class TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")


def html_problems(text: str) -> list[str]:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    return checker.problems + [f"unclosed <{t}>" for t in checker.stack]


class Harness:
    def __init__(self, app: Application, api: FakeBotApi) -> None:  # type: ignore[type-arg]
        self.app, self.api = app, api
        self.errors: list[BaseException] = []
        self.updates = 0
        self.next_id = 1


@pytest.fixture
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    api = FakeBotApi()
    config = Settings(
        token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}",
        admin_user_ids=frozenset({USERS[0]["id"]}),
    )
    app = build_application(
        config,
        clock=clock,
        rng=random.Random(5),
        rate_limit=False,
        requests=(OfflineRequest(api), OfflineRequest(api)),
    )
    harness = Harness(app, api)

    async def record(update: object, context: Any) -> None:
        harness.errors.append(context.error)

    app.add_error_handler(record)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    yield harness
    await app.stop()
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    print(f"hostile updates processed: {harness.updates}")
    assert harness.updates >= 2000, harness.updates


@settings(
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_update(), min_size=5, max_size=20))
async def test_hostile_updates_never_break_the_bot(
    harness: Harness, batch: list[dict[str, Any]]
) -> None:
    mark = len(harness.api.calls)
    for raw in batch:
        update = Update.de_json({"update_id": harness.next_id, **raw}, harness.app.bot)
        harness.next_id += 1
        await harness.app.process_update(update)
        harness.updates += 1
    assert harness.errors == []
    for call in harness.api.calls[mark:]:
        if call.method in ("sendMessage", "editMessageText"):
            assert 0 < len(call.text) <= 4096
            assert html_problems(call.text) == [], call.text
        if call.method == "answerCallbackQuery" and call.get("text"):
            assert len(call.text) <= 200
        if call.method == "sendPoll":
            assert len(call["question"]) <= 300
            assert all(len(o["text"]) <= 100 for o in call["options"])
    store = services_of(harness.app).quiz.store
    assert await store.reads.recount_mismatches() == []
