"""What syncdoc remembers: answers given, votes, unknown errors, bursts, and Slack events seen.

One `Store` holds all the SQL, written once for both databases: SQLite (a file in the data
folder, the default) and PostgreSQL (when `DATABASE_URL` is set, so that several instances behind
a load balancer share one store and one redelivery check). The two differ only in how they
connect, how they lock for a migration, and the DB-API parameter style. Tables are created and
migrated on first use; `schema_version` records how far.

Every method is one short transaction behind a lock, so one store can be shared by the threads
of a Bolt app. Driver errors become `StoreError`, whose message never shows a password. Waiting
for a lock or a statement is bounded by `timeout`; the Slack app reaches the store through
bot/store_guard.py, which also bounds a call that the database never answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Secret, Settings
from bot.exceptions import StoreDamagedError, StoreError

log = logging.getLogger(__name__)

SQLITE_FILE = "syncdoc.sqlite3"
SEEN_EVENTS_KEPT = 24 * 3600.0
"""Slack redelivers an event within minutes; a day of keys is plenty to recognise a retry."""

PRUNE_EVERY = 600.0
DAY = 24 * 3600.0
DEFAULT_TIMEOUT = 10.0
"""Seconds a statement or lock may wait, for the command line; the Slack app sets its own."""

Clock = Callable[[], float]

# Each migration is a list of statements valid in both SQLite and PostgreSQL. Append, never edit:
# a database that has run version N never runs it again.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE seen_events (
            key TEXT PRIMARY KEY,
            seen_at DOUBLE PRECISION NOT NULL)""",
        "CREATE INDEX seen_events_at ON seen_events (seen_at)",
        """CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            entry_id TEXT,
            recognised INTEGER NOT NULL,
            entries TEXT NOT NULL,
            candidates TEXT NOT NULL,
            templates TEXT NOT NULL)""",
        "CREATE INDEX answers_at ON answers (at)",
        """CREATE TABLE hits (
            answer_id TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (answer_id, entry_id))""",
        "CREATE INDEX hits_entry_at ON hits (entry_id, at)",
        """CREATE TABLE votes (
            answer_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            helpful INTEGER NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (answer_id, user_id))""",
        """CREATE TABLE confusions (
            answer_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            answered TEXT,
            chosen TEXT,
            at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (answer_id, user_id))""",
        """CREATE TABLE inbox (
            key TEXT PRIMARY KEY,
            template TEXT NOT NULL,
            example TEXT NOT NULL,
            count INTEGER NOT NULL,
            first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL,
            reported_at DOUBLE PRECISION,
            reported_by TEXT)""",
        """CREATE TABLE inbox_people (
            key TEXT NOT NULL,
            user_id TEXT NOT NULL,
            PRIMARY KEY (key, user_id))""",
        """CREATE TABLE inbox_channels (
            key TEXT NOT NULL,
            channel TEXT NOT NULL,
            PRIMARY KEY (key, channel))""",
        """CREATE TABLE sightings (
            key TEXT NOT NULL,
            user_id TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (key, user_id))""",
        "CREATE INDEX sightings_at ON sightings (at)",
        """CREATE TABLE bursts (
            key TEXT PRIMARY KEY,
            started_at DOUBLE PRECISION NOT NULL,
            last_at DOUBLE PRECISION NOT NULL)""",
    ),
    # The knowledge base channel an unknown error names, read before redaction removes it.
    ("ALTER TABLE inbox ADD COLUMN channel_hint TEXT",),
    # An answer shown again (shared in the channel) can be voted on but is not another paste.
    ("ALTER TABLE answers ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0",),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Answer:
    """One answer the bot gave: the entries it matched (main one first) and those it offered."""

    id: str
    user: str
    channel: str
    at: float
    entries: tuple[str, ...]
    candidates: tuple[str, ...]
    templates: tuple[str, ...]

    @property
    def entry_id(self) -> str | None:
        return self.entries[0] if self.entries else None

    @property
    def recognised(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class InboxItem:
    """One unknown error, grouped by its masked template."""

    key: str
    template: str
    example: str
    count: int
    people: int
    channels: tuple[str, ...]
    first_seen: float
    last_seen: float
    reported_at: float | None
    reported_by: str | None
    channel_hint: str | None = None


@dataclass(frozen=True)
class Burst:
    """How many different people pasted the same error within the window, and whether that is a
    burst (`active`) that nobody has been told about yet (`new`)."""

    people: int
    active: bool
    new: bool


@dataclass(frozen=True)
class EntryHits:
    entry_id: str
    day: int
    week: int
    month: int


@dataclass(frozen=True)
class VoteTally:
    entry_id: str | None
    helpful: int
    wrong: int


@dataclass(frozen=True)
class ConfusedPair:
    answered: str | None
    chosen: str
    count: int


def template_key(template: str) -> str:
    """A fixed-length key for a template of any length (index limits differ by database)."""
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:32]


