"""SQLite storage: the only place with SQL."""
