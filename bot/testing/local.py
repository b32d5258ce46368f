"""The base of the request classes that answer Bot API calls in this process, without a
network: ``fakeapi.OfflineRequest`` and ``instant.InstantRequest``."""

from __future__ import annotations

from abc import abstractmethod

from telegram.request import BaseRequest, RequestData


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