class Store:
    """The shared implementation; `SQLiteStore` and `PostgresStore` say how to connect."""

    name = "database"
    placeholder = "?"

    def __init__(self, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._clock = clock
        self.timeout = timeout
        self._lock = threading.RLock()
        self._connection: Any = None
        self._cursor: _Cursor | None = None
        self._pid = 0
        self._last_prune = 0.0
        try:
            with self._transaction() as cursor:
                self._migrate(cursor)
        except BaseException:
            self.close()
            raise

    # --- Subclass hooks ---------------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _lock_for_migration(self, cursor: Any) -> None:
        """Keep two processes from migrating at once."""

    def _errors(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def _describe(self, exc: BaseException) -> str:
        return str(exc).strip() or type(exc).__name__

    def _error(self, exc: BaseException) -> StoreError:
        """The `StoreError` a driver error becomes."""
        return StoreError(f"{self.name}: {self._describe(exc)}")

    # --- Plumbing ---------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> float:
        return self._clock()

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        with self._lock:
            if self._cursor is not None:
                yield self._cursor  # called inside another transaction (`record_paste`): join it
                return
            try:
                if self._connection is not None and self._pid != os.getpid():
                    # Opened before a fork (gunicorn loads the app, then forks its worker): the
                    # parent owns that connection, so the child opens its own and never closes it.
                    self._connection = None
                if self._connection is None:
                    self._connection = self._connect()
                    self._pid = os.getpid()
                connection = self._connection
                self._begin(connection)
                cursor = connection.cursor()
                self._cursor = _Cursor(cursor, self.placeholder)
                try:
                    yield self._cursor
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
                finally:
                    self._cursor = None
                    cursor.close()
            except self._errors() as exc:
                # The connection may be broken (database restarted): open a fresh one next time.
                self._drop_connection()
                raise self._error(exc) from None

    def _begin(self, connection: Any) -> None:
        """Start a transaction (PostgreSQL's driver does this by itself)."""

    def _drop_connection(self) -> None:
        # Closing a broken connection may fail too; there is nothing more to do about it.
        with suppress(Exception):
            if self._connection is not None:
                self._connection.close()
        self._connection = None

    def _migrate(self, cursor: _Cursor) -> None:
        self._lock_for_migration(cursor)
        cursor.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = cursor.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.name}: the database was written by a newer syncdoc (schema version "
                f"{current}, this one knows {SCHEMA_VERSION}); upgrade syncdoc"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version - 1]:
                cursor.execute(statement)
            cursor.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            log.info("store: migrated %s to schema version %d", self.name, version)

    def schema_version(self) -> int:
        with self._transaction() as cursor:
            return cursor.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    # --- Slack redelivery -------------------------------------------------------------------------
    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered, by this process or any other sharing the store."""
        now = self.now()
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO seen_events (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, now),
            )
            first = cursor.rowcount == 1
            if now - self._last_prune > PRUNE_EVERY:
                self._prune(cursor, now)
        return first

    def _prune(self, cursor: _Cursor, now: float) -> None:
        self._last_prune = now
        cursor.execute("DELETE FROM seen_events WHERE seen_at < ?", (now - SEEN_EVENTS_KEPT,))
        cursor.execute("DELETE FROM sightings WHERE at < ?", (now - DAY,))

    # --- Answers, votes, confusions ---------------------------------------------------------------
    def record_answer(
        self,
        answer_id: str,
        *,
        user: str,
        channel: str,
        entries: Sequence[str],
        candidates: Sequence[str] = (),
        templates: Sequence[str] = (),
        repeat: bool = False,
    ) -> Answer:
        """Remember an answer: `entries` matched (first shown first), `candidates` were near.
        A `repeat` (the same answer shown again) adds no hits and is not counted as a paste."""
        answer = Answer(
            id=answer_id,
            user=user,
            channel=channel,
            at=self.now(),
            entries=tuple(dict.fromkeys(entries)),
            candidates=tuple(dict.fromkeys(candidates)),
            templates=tuple(dict.fromkeys(templates)),
        )
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO answers (id, user_id, channel, at, entry_id, recognised, entries, "
                "candidates, templates, repeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer.id,
                    answer.user,
                    answer.channel,
                    answer.at,
                    answer.entry_id,
                    int(answer.recognised),
                    json.dumps(answer.entries),
                    json.dumps(answer.candidates),
                    json.dumps(answer.templates),
                    int(repeat),
                ),
            )
            if not repeat:
                cursor.executemany(
                    "INSERT INTO hits (answer_id, entry_id, at) VALUES (?, ?, ?)",
                    [(answer.id, entry, answer.at) for entry in answer.entries],
                )
        return answer

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
        **answer: Any,
    ) -> tuple[Answer, list[Burst]]:
        """One paste in one transaction (one commit per answer, not one per row): the answer
        (`record_answer`, which takes the other keywords), each unknown error as (template,
        redacted example, channel hint) (`record_unknown`), and a sighting of each key in
        `sightings` (`sighting`), whose bursts are returned in the same order."""
        templates = [template for template, _, _ in unknowns]
        with self._transaction():
            recorded = self.record_answer(
                answer_id,
                user=user,
                channel=channel,
                templates=[template_key(t) for t in templates],
                **answer,
            )
            for template, example, hint in unknowns:
                self.record_unknown(
                    template, example, user=user, channel=channel, channel_hint=hint
                )
            bursts = [self.sighting(key, user, window=window, people=people) for key in sightings]
        return recorded, bursts

    def answer(self, answer_id: str) -> Answer | None:
        with self._transaction() as cursor:
            row = cursor.execute(
                "SELECT id, user_id, channel, at, entries, candidates, templates FROM answers "
                "WHERE id = ?",
                (answer_id,),
            ).fetchone()
        if row is None:
            return None
        return Answer(
            id=row[0],
            user=row[1],
            channel=row[2],
            at=row[3],
            entries=tuple(json.loads(row[4])),
            candidates=tuple(json.loads(row[5])),
            templates=tuple(json.loads(row[6])),
        )

    def vote(self, answer_id: str, user: str, *, helpful: bool) -> None:
        """One vote per person per answer: a second vote replaces the first."""
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO votes (answer_id, user_id, helpful, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET helpful = excluded.helpful, "
                "at = excluded.at",
                (answer_id, user, int(helpful), self.now()),
            )

    def votes(self, answer_id: str) -> tuple[int, int]:
        """(helpful, wrong) votes on one answer."""
        with self._transaction() as cursor:
            row = cursor.execute(
                "SELECT COALESCE(SUM(helpful), 0), COUNT(*) - COALESCE(SUM(helpful), 0) "
                "FROM votes WHERE answer_id = ?",
                (answer_id,),
            ).fetchone()
        return int(row[0]), int(row[1])

    def record_confusion(
        self, answer_id: str, user: str, *, answered: str | None, chosen: str | None
    ) -> None:
        """After a "wrong answer" vote: the entry the person says it really was (None: none)."""
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO confusions (answer_id, user_id, answered, chosen, at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_id, user_id) DO UPDATE SET "
                "answered = excluded.answered, chosen = excluded.chosen, at = excluded.at",
                (answer_id, user, answered, chosen, self.now()),
            )

    # --- Inbox of unknown errors ------------------------------------------------------------------
    def record_unknown(
        self,
        template: str,
        example: str,
        *,
        user: str,
        channel: str,
        channel_hint: str | None = None,
    ) -> str:
        """Count one sighting of an unknown error; returns its inbox key. `example` must already be
        redacted: the first one is kept."""
        key = template_key(template)
        now = self.now()
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO inbox (key, template, example, count, first_seen, last_seen, "
                "channel_hint) VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "count = inbox.count + 1, last_seen = excluded.last_seen, "
                "channel_hint = COALESCE(inbox.channel_hint, excluded.channel_hint)",
                (key, template, example, now, now, channel_hint),
            )
            cursor.execute(
                "INSERT INTO inbox_people (key, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (key, user),
            )
            cursor.execute(
                "INSERT INTO inbox_channels (key, channel) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (key, channel),
            )
        return key

    def inbox(
        self, *, limit: int | None = None, keys: Iterable[str] | None = None
    ) -> list[InboxItem]:
        """Unknown errors, most often seen first (or only those with the given keys)."""
        where, params = "", tuple[str, ...]()
        if keys is not None:
            wanted = tuple(keys)
            if not wanted:
                return []
            where = f"WHERE i.key IN ({', '.join('?' for _ in wanted)})"
            params = wanted
        query = (
            "SELECT i.key, i.template, i.example, i.count, i.first_seen, i.last_seen, "
            "i.reported_at, i.reported_by, "
            "(SELECT COUNT(*) FROM inbox_people p WHERE p.key = i.key), i.channel_hint "
            f"FROM inbox i {where} ORDER BY i.count DESC, i.last_seen DESC, i.key"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._transaction() as cursor:
            rows = cursor.execute(query, params).fetchall()
            channels: dict[str, list[str]] = {}
            for key, channel in cursor.execute(
                "SELECT key, channel FROM inbox_channels ORDER BY channel"
            ).fetchall():
                channels.setdefault(key, []).append(channel)
        return [
            InboxItem(
                key=row[0],
                template=row[1],
                example=row[2],
                count=row[3],
                people=row[8],
                channels=tuple(channels.get(row[0], ())),
                first_seen=row[4],
                last_seen=row[5],
                reported_at=row[6],
                reported_by=row[7],
                channel_hint=row[9],
            )
            for row in rows
        ]

    def mark_reported(self, keys: Iterable[str], *, user: str) -> list[InboxItem]:
        """Mark unknown errors as reported to the maintainers; returns them as they now stand."""
        wanted = tuple(dict.fromkeys(keys))
        with self._transaction() as cursor:
            for key in wanted:
                cursor.execute(
                    "UPDATE inbox SET reported_at = ?, reported_by = ? WHERE key = ?",
                    (self.now(), user, key),
                )
        return self.inbox(keys=wanted)

    # --- Bursts -----------------------------------------------------------------------------------
    def sighting(self, key: str, user: str, *, window: float, people: int) -> Burst:
        """Note that `user` pasted the error `key` now; a burst is `people` or more different
        people within `window` seconds. `new` is true once per burst, across all instances."""
        now = self.now()
        since = now - window
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO sightings (key, user_id, at) VALUES (?, ?, ?) "
                "ON CONFLICT (key, user_id) DO UPDATE SET at = excluded.at",
                (key, user, now),
            )
            seen = cursor.execute(
                "SELECT COUNT(*) FROM sightings WHERE key = ? AND at >= ?", (key, since)
            ).fetchone()[0]
            if seen < people:
                return Burst(people=seen, active=False, new=False)
            # A burst that saw a paste within the window goes on; otherwise a new one starts.
            # The conditional upsert makes exactly one of several racing instances start it.
            cursor.execute(
                "UPDATE bursts SET last_at = ? WHERE key = ? AND last_at >= ?", (now, key, since)
            )
            if cursor.rowcount == 1:
                return Burst(people=seen, active=True, new=False)
            cursor.execute(
                "INSERT INTO bursts (key, started_at, last_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET started_at = excluded.started_at, "
                "last_at = excluded.last_at WHERE bursts.last_at < ?",
                (key, now, now, since),
            )
            return Burst(people=seen, active=True, new=cursor.rowcount == 1)

    # --- Statistics -------------------------------------------------------------------------------
    def hits(self) -> list[EntryHits]:
        """Answers per entry over the last 24 hours, 7 days and 30 days, busiest first."""
        now = self.now()
        with self._transaction() as cursor:
            rows = cursor.execute(
                "SELECT entry_id, "
                "SUM(CASE WHEN at >= ? THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN at >= ? THEN 1 ELSE 0 END), COUNT(*) "
                "FROM hits WHERE at >= ? GROUP BY entry_id",
                (now - DAY, now - 7 * DAY, now - 30 * DAY),
            ).fetchall()
        found = [EntryHits(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]
        return sorted(found, key=lambda h: (-h.month, -h.week, -h.day, h.entry_id))

    def entries_hit_since(self, since: float) -> set[str]:
        with self._transaction() as cursor:
            rows = cursor.execute(
                "SELECT DISTINCT entry_id FROM hits WHERE at >= ?", (since,)
            ).fetchall()
        return {r[0] for r in rows}

    def vote_tallies(self) -> list[VoteTally]:
        """Helpful and wrong votes per answered entry (None: answers that recognised nothing)."""
        with self._transaction() as cursor:
            rows = cursor.execute(
                "SELECT a.entry_id, SUM(v.helpful), COUNT(*) - SUM(v.helpful) "
                "FROM votes v JOIN answers a ON a.id = v.answer_id GROUP BY a.entry_id"
            ).fetchall()
        tallies = [VoteTally(r[0], int(r[1]), int(r[2])) for r in rows]
        return sorted(tallies, key=lambda t: (-(t.helpful + t.wrong), t.entry_id or ""))

    def paste_counts(self, since: float) -> tuple[int, int]:
        """(pastes, pastes that recognised nothing) since `since`. A paste is an answer that
        recognised an error or saw an unknown error line: a chat message that only came near an
        entry ("the remote server is slow today") is answered but is not a paste."""
        with self._transaction() as cursor:
            row = cursor.execute(
                "SELECT COUNT(*), COALESCE(SUM(1 - recognised), 0) FROM answers "
                "WHERE at >= ? AND repeat = 0 AND (recognised = 1 OR templates <> '[]')",
                (since,),
            ).fetchone()
        return int(row[0]), int(row[1])

    def confused_pairs(self, limit: int = 10) -> list[ConfusedPair]:
        """(entry answered, entry people said it really was), most frequent first."""
        with self._transaction() as cursor:
            rows = cursor.execute(
                "SELECT answered, chosen, COUNT(*) AS n FROM confusions "
                "WHERE chosen IS NOT NULL GROUP BY answered, chosen "
                f"ORDER BY n DESC, answered, chosen LIMIT {int(limit)}"
            ).fetchall()
        return [ConfusedPair(r[0], r[1], int(r[2])) for r in rows]


class _Cursor:
    """A DB-API cursor that takes `?` placeholders whatever the driver's parameter style."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        self._cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
"""SQLite's "database disk image is malformed" and "file is not a database"."""


class SQLiteStore(Store):
    """A store in one SQLite file: the default for a single bot and for the command line."""

    def __init__(
        self, path: Path | str, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        super().__init__(clock=clock, timeout=timeout)

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

    def _begin(self, connection: Any) -> None:
        connection.execute("BEGIN IMMEDIATE")

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error, OSError)

    def _error(self, exc: BaseException) -> StoreError:
        if getattr(exc, "sqlite_errorcode", None) in DAMAGED_CODES:
            return StoreDamagedError(f"{self.name}: {self._describe(exc)}", self.path)
        return super()._error(exc)


class PostgresStore(Store):
    """A store in PostgreSQL, shared by every instance that is given the same `DATABASE_URL`."""

    placeholder = "%s"

    def __init__(
        self, url: Secret, *, clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._url = url
        self._password = urlsplit(url.reveal()).password or ""
        self.name = self.describe_url(url)
        super().__init__(clock=clock, timeout=timeout)

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

    def _lock_for_migration(self, cursor: Any) -> None:
        # Any constant works; it only has to be the same for every syncdoc process.
        cursor.execute("SELECT pg_advisory_xact_lock(?)", (0x5D0C,))

    def _errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error,)

    def _describe(self, exc: BaseException) -> str:
        text = super()._describe(exc)
        return text.replace(self._password, "***") if self._password else text


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
