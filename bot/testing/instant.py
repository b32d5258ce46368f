"""A request class that answers every Bot API call at once, from canned bytes: the framework
ceiling in benchmarks, with no fake-API work on either side of a comparison."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from telegram.request import BaseRequest, RequestData

from bot.testing.fakeapi import TOKEN

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


class InstantRequest(BaseRequest):
    """Every call succeeds immediately; ``calls`` counts them by method and ``on_call`` (if
    set) hears each method name, so a benchmark can tell when the last reply went out."""

    def __init__(self, on_call: Callable[[str], None] | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.on_call = on_call

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        self.calls[name] += 1
        if self.on_call is not None:
            self.on_call(name)
        return 200, _CANNED.get(name, _TRUE)
