"""What syncdoc remembers: answers given, votes, unknown errors, bursts, and Slack events seen.

SQLite (a file in the data folder, the default) or PostgreSQL (when `DATABASE_URL` is set, so that
several instances behind a load balancer share one store and one redelivery check), with the same
SQL for both. The Slack app reaches the store through bot/store_guard.py, which bounds every call.

    store.py        Store: opens, migrates, and offers the repositories' methods as its own
    database.py     one connection, transactions, driver errors as StoreError
    sqlite.py       SQLite: connecting, locking; a damaged file moved aside
    postgres.py     PostgreSQL: connecting with timeouts, the migration lock, a ping after idling
    sql.py          named parameters (`:name`) for both drivers
    schema.py       the tables and their migrations
    records.py      the frozen records the repositories return
    repository.py   what each repository is given: the database and the clock
    redelivery.py   Slack events seen          answers.py      answers, votes, confusions
    inbox.py        unknown errors             bursts.py       several people, same error
    statistics.py   hits, tallies, pastes
"""

from bot.store.database import DEFAULT_TIMEOUT
from bot.store.inbox import template_key
from bot.store.records import Answer, Burst, ConfusedPair, EntryHits, InboxItem, VoteTally
from bot.store.repository import DAY
from bot.store.schema import SCHEMA_VERSION
from bot.store.sqlite import DAMAGED_CODES
from bot.store.store import (
    SQLITE_FILE,
    PostgresStore,
    SQLiteStore,
    Store,
    default_data_dir,
    open_store,
    sqlite_path,
)

__all__ = [
    "DAMAGED_CODES",
    "DAY",
    "DEFAULT_TIMEOUT",
    "SCHEMA_VERSION",
    "SQLITE_FILE",
    "Answer",
    "Burst",
    "ConfusedPair",
    "EntryHits",
    "InboxItem",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "VoteTally",
    "default_data_dir",
    "open_store",
    "sqlite_path",
    "template_key",
]
