"""A request class that answers every Bot API call at once, from canned bytes: the framework
ceiling in benchmarks, with no fake-API work on either side of a comparison."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram.request import RequestData

from bot.testing.fakeapi import TOKEN
from bot.testing.local import LocalRequest, serve_bot_api

BOT_ID = int(TOKEN.split(":", 1)[0])
_ME = {"id": BOT_ID, "is_bot": True, "first_name": "Quiz", "username": "quiz_test_bot"}
_MESSAGE = {
    "message_id": 1,
    "date": 0,
    "chat": {"id": 1, "type": "private"},
    "from": _ME,
    "text": "ok",
}
_POLL_MESSAGE = {
    **_MESSAGE,
    "poll": {
        "id": "1",
        "question": "?",
        "options": [{"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": False,
        "type": "regular",
        "allows_multiple_answers": False,
    },
}


def _ok(result: object) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


_CANNED = {
    "getMe": _ok(_ME),
    "sendMessage": _ok(_MESSAGE),
    "editMessageText": _ok(_MESSAGE),
    "editMessageReplyMarkup": _ok(_MESSAGE),
    "sendPoll": _ok(_POLL_MESSAGE),
    "getUpdates": _ok([]),
    "getChatMemberCount": _ok(3),
}
_TRUE = _ok(True)


Listener = Callable[[str, dict[str, Any]], None]  # (method, the request's parameters)


class InstantRequest(LocalRequest):
    """Every call succeeds immediately; ``calls`` counts them by method and ``on_call`` (if
    set) hears each call, so a benchmark can tell when a reply went out."""

    def __init__(self, on_call: Listener | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.on_call = on_call

    async def answer(self, api_method: str, request_data: RequestData | None) -> tuple[int, bytes]:
        self.calls[api_method] += 1
        if self.on_call is not None:
            self.on_call(api_method, {} if request_data is None else request_data.parameters)
        return 200, _CANNED.get(api_method, _TRUE)


class InstantBotApi:
    """An HTTP Bot API on 127.0.0.1 that answers every call at once from canned bytes, for
    worker processes in benchmarks: it counts calls by method and reads no request body."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.base_url = ""
        self._runner: Any = None
        self._waiters: list[tuple[str, int, asyncio.Future[None]]] = []

    async def start(self) -> str:
        self._runner, self.base_url = await serve_bot_api(self._handle)
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def reached(self, method: str, count: int) -> None:
        """Wait until ``method`` has been called ``count`` times in all."""
        if self.calls[method] >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, count, future))
        await future

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        for waiter in list(self._waiters):
            wanted, count, future = waiter
            if wanted == method and self.calls[method] >= count and not future.done():
                future.set_result(None)
                self._waiters.remove(waiter)
        if method == "getUpdates":  # a worker in polling mode: nothing to fetch, slowly
            await asyncio.sleep(1)
        return web.Response(body=_CANNED.get(method, _TRUE), content_type="application/json")
