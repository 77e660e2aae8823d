"""What each repository of the store is given: the database, and the clock it dates rows by."""

from __future__ import annotations

from collections.abc import Callable

from bot.store.database import Database

Clock = Callable[[], float]
DAY = 24 * 3600.0
PRUNE_EVERY = 600.0
"""Seconds between two clear-outs of rows that are no longer needed."""


class Repository:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def now(self) -> float:
        return self._clock()
