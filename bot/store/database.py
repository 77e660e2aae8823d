"""The connection and its transactions: the plumbing every repository of the store shares.

A `Database` holds one connection, opened on first use, and again after any error (the server may
have restarted) or in a process forked from the one that opened it. Each transaction runs behind a
lock, so one database can be shared by the threads of a Bolt app; a transaction begun inside
another on the same thread joins it, so that several repositories can write in one. Driver errors
become `StoreError`, whose message never shows a password. `SQLiteDatabase` and
`PostgresDatabase` (bot/store/sqlite.py, bot/store/postgres.py) say how to connect, how to begin,
how to lock for a migration, and the SQL that differs between the two.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from bot.exceptions import StoreError
from bot.store.sql import NAMED, Transaction

DEFAULT_TIMEOUT = 10.0
"""Seconds a statement or lock may wait, for the command line; the Slack app sets its own."""
PING_AFTER_IDLE = 30.0
"""A connection unused this long is checked before it is used again: the server may have closed
it meanwhile (a restart, a failover, an idle timeout), and opening a new one costs less than a
call that fails and leaves the store degraded for a few seconds."""


class Database:
    """The shared plumbing; subclasses fill in the hooks below."""

    name = "database"
    style = NAMED
    """The driver's parameter style (bot/store/sql.py)."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._lock = threading.RLock()
        self._connection: Any = None
        self._pid = 0
        self._used = 0.0
        self._open: Transaction | None = None
        self.ping_after_idle = PING_AFTER_IDLE

    # --- Dialect hooks ----------------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, connection: Any) -> None:
        """Start a transaction (PostgreSQL's driver does this by itself)."""

    def _errors(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def _alive(self, connection: Any) -> bool:
        """Whether an idle connection still works (a file, unlike a server, does not go away)."""
        return True

    def _describe(self, exc: BaseException) -> str:
        return str(exc).strip() or type(exc).__name__

    def error(self, exc: BaseException) -> StoreError:
        """The `StoreError` a driver error becomes."""
        return StoreError(f"{self.name}: {self._describe(exc)}")

    def lock_for_migration(self, sql: Transaction) -> None:
        """Keep two processes from migrating at once (SQLite's BEGIN IMMEDIATE already does)."""

    def json_array_length(self, column: str) -> str:
        """SQL for the number of items in the JSON array held as text in `column`."""
        raise NotImplementedError

    # --- Transactions -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction, committed when the block ends and rolled back when it raises."""
        with self._lock:
            if self._open is not None:
                yield self._open
                return
            try:
                connection = self._connected()
                self._begin(connection)
                cursor = connection.cursor()
                self._open = Transaction(cursor, self.style)
                try:
                    yield self._open
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
                finally:
                    self._open = None
                    self._used = time.monotonic()
                    cursor.close()
            except self._errors() as exc:
                # The connection may be broken (database restarted): open a fresh one next time.
                self._drop_connection()
                raise self.error(exc) from None

    def _connected(self) -> Any:
        if self._connection is not None and self._pid != os.getpid():
            # Opened before a fork (gunicorn loads the app, then forks its worker): the parent
            # owns that connection, so the child opens its own and never closes it.
            self._connection = None
        elif (
            self._connection is not None
            and time.monotonic() - self._used > self.ping_after_idle
            and not self._alive(self._connection)
        ):
            self._drop_connection()
        if self._connection is None:
            self._connection = self._connect()
            self._pid = os.getpid()
        return self._connection

    def _drop_connection(self) -> None:
        # Closing a broken connection may fail too; there is nothing more to do about it.
        with suppress(Exception):
            if self._connection is not None:
                self._connection.close()
        self._connection = None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
