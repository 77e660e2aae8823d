"""The tables, and the small runner that creates and migrates them on first use.

`schema_version` records how far a database has come; a database from a newer syncdoc is refused
rather than written with a schema this one does not know.
"""

from __future__ import annotations

import logging

from bot.exceptions import StoreError
from bot.store.database import Database
from bot.store.sql import Transaction

log = logging.getLogger(__name__)

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


def migrate(sql: Transaction, database: Database) -> None:
    """Bring the database to the newest schema, inside `sql` (one transaction)."""
    database.lock_for_migration(sql)
    newest = len(MIGRATIONS)  # read when called, so a test can pretend to be an older syncdoc
    sql.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = schema_version(sql) or 0
    if current > newest:
        raise StoreError(
            f"{database.name}: the database was written by a newer syncdoc (schema version "
            f"{current}, this one knows {newest}); upgrade syncdoc"
        )
    for version in range(current + 1, newest + 1):
        for statement in MIGRATIONS[version - 1]:
            sql.execute(statement)
        sql.execute("INSERT INTO schema_version (version) VALUES (:version)", version=version)
        log.info("store: migrated %s to schema version %d", database.name, version)


def schema_version(sql: Transaction) -> int | None:
    """How far the database has been migrated (None: not at all)."""
    row = sql.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return None if row[0] is None else int(row[0])
