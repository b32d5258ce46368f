"""What the in-process Bot API stand-ins share: the base of the request classes that answer
without a network (``fakeapi.OfflineRequest``, ``instant.InstantRequest``) and the HTTP
server both fakes listen on."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram.request import BaseRequest, RequestData

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve_bot_api(handler: Handler) -> tuple[web.AppRunner, str]:
    """An HTTP server on 127.0.0.1 (a free port) passing ``/bot<token>/<method>`` to
    ``handler``; returns its runner and the base URL for ``TELEGRAM_API_BASE_URL``."""
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/bot"


class LocalRequest(BaseRequest):
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
        return await self.answer(url.rsplit("/", 1)[-1], request_data)

    @abstractmethod
    async def answer(self, api_method: str, request_data: RequestData | None) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would send for ``api_method``."""
