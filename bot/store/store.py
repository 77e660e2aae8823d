"""`Store`: the one object the rest of syncdoc is handed, opened on SQLite or PostgreSQL.

It migrates the database on opening, then offers the methods of the five repositories as its own,
so that a caller (and bot/store_guard.py, which looks methods up by name) needs no more than one
object while each concept keeps its SQL in a module of its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.config import Secret, Settings
from bot.store.answers import Answers
from bot.store.bursts import Bursts
from bot.store.database import DEFAULT_TIMEOUT, Database
from bot.store.inbox import Inbox, template_key
from bot.store.postgres import PostgresDatabase
from bot.store.records import Answer, Burst
from bot.store.redelivery import Redelivery
from bot.store.repository import Clock
from bot.store.schema import migrate, schema_version
from bot.store.sqlite import SQLiteDatabase
from bot.store.statistics import Statistics

SQLITE_FILE = "syncdoc.sqlite3"


class Store:
    """The store on `database`, migrated to the newest schema. Every method is one short
    transaction; driver errors are `StoreError`, waits are bounded by the database's timeout."""

    def __init__(self, database: Database, *, clock: Clock = time.time) -> None:
        self.database = database
        self.name = database.name
        self._clock = clock
        try:
            with database.transaction() as sql:
                migrate(sql, database)
        except BaseException:
            database.close()
            raise
        redelivery = Redelivery(database, clock)
        self.first_time = redelivery.first_time
        answers = Answers(database, clock)
        self.record_answer = answers.record_answer
        self.answer = answers.answer
        self.vote = answers.vote
        self.votes = answers.votes
        self.record_confusion = answers.record_confusion
        inbox = Inbox(database, clock)
        self.record_unknown = inbox.record_unknown
        self.inbox = inbox.inbox
        self.mark_reported = inbox.mark_reported
        bursts = Bursts(database, clock)
        self.sighting = bursts.sighting
        statistics = Statistics(database, clock)
        self.hits = statistics.hits
        self.entries_hit_since = statistics.entries_hit_since
        self.vote_tallies = statistics.vote_tallies
        self.paste_counts = statistics.paste_counts
        self.confused_pairs = statistics.confused_pairs

    def record_paste(
        self,
        answer_id: str,
        *,
        user: str,
        channel: str,
        unknowns: Sequence[tuple[str, str, str | None]] = (),
        sightings: Sequence[str] = (),
        window: float = 0.0,
        people: int = 0,
        delivery: str | None = None,
        **answer: Any,
    ) -> tuple[Answer, list[Burst]] | None:
        """One paste in one transaction (one commit per answer, not one per row): the answer
        (`record_answer`, which takes the other keywords), each unknown error as (template,
        redacted example, channel hint) (`record_unknown`), and a sighting of each key in
        `sightings` (`sighting`), whose bursts are returned in the same order. With the Slack
        `delivery` key the paste came in, it is first checked as `first_time` is, in the same
        transaction (one call to the store per paste, not two): None, recording nothing, when
        that delivery was handled before."""
        templates = [template_key(template) for template, _, _ in unknowns]
        with self.database.transaction():
            if delivery is not None and not self.first_time(delivery):
                return None
            recorded = self.record_answer(
                answer_id, user=user, channel=channel, templates=templates, **answer
            )
            for template, example, hint in unknowns:
                self.record_unknown(
                    template, example, user=user, channel=channel, channel_hint=hint
                )
            bursts = [self.sighting(key, user, window=window, people=people) for key in sightings]
        return recorded, bursts

    def now(self) -> float:
        return self._clock()

    def schema_version(self) -> int:
        with self.database.transaction() as sql:
            return schema_version(sql) or 0

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SQLiteStore(Store):
    """A store in one SQLite file: the default for a single bot and for the command line."""

    def __init__(
        self, path: Path | str, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.path = Path(path)
        super().__init__(SQLiteDatabase(self.path, timeout=timeout), clock=clock)


class PostgresStore(Store):
    """A store in PostgreSQL, shared by every instance that is given the same `DATABASE_URL`."""

    describe_url = staticmethod(PostgresDatabase.describe_url)

    def __init__(
        self, url: Secret, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        super().__init__(PostgresDatabase(url, timeout=timeout), clock=clock)


def default_data_dir() -> Path:
    """The per-user data folder (XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("syncdoc", appauthor=False))


def sqlite_path(settings: Settings) -> Path:
    return (settings.data_dir or default_data_dir()) / SQLITE_FILE


def open_store(
    settings: Settings, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT
) -> Store:
    """The store the settings name: PostgreSQL for `DATABASE_URL`, else SQLite in the data dir."""
    if settings.database_url:
        return PostgresStore(settings.database_url, clock=clock, timeout=timeout)
    return SQLiteStore(sqlite_path(settings), clock=clock, timeout=timeout)
