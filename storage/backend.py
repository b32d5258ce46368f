"""What the store needs from a database engine; one implementation per dialect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from storage.sql import Dialect


class StorageError(Exception):
    """The database cannot be used; the message says why in one line."""


class Backend(ABC):
    dialect: Dialect
    writers: int  # writer threads (connections) running batches side by side
    readers: int
    inline = False  # units and reads may run in the event loop's thread (see storage.db)

    @abstractmethod
    def prepare(self, migrate_schema: bool) -> None:
        """Check that the database can be used (and migrate it); raise StorageError."""

    @abstractmethod
    def open_writer(self) -> Any: ...

    @abstractmethod
    def open_reader(self) -> Any: ...

    @abstractmethod
    def begin(self, conn: Any) -> None: ...

    @abstractmethod
    def commit(self, conn: Any) -> None: ...

    @abstractmethod
    def rollback(self, conn: Any) -> None: ...

    def is_transient(self, exc: BaseException) -> bool:
        """The transaction was rolled back by the server and may simply be run again."""
        return False

    def is_busy(self, exc: BaseException) -> bool:
        """Another connection holds the lock an inline call would have to wait for."""
        return False

    def open_inline_writer(self) -> Any:
        raise NotImplementedError

    def open_inline_reader(self) -> Any:
        raise NotImplementedError

    def wal_bytes(self) -> int:
        """How much the write-ahead log holds now (0 where there is none to checkpoint)."""
        return 0

    def checkpoint(self, conn: Any) -> None:
        """Copy the write-ahead log into the database without blocking anyone."""
        raise NotImplementedError

    def is_broken(self, exc: BaseException) -> bool:
        """The connection is unusable after ``exc``; the next call opens a new one."""
        return False

    def backup(self, target: Path) -> None:
        raise StorageError(f"backup is only for SQLite files; use pg_dump for {self.dialect}")
