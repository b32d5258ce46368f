"""Thousands of generated hostile updates through the real Application and its inbox.

After every batch: no exception reached the error handler, every reply is within Telegram's
limits and is well-formed HTML, and the scoring invariants hold.
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

from bot.config import Settings
from bot.telegram.app import App, build_application
from bot.telegram.context import services_of
from bot.telegram.render import utf16_len
from bot.testing import factories as f
from bot.testing.fakeapi import ADMIN_RIGHTS, TOKEN, FakeBotApi, OfflineRequest
from tests.conftest import FakeClock

ALLOWED_TAGS = {"b", "i", "s", "u", "code", "pre", "blockquote", "a"}
GROUP = f.group_chat(-100300)
CHANNEL = {"id": -100400, "type": "channel", "title": "News"}
NAMES = [
    "Ann",
    "<script>alert(1)</script>",
    "<b>x</b> & y",
    "Zoë 🦄 \u202eRTL",
    "a" * 64,
    " ",
    "lone \ud800 surrogate",
]
USERS = [f.user(60 + i, name) for i, name in enumerate(NAMES)]
COMMANDS = [
    "/quiz", "/read", "/top", "/me", "/review", "/progress", "/search", "/remind", "/stop",
    "/forget", "/disputes", "/topics", "/start", "/help", "/cancel", "/goal", "/nonsense",
    "/quiz@other",
]  # fmt: skip
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
            "8am Europe/Kyiv",
            "all",
            "1 2 3 4",
            "٣",
            "1e9",
            "0x10",
            "read_3",
            "ch_x",
            "q_zz",
            '"shock wave"',
            "Ukrain*",
            "3 5",
            "5s",
        ]
    ),
    st.text(max_size=50),
    st.just("x" * 4000),
)
CALLBACK_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda r, p, i: f"a:{r}:{p}:{i}",
        st.integers(-3, 10**13),
        st.integers(-3, 60),
        st.integers(-3, 12),
    ),
    st.builds(lambda r, p: f"n:{r}:{p}", st.integers(0, 50), st.integers(0, 60)),
    st.builds(lambda n: f"r:{n}", st.integers(-5, 100_000)),
    st.builds(lambda n, r, p: f"r:{n}:{r}:{p}", st.integers(0, 40), st.integers(0, 9),
              st.integers(0, 9)),
    st.builds(lambda n: f"o:{n}", st.integers(-5, 100)),
    st.builds(lambda a, n: f"{a}:{n}", st.sampled_from(["s", "S"]),
              st.sampled_from(["q5", "q999", "p3", "p99", "t2", "t40", "x1", "x99", "r"])),
    st.builds(lambda r, p: f"d:{r}:{p}", st.integers(0, 50), st.integers(0, 60)),
    st.builds(lambda r: f"c:{r}", st.integers(0, 50)),
    st.builds(lambda r, p: f"b:{r}:{p}", st.integers(0, 50), st.integers(0, 9)),
    st.builds(lambda n: f"v:{n}:0", st.integers(0, 10)),
    st.builds(lambda n: f"w:{n}", st.integers(0, 999)),
    st.builds(lambda n: f"t:{n}", st.integers(0, 9999)),
    st.builds(lambda n: f"f:{n}", st.integers(0, 999)),
    st.builds(lambda r, p: f"p:{r}:{p}", st.integers(0, 50), st.integers(0, 9)),
    st.sampled_from(["g:yes", "g:no", "g:maybe", "m:me", "m:top", "m:menu", "m:x", "x" * 64]),
)  # fmt: skip


def _chat(user: dict[str, Any], where: str) -> dict[str, Any]:
    return {"private": f.private_chat(user["id"]), "group": GROUP, "channel": CHANNEL}[where]


@st.composite
def hostile_update(draw: st.DrawFn) -> dict[str, Any]:
    user = draw(st.sampled_from(USERS))
    where = draw(st.sampled_from(["private", "private", "group", "channel"]))
    kind = draw(
        st.sampled_from(
            ["command", "command", "callback", "callback", "inline_callback", "poll",
             "poll_state", "text", "edited", "channel_post", "member"]
        )
    )  # fmt: skip
    chat = _chat(user, "group" if where == "channel" else where)
    if kind == "command":
        text = (draw(st.sampled_from(COMMANDS)) + " " + draw(ARGS)).strip()[:4096]
        return f.command(user, text, chat)
    if kind == "callback":
        return f.callback(user, draw(CALLBACK_DATA), draw(st.integers(1, 500)), chat)
    if kind == "inline_callback":  # a button of an inline message: no message, no chat
        update = f.callback(user, draw(CALLBACK_DATA), 1)
        del update["callback_query"]["message"]
        update["callback_query"]["inline_message_id"] = "inline-1"
        return update
    if kind == "poll":
        options = draw(st.lists(st.integers(-2, 12), max_size=3))
        return f.poll_answer(draw(st.sampled_from(["poll1", "poll2", "nope", ""])), user, options)
    if kind == "poll_state":
        return f.poll_update(
            draw(st.sampled_from(["poll1", "nope"])), draw(st.text(max_size=40)) or "?",
            voters=draw(st.integers(0, 5)), closed=draw(st.booleans()),
        )  # fmt: skip
    if kind == "text":
        return f.text_message(user, draw(st.text(min_size=1, max_size=300)) or "x", chat)
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
    def __init__(self, app: App, api: FakeBotApi) -> None:
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
    runtime = services_of(app).runtime
    await runtime.start(intake=False)  # updates go into the inbox directly
    yield harness
    await runtime.stop(grace=1)
    await app.stop()
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    print(f"hostile updates processed: {harness.updates}")
    assert harness.updates >= 2000, harness.updates


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_update(), min_size=5, max_size=20))
async def test_hostile_updates_never_break_the_bot(
    harness: Harness, batch: list[dict[str, Any]]
) -> None:
    mark = len(harness.api.calls)
    runtime = services_of(harness.app).runtime
    updates = []
    for raw in batch:
        updates.append({"update_id": harness.next_id, **raw})
        harness.next_id += 1
    await runtime.inbox.add_updates(updates)
    await runtime.idle()
    harness.updates += len(batch)
    assert harness.errors == []
    for call in harness.api.calls[mark:]:
        if call.method in ("sendMessage", "editMessageText"):
            assert 0 < utf16_len(call.text) <= 4096
            assert html_problems(call.text) == [], call.text
            assert "\ud800" not in call.text
        if call.method == "answerCallbackQuery" and call.get("text"):
            assert len(call.text) <= 200
        if call.method == "sendPoll":
            assert len(call["question"]) <= 300
            assert all(len(o["text"]) <= 100 for o in call["options"])
    quiz, _ = services_of(harness.app).engines()
    assert await quiz.consistency_problems() == []
