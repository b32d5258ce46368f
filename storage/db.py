"""The store: reads and units of work on SQLite or PostgreSQL, behind one interface.

A **unit of work** is a plain function of a :class:`~storage.queries.Queries`, passed to
:meth:`Store.write`. It runs inside a transaction, and its caller's
``await`` returns only after the COMMIT: an answer is acknowledged once it is durable.

Units submitted while the writer is busy are committed together in the next batch (group
commit): one trip to the database thread and one COMMIT for all of them. If one unit raises,
the batch rolls back and **every unit runs again** in a transaction of its own, so only the
failing unit's caller sees the error. That is why a unit must have **no effect outside the
database** (no messages, no caches, no clocks read inside): it may run twice, and only the
run that commits counts. Work with effects goes before or after ``await store.write(...)``.

A **read** (:meth:`Store.read`) is a function of a ``Queries`` on a read-only connection; it
sees every committed transaction.

SQLite runs units and reads **in the event loop's own thread**: a unit takes tens of
microseconds of SQLite's time, less than a hop to a thread and back costs, and a thread would
contend for the GIL with the loop. Those connections never wait: when another process holds
the write lock (the dashboard, a backup), the batch goes to the writer thread, which waits
for it; the writer thread also checkpoints the WAL, so no commit in the loop does. Long reads
(the dashboard's item statistics) ask for ``offload=True`` and run in a reader thread.

PostgreSQL uses a few writer threads, each with its own connection, so batches of different
chats commit side by side. Both drive the standard DB-API drivers (``sqlite3``, psycopg 3)
through their public APIs: see docs/decisions/0004-storage-backends.md.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from storage.backend import Backend, StorageError
from storage.queries import Queries
from storage.sql import Dialect, Sql
from storage.url import DatabaseUrl, parse_database_url

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 256
RETRIES = 3  # deadlocks and serialization failures are retried; the batch rolled back
CHECKPOINT_EVERY = 200  # inline commits between looks at the WAL's size
CHECKPOINT_BYTES = 4 * 2**20


class _LockedError(Exception):
    """An inline call met a lock held elsewhere; the pool threads take the work."""


class _Inline:
    """The event loop thread's own connections (SQLite), opened on first use."""

    def __init__(self, backend: Backend, dialect: Dialect) -> None:
        self._backend = backend
        self._dialect = dialect
        self._writer: Queries | None = None
        self._reader: Queries | None = None

    def writer(self) -> Queries:
        if self._writer is None:
            self._writer = Queries(Sql(self._backend.open_inline_writer(), self._dialect))
        return self._writer

    def reader(self) -> Queries:
        if self._reader is None:
            self._reader = Queries(Sql(self._backend.open_inline_reader(), self._dialect))
        return self._reader

    def drop_writer(self) -> None:
        found, self._writer = self._writer, None
        _close_quietly(found)

    def drop_reader(self) -> None:
        found, self._reader = self._reader, None
        _close_quietly(found)

    def close(self) -> None:
        self.drop_reader()
        self.drop_writer()


def _close_quietly(found: Queries | None) -> None:
    if found is None:
        return
    try:
        found.sql.conn.close()  # type: ignore[attr-defined]
    except Exception:
        log.debug("closing a connection failed", exc_info=True)


__all__ = ["StorageError", "Store"]


class _Pool:
    """Threads that each own one connection, opened on first use in that thread."""

    def __init__(self, name: str, size: int, connect: Callable[[], Any], dialect: Dialect):
        self.size = size
        self._executor = ThreadPoolExecutor(size, thread_name_prefix=name)
        self._connect = connect
        self._dialect = dialect
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def queries(self) -> Queries:
        """This thread's connection (called in a pool thread only)."""
        found: Queries | None = getattr(self._local, "queries", None)
        if found is None:
            raw = self._connect()
            with self._lock:
                self._opened.append(raw)
            found = self._local.queries = Queries(Sql(raw, self._dialect))
        return found

    def drop(self) -> None:
        """Forget this thread's connection after an error that broke it."""
        found: Queries | None = getattr(self._local, "queries", None)
        self._local.queries = None
        if found is not None:
            with self._lock:
                if found.sql.conn in self._opened:
                    self._opened.remove(found.sql.conn)
            try:
                found.sql.conn.close()  # type: ignore[attr-defined]
            except Exception:
                log.debug("closing a broken connection failed", exc_info=True)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        return self._executor.submit(fn)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._lock:
            opened, self._opened = self._opened, []
        for raw in opened:
            raw.close()


