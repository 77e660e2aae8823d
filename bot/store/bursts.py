"""Bursts: several different people pasting the same error within a short window."""

from __future__ import annotations

from bot.store.database import Database
from bot.store.records import Burst
from bot.store.repository import DAY, PRUNE_EVERY, Clock, Repository

SIGHTINGS_KEPT = DAY
"""Longer than any burst window; older sightings are cleared out."""


class Bursts(Repository):
    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__(database, clock)
        self._last_prune = 0.0

    def sighting(self, key: str, user: str, *, window: float, people: int) -> Burst:
        """Note that `user` pasted the error `key` now; a burst is `people` or more different
        people within `window` seconds. `new` is true once per burst, across all instances."""
        now = self.now()
        since = now - window
        with self._db.transaction() as sql:
            if now - self._last_prune > PRUNE_EVERY:
                self._last_prune = now
                sql.execute("DELETE FROM sightings WHERE at < :before", before=now - SIGHTINGS_KEPT)
            sql.execute(
                "INSERT INTO sightings (key, user_id, at) VALUES (:key, :user, :now) "
                "ON CONFLICT (key, user_id) DO UPDATE SET at = excluded.at",
                key=key,
                user=user,
                now=now,
            )
            seen = sql.execute(
                "SELECT COUNT(*) FROM sightings WHERE key = :key AND at >= :since",
                key=key,
                since=since,
            ).fetchone()[0]
            if seen < people:
                return Burst(people=seen, active=False, new=False)
            # A burst that saw a paste within the window goes on; otherwise a new one starts.
            # The conditional upsert makes exactly one of several racing instances start it.
            going_on = sql.execute(
                "UPDATE bursts SET last_at = :now WHERE key = :key AND last_at >= :since",
                now=now,
                key=key,
                since=since,
            ).rowcount
            if going_on == 1:
                return Burst(people=seen, active=True, new=False)
            started = sql.execute(
                "INSERT INTO bursts (key, started_at, last_at) VALUES (:key, :now, :now) "
                "ON CONFLICT (key) DO UPDATE SET started_at = excluded.started_at, "
                "last_at = excluded.last_at WHERE bursts.last_at < :since",
                key=key,
                now=now,
                since=since,
            ).rowcount
            return Burst(people=seen, active=True, new=started == 1)
