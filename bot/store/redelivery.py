"""Slack redelivery: whether an event was seen before, by this process or any other sharing the
store."""

from __future__ import annotations

from bot.store.database import Database
from bot.store.repository import DAY, PRUNE_EVERY, Clock, Repository

SEEN_EVENTS_KEPT = DAY
"""Slack redelivers an event within minutes; a day of keys is plenty to recognise a retry."""


class Redelivery(Repository):
    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__(database, clock)
        self._last_prune = 0.0

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered, by this process or any other sharing the store."""
        now = self.now()
        with self._db.transaction() as sql:
            first = (
                sql.execute(
                    "INSERT INTO seen_events (key, seen_at) VALUES (:key, :now) "
                    "ON CONFLICT (key) DO NOTHING",
                    key=key,
                    now=now,
                ).rowcount
                == 1
            )
            if now - self._last_prune > PRUNE_EVERY:
                self._last_prune = now
                sql.execute(
                    "DELETE FROM seen_events WHERE seen_at < :before",
                    before=now - SEEN_EVENTS_KEPT,
                )
        return first
