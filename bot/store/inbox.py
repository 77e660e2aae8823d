"""The inbox of unknown errors: each masked template, how often and by whom it was seen, and
whether it has been reported to the maintainers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from bot.store.records import InboxItem
from bot.store.repository import Repository

_ITEMS = (
    "SELECT i.key, i.template, i.example, i.count, i.first_seen, i.last_seen, "
    "i.reported_at, i.reported_by, i.channel_hint, "
    "(SELECT COUNT(*) FROM inbox_people p WHERE p.key = i.key) "
    "FROM inbox i"
)


def template_key(template: str) -> str:
    """A fixed-length key for a template of any length (index limits differ by database)."""
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:32]


class Inbox(Repository):
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
        with self._db.transaction() as sql:
            sql.execute(
                "INSERT INTO inbox (key, template, example, count, first_seen, last_seen, "
                "channel_hint) VALUES (:key, :template, :example, 1, :now, :now, :hint) "
                "ON CONFLICT (key) DO UPDATE SET "
                "count = inbox.count + 1, last_seen = excluded.last_seen, "
                "channel_hint = COALESCE(inbox.channel_hint, excluded.channel_hint)",
                key=key,
                template=template,
                example=example,
                now=now,
                hint=channel_hint,
            )
            sql.execute(
                "INSERT INTO inbox_people (key, user_id) VALUES (:key, :user) "
                "ON CONFLICT DO NOTHING",
                key=key,
                user=user,
            )
            sql.execute(
                "INSERT INTO inbox_channels (key, channel) VALUES (:key, :channel) "
                "ON CONFLICT DO NOTHING",
                key=key,
                channel=channel,
            )
        return key

    def inbox(
        self, *, limit: int | None = None, keys: Iterable[str] | None = None
    ) -> list[InboxItem]:
        """Unknown errors, most often seen first (or only those with the given keys)."""
        wanted = None if keys is None else tuple(keys)
        if wanted == ():
            return []
        query = _ITEMS
        if wanted is not None:
            query += " WHERE i.key IN (:keys)"
        query += " ORDER BY i.count DESC, i.last_seen DESC, i.key"
        if limit is not None:
            query += " LIMIT :limit"
        with self._db.transaction() as sql:
            rows = sql.execute(query, keys=wanted, limit=limit).fetchall()
            channels: dict[str, list[str]] = {}
            # Only the channels of the items read, not of the whole inbox.
            for key, channel in sql.execute(
                "SELECT key, channel FROM inbox_channels WHERE key IN (:keys) ORDER BY channel",
                keys=tuple(row[0] for row in rows),
            ).fetchall():
                channels.setdefault(key, []).append(channel)
        return [
            InboxItem(
                key=row[0],
                template=row[1],
                example=row[2],
                count=row[3],
                first_seen=row[4],
                last_seen=row[5],
                reported_at=row[6],
                reported_by=row[7],
                channel_hint=row[8],
                people=row[9],
                channels=tuple(channels.get(row[0], ())),
            )
            for row in rows
        ]

    def mark_reported(self, keys: Iterable[str], *, user: str) -> list[InboxItem]:
        """Mark unknown errors as reported to the maintainers; returns them as they now stand."""
        wanted = tuple(dict.fromkeys(keys))
        with self._db.transaction() as sql:
            sql.execute(
                "UPDATE inbox SET reported_at = :now, reported_by = :user WHERE key IN (:keys)",
                now=self.now(),
                user=user,
                keys=wanted,
            )
            return self.inbox(keys=wanted)
