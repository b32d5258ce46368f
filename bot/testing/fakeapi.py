"""A fake Telegram Bot API server on 127.0.0.1 (aiohttp) that records every request.

The bot under test talks to it over real HTTP through ``TELEGRAM_API_BASE_URL``. Tests push
updates with :meth:`FakeBotApi.push` and assert on :attr:`FakeBotApi.calls`. Faults (HTTP 500,
429 with retry_after, 403, slow answers) are injected per method, optionally for one chat
only, with :meth:`fail`. One server serves a whole test session; :meth:`reset` clears it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram.request import RequestData

from bot.testing.local import LocalRequest, serve_bot_api

TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtok"
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "Quiz", "username": "quiz_test_bot"}
START_TIME = 1_790_000_000
# The fields a ChatMemberAdministrator must carry (Bot API).
ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    times: int
    delay: float = 0.0
    chat_id: int | None = None  # only calls to this chat fail

    def applies(self, params: dict[str, Any]) -> bool:
        if self.chat_id is None:
            return True
        try:
            return int(params.get("chat_id", 0)) == self.chat_id
        except (TypeError, ValueError):
            return False


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class FakeBotApi:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    chat_types: dict[int, str] = field(default_factory=dict)
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id -> admin user ids

    member_counts: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.reset()

    def reset(self) -> None:
        """Forget every call, update, fault and setting (between tests)."""
        self.calls = []
        self.chat_types = {}
        self.admins = {}
        self.member_counts = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._poll_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._faults: dict[str, list[Fault]] = {}
        self.confirmed_offset = 0
        # Awaited when a getUpdates confirms updates below a new offset, before it answers:
        # tests look at what the bot had stored at that moment.
        self.on_confirm: Callable[[int], Awaitable[None]] | None = None
        self.webhook: dict[str, Any] | None = None

    # server lifecycle ---------------------------------------------------------------------

    async def start(self) -> str:
        self._runner, self.base_url = await serve_bot_api(self._handle)
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # what tests use -----------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    def redeliver(self, update: dict[str, Any]) -> None:
        """Deliver an update again with its old id (as Telegram does after a crash)."""
        self._updates.append(update)
        self._notify()

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        chat_id: int | None = None,
        migrate_to: int | None = None,
    ) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        if migrate_to is not None:
            body["parameters"] = {"migrate_to_chat_id": migrate_to}
        fault = Fault(status, body, times, delay, chat_id)
        self._faults.setdefault(method, []).append(fault)

    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.get("chat_id") == chat_id)
        ]

    def since(self, mark: int, method: str | None = None) -> list[Call]:
        return [c for c in self.calls[mark:] if method is None or c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked on each request); return its value."""

        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(check(), timeout)

    async def wait_calls(
        self, method: str, count: int, *, since: int = 0, timeout: float = 10.0
    ) -> list[Call]:
        calls: list[Call] = await self.wait_for(
            lambda: (found := self.since(since, method)) and len(found) >= count and found,
            timeout,
        )
        return calls

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched every pushed update and confirmed it."""
        await self.wait_for(lambda: not self._pending(), timeout)

    # request handling ---------------------------------------------------------------------

    def _notify(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(notify())

    def _pending(self) -> list[dict[str, Any]]:
        return [u for u in self._updates if u["update_id"] >= self.confirmed_offset]

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        form = await request.post() if request.can_read_body else {}
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        status, body = await self.respond(request.match_info["method"], fields)
        return web.json_response(body, status=status)

    async def respond(self, method: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Record one Bot API call (form fields as sent) and produce Telegram's answer."""
        params: dict[str, Any] = {k: _decode(v) for k, v in fields.items()}
        for key in ("text", "question", "explanation", "callback_query_id", "poll_id"):
            if key in fields:  # keep strings as sent (e.g. a text of "5")
                params[key] = fields[key]
        if method != "getUpdates":
            self.calls.append(Call(method, params))
        faults = [f for f in self._faults.get(method, []) if f.applies(params)]
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults[method].remove(fault)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            self._notify()
            if fault.status:
                return fault.status, fault.body
        result = await self._result(method, params)
        self._notify()
        return 200, {"ok": True, "result": result}

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return True
        return await handler(params)

    async def _api_getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT_USER

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        offset = int(params.get("offset") or 0)
        if offset > self.confirmed_offset and self.on_confirm is not None:
            await self.on_confirm(offset)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [
                u for u in self._updates if u["update_id"] >= offset or u.get("_redelivered")
            ]
        timeout = min(float(params.get("timeout") or 0), 0.5)
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: self._available(offset), timeout)
        ready = self._available(offset)
        self._notify()
        return [{k: v for k, v in u.items() if not k.startswith("_")} for u in ready[:100]]

    def _available(self, offset: int) -> list[dict[str, Any]]:
        return [u for u in self._updates if u["update_id"] >= offset]

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        kind = self.chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = "Test group"
        return chat

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": START_TIME,
            "chat": self._chat(params["chat_id"]),
            "from": BOT_USER,
            **extra,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return self._message(params, text=params["text"])

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if "inline_message_id" in params:
            return True  # Telegram answers True for messages sent via inline mode
        return self._message(params, text=params["text"])

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if "inline_message_id" in params:
            return True
        return self._message(params, text="(edited)")

    def _poll(self, params: dict[str, Any], poll_id: str, closed: bool) -> dict[str, Any]:
        options = params.get("options") or []
        correct = params.get("correct_option_ids") or [params.get("correct_option_id", 0)]
        return {
            "id": poll_id,
            "question": params.get("question", "?"),
            "options": [
                {
                    "text": o if isinstance(o, str) else o.get("text", ""),
                    "voter_count": 0,
                    "persistent_id": f"opt{i}",
                }
                for i, o in enumerate(options or ["a", "b"])
            ],
            "total_voter_count": 0,
            "is_closed": closed,
            "is_anonymous": False,
            "type": "quiz",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
            "correct_option_ids": correct,
        }

    async def _api_sendPoll(self, params: dict[str, Any]) -> Any:  # noqa: N802
        poll_id = f"poll{next(self._poll_ids)}"
        params["_poll_id"] = poll_id
        return self._message(params, poll=self._poll(params, poll_id, False))

    async def _api_stopPoll(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return self._poll(params, f"stopped{params.get('message_id')}", True)

    async def _api_getChatMemberCount(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return self.member_counts.get(int(params["chat_id"]), 10)

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = params
        return True

    async def _api_getChatMember(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
        }
        if status == "administrator":
            member.update(ADMIN_RIGHTS)
        return member


class OfflineRequest(LocalRequest):
    """Answers from a :class:`FakeBotApi` without any network (fast tests): the same
    recorded calls and the same answers as over HTTP."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    async def answer(self, api_method: str, request_data: RequestData | None) -> tuple[int, bytes]:
        fields = dict(request_data.json_parameters) if request_data else {}
        status, body = await self.api.respond(api_method, fields)
        return status, json.dumps(body).encode()