class Store:
    """The database. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, url: DatabaseUrl, backend: Backend) -> None:
        self.url = url
        self.backend = backend
        self.dialect = backend.dialect
        self._writers = _Pool("db-write", backend.writers, backend.open_writer, self.dialect)
        self._readers = _Pool("db-read", backend.readers, backend.open_reader, self.dialect)
        self._inline = _Inline(backend, self.dialect) if backend.inline else None
        self._inline_due = False
        self._commits = 0
        self._checkpointing = False
        self._pending: list[tuple[Callable[[Queries], Any], asyncio.Future[Any]]] = []
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open (creating and migrating unless ``migrate`` is False) the database at ``url``.

        Raises :class:`StorageError` with one clear line when it cannot be used.
        """
        try:
            parsed = parse_database_url(url)
        except ValueError as exc:
            raise StorageError(str(exc)) from None
        backend = make_backend(parsed)
        await asyncio.to_thread(backend.prepare, migrate)
        return cls(parsed, backend)

    @property
    def display(self) -> str:
        return self.url.display()

    @property
    def path(self) -> Path | None:
        return self.url.path

    # reads --------------------------------------------------------------------------------

    async def read(self, fn: Callable[[Queries], T], *, offload: bool = False) -> T:
        """Run ``fn`` on a read-only connection and return its result. ``offload`` sends a
        long read (a scan over all answers) to a reader thread where reads would run inline."""
        if self._closed:
            raise StorageError("the store is closed")
        if self._inline is not None and not offload:
            try:
                return self._read_inline(fn)
            except _LockedError:
                log.debug("an inline read met a lock; a reader thread retries it")
        return await asyncio.wrap_future(self._readers.submit(partial(self._run_read, fn)))

    def _read_inline(self, fn: Callable[[Queries], T]) -> T:
        assert self._inline is not None  # noqa: S101
        queries = self._inline.reader()
        try:
            return fn(queries)
        except Exception as exc:
            if self.backend.is_busy(exc):
                raise _LockedError from exc
            if self.backend.is_broken(exc):
                self._inline.drop_reader()
            raise

    def _run_read(self, fn: Callable[[Queries], T]) -> T:
        queries = self._readers.queries()
        try:
            return fn(queries)
        except Exception as exc:
            if self.backend.is_broken(exc):
                self._readers.drop()
            raise

    async def healthy(self) -> bool:
        """The database answers a trivial query (``/healthz``)."""
        try:
            return bool(await self.read(lambda q: q.sql.value("SELECT 1") == 1))
        except Exception:
            log.warning("database health check failed", exc_info=True)
            return False

    # writes -------------------------------------------------------------------------------

    async def write(self, work: Callable[[Queries], T]) -> T:
        """Run a unit of work in a write transaction; return its result once committed.

        See the module docstring for the contract: no effects outside the database.
        """
        if self._closed:
            raise StorageError("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        if self._inline is not None:
            if self._pending and not self._inline_due:
                # Units that arrive before the loop gets round to it commit together.
                self._inline_due = True
                self._busy += 1
                self._idle.clear()
                asyncio.get_running_loop().call_soon(self._run_inline)
            return
        self._dispatch_to_threads()

    def _dispatch_to_threads(self) -> None:
        while self._pending and self._busy < self._writers.size:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._busy += 1
            self._idle.clear()
            works = [work for work, _ in batch]
            done = asyncio.wrap_future(self._writers.submit(partial(self._run_batch, works)))
            done.add_done_callback(partial(self._batch_done, batch))

    def _run_inline(self) -> None:
        """In the loop: the pending units (up to a batch) in one transaction."""
        assert self._inline is not None  # noqa: S101
        self._inline_due = False
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        works = [work for work, _ in batch]
        try:
            results = self._run_batch_on(
                self._inline.writer(), works, self._inline.drop_writer, inline=True
            )
        except _LockedError:
            # Another connection writes: the writer thread waits for its turn instead.
            done = asyncio.wrap_future(self._writers.submit(partial(self._run_batch, works)))
            done.add_done_callback(partial(self._batch_done, batch))
            return
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            results = [(False, exc)] * len(batch)
        locked = [i for i, (ok, value) in enumerate(results) if isinstance(value, _LockedError)]
        if locked:  # split after a failure, and then the lock was taken meanwhile
            self._busy += 1
            later = [batch[i] for i in locked]
            done = asyncio.wrap_future(
                self._writers.submit(partial(self._run_batch, [work for work, _ in later]))
            )
            done.add_done_callback(partial(self._batch_done, later))
            keep = set(locked)
            batch = [b for i, b in enumerate(batch) if i not in keep]
            results = [r for i, r in enumerate(results) if i not in keep]
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            self._maybe_checkpoint()
        self._deliver(batch, results)

    def _maybe_checkpoint(self) -> None:
        if self._checkpointing or self.backend.wal_bytes() < CHECKPOINT_BYTES:
            return
        self._checkpointing = True

        def checkpoint() -> None:
            self.backend.checkpoint(self._writers.queries().sql.conn)

        def done(future: Future[None]) -> None:
            self._checkpointing = False
            if future.exception() is not None:
                log.warning("WAL checkpoint failed: %s", future.exception())

        self._writers.submit(checkpoint).add_done_callback(done)

    def _batch_done(
        self,
        batch: list[tuple[Callable[[Queries], Any], asyncio.Future[Any]]],
        done: asyncio.Future[list[tuple[bool, Any]]],
    ) -> None:
        try:
            results = done.result()
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            results = [(False, exc)] * len(batch)
        self._deliver(batch, results)

    def _deliver(
        self,
        batch: list[tuple[Callable[[Queries], Any], asyncio.Future[Any]]],
        results: list[tuple[bool, Any]],
    ) -> None:
        self._busy -= 1
        for (_, future), (ok, value) in zip(batch, results, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._dispatch()
        if not self._busy and not self._pending:
            self._idle.set()

    def _run_batch(self, works: list[Callable[[Queries], Any]]) -> list[tuple[bool, Any]]:
        """In a writer thread: every unit in one transaction with one COMMIT."""
        return self._run_batch_on(self._writers.queries(), works, self._writers.drop)

    def _run_batch_on(
        self,
        q: Queries,
        works: list[Callable[[Queries], Any]],
        drop: Callable[[], None],
        *,
        inline: bool = False,
    ) -> list[tuple[bool, Any]]:
        """Every unit in one transaction with one COMMIT; if one fails, each alone."""
        raw = q.sql.conn
        for attempt in range(RETRIES):
            try:
                self.backend.begin(raw)
            except Exception as exc:
                if inline and self.backend.is_busy(exc):
                    raise _LockedError from exc
                raise
            try:
                results: list[tuple[bool, Any]] = [(True, work(q)) for work in works]
                q.flush()
                self.backend.commit(raw)
            except Exception as exc:
                self._rollback(raw, q)
                if self.backend.is_broken(exc):
                    drop()
                    return [(False, exc)] * len(works)
                if self.backend.is_transient(exc) and attempt + 1 < RETRIES:
                    log.info("batch of %d retried after %s", len(works), type(exc).__name__)
                    continue
                if inline and self.backend.is_busy(exc):
                    raise _LockedError from exc
                if len(works) == 1:
                    return [(False, exc)]
                return [self._run_alone(q, work, drop, inline) for work in works]
            except BaseException:
                self._rollback(raw, q)
                raise
            return results
        raise AssertionError("unreachable")  # pragma: no cover

    def _run_alone(
        self, q: Queries, work: Callable[[Queries], Any], drop: Callable[[], None], inline: bool
    ) -> tuple[bool, Any]:
        try:
            return self._run_batch_on(q, [work], drop, inline=inline)[0]
        except _LockedError:
            return (False, _LockedError())  # nothing of it ran: the writer thread runs it

    def _rollback(self, raw: Any, q: Queries) -> None:
        q.discard()
        try:
            self.backend.rollback(raw)
        except Exception:
            log.debug("rollback failed", exc_info=True)

    # lifecycle ----------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until every submitted unit of work has committed (or failed)."""
        await self._idle.wait()

    async def close(self) -> None:
        if self._closed:
            return
        await self.settle()
        self._closed = True
        # Readers first: the writer, closing last, checkpoints the WAL and removes it.
        await asyncio.to_thread(self._readers.close)
        if self._inline is not None:
            self._inline.close()
        await asyncio.to_thread(self._writers.close)

    async def backup(self, target: Path) -> None:
        """An online copy of an SQLite database (see ``python -m storage backup``)."""
        await asyncio.to_thread(self.backend.backup, target)


def make_backend(url: DatabaseUrl) -> Backend:
    if url.backend == "postgresql":
        from storage.postgres import PostgresBackend  # noqa: PLC0415 - optional driver

        return PostgresBackend(url)
    from storage.sqlite import SqliteBackend  # noqa: PLC0415

    return SqliteBackend(url)
