"""Run synchronous work in an aiosqlite connection's own thread.

aiosqlite runs every call in a dedicated thread that owns the ``sqlite3`` connection. Its public
API makes one trip to that thread per statement; a unit of work (an answer and everything it
updates) would then cost a dozen trips. ``in_thread`` hands one function to the same worker, so
a whole transaction is one trip. It relies on ``Connection._execute``, aiosqlite's single
internal entry point behind every public method (stable since 0.x; pinned below 0.23 and
covered by the storage tests). See docs/decisions/0003-units-of-work.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiosqlite

if TYPE_CHECKING:
    from storage.queries import Queries

T = TypeVar("T")


async def in_thread(conn: aiosqlite.Connection, fn: Callable[[Queries], T]) -> T:
    from storage.queries import Queries  # noqa: PLC0415 - avoid an import cycle

    def work() -> T:
        return fn(Queries(conn._conn))  # inside the worker thread only

    result: Any = await conn._execute(work)  # type: ignore[no-untyped-call]  # see docstring
    return cast(T, result)
