"""Processing slots: how many updates are handled at once, shared fairly between chats.

A handler holds a slot only while its chat's turn has come (``Slots.hold``). While it waits
for something that concerns its chat alone (that chat's flood wait, a group's 20 messages a
minute), it lends the slot to others (:func:`lend_slot`), so slow chats never fill the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Slots:
    def __init__(self, count: int) -> None:
        self.count = count
        self._free = asyncio.Semaphore(count)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        await self._free.acquire()
        token = _CURRENT.set(self)
        try:
            yield
        finally:
            _CURRENT.reset(token)
            self._free.release()

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        self._free.release()
        try:
            yield
        finally:
            await self._free.acquire()


_CURRENT: ContextVar[Slots | None] = ContextVar("slots", default=None)


@asynccontextmanager
async def lend_slot() -> AsyncIterator[None]:
    """Give the current handler's slot to others for the duration of the block."""
    slots = _CURRENT.get()
    if slots is None:
        yield
        return
    token = _CURRENT.set(None)  # nested lends lend nothing
    try:
        async with slots.lent():
            yield
    finally:
        _CURRENT.reset(token)
