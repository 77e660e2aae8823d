"""SQLite: the store in one file of the data folder, the default for one bot and the command line;
and what to do with a file SQLite finds damaged (move it aside, for a fresh one to be started)."""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.exceptions import StoreDamagedError, StoreError
from bot.store.database import DEFAULT_TIMEOUT, Database

DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
"""SQLite's "database disk image is malformed" and "file is not a database"."""


class SQLiteDatabase(Database):
    def __init__(self, path: Path | str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.path = Path(path)
        self.name = str(self.path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Transactions are begun explicitly (BEGIN IMMEDIATE) so that a read-then-write, as in
        # `sighting`, holds the write lock throughout when two processes share the file.
        connection = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _begin(self, connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error, OSError)

    def error(self, exc: BaseException) -> StoreError:
        if getattr(exc, "sqlite_errorcode", None) in DAMAGED_CODES:
            return StoreDamagedError(f"{self.name}: {self._describe(exc)}", self.path)
        return super().error(exc)

    def json_array_length(self, column: str) -> str:
        return f"json_array_length({column})"


def move_aside(path: Path) -> Path | None:
    """Rename a damaged SQLite file (and its WAL and shared-memory files) to
    `NAME.damaged-TIMESTAMP`; None when it is no longer damaged (another process sharing it has
    already replaced it)."""
    with _locked(path.with_name(path.name + ".lock")):
        if not is_damaged(path):
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = path.with_name(f"{path.name}.damaged-{stamp}")
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(target.with_name(target.name + suffix))
        path.rename(target)
        return target


def is_damaged(path: Path) -> bool:
    """True when SQLite finds `path` is not a database or has malformed pages."""
    if not path.exists():
        return False
    try:
        with _closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorcode", None) in DAMAGED_CODES
    return rows != [("ok",)]


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Several processes may share the file: only one moves it, and the others then find the new
    # one healthy.
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
