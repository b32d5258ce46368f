"""Storage: the only place with SQL. One :class:`Store`, on SQLite or PostgreSQL."""

from storage.backend import StorageError
from storage.db import Store

__all__ = ["StorageError", "Store"]
