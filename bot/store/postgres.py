"""PostgreSQL: one store shared by every instance given the same `DATABASE_URL`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.config import Secret
from bot.store.database import DEFAULT_TIMEOUT, Database
from bot.store.sql import PYFORMAT, Transaction

MIGRATION_LOCK = 0x5D0C
"""Any constant works for the advisory lock; it only has to be the same for every syncdoc."""


class PostgresDatabase(Database):
    style = PYFORMAT

    def __init__(self, url: Secret, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self._url = url
        self._password = urlsplit(url.reveal()).password or ""
        self.name = self.describe_url(url)

    @staticmethod
    def describe_url(url: Secret) -> str:
        """How a log line names the database: its host, never its password."""
        return f"PostgreSQL at {urlsplit(url.reveal()).hostname or 'localhost'}"

    def _connect(self) -> Any:
        import psycopg  # Imported here: only a PostgreSQL store needs the driver loaded.

        # libpq counts the connect timeout in whole seconds, and takes 1 as 2. Keepalives and the
        # TCP user timeout end a connection whose server vanished without closing it (a network
        # cut); otherwise a call on it would wait for hours.
        connection = psycopg.connect(
            self._url.reveal(),
            connect_timeout=max(2, round(self.timeout)),
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            tcp_user_timeout=30_000,
        )
        # Set after connecting rather than as `options`, which would replace the URL's own.
        milliseconds = max(1, int(self.timeout * 1000))
        connection.execute(f"SET statement_timeout = {milliseconds}")
        connection.execute(f"SET lock_timeout = {milliseconds}")
        connection.commit()
        return connection

    def _alive(self, connection: Any) -> bool:
        import psycopg

        try:
            connection.execute("SELECT 1")
            connection.rollback()
        except psycopg.Error:
            return False
        return True

    def lock_for_migration(self, sql: Transaction) -> None:
        sql.execute("SELECT pg_advisory_xact_lock(:key)", key=MIGRATION_LOCK)

    def _errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error,)

    def _describe(self, exc: BaseException) -> str:
        text = super()._describe(exc)
        return text.replace(self._password, "***") if self._password else text

    def json_array_length(self, column: str) -> str:
        # The column is text in both databases; PostgreSQL's function takes json.
        return f"json_array_length(CAST({column} AS json))"
