"""Usage statistics: answers per entry, votes, pastes, and the entries people confuse."""

from __future__ import annotations

from bot.store.records import ConfusedPair, EntryHits, VoteTally
from bot.store.repository import DAY, Repository


class Statistics(Repository):
    def hits(self) -> list[EntryHits]:
        """Answers per entry over the last 24 hours, 7 days and 30 days, busiest first."""
        now = self.now()
        with self._db.transaction() as sql:
            rows = sql.execute(
                "SELECT entry_id, "
                "SUM(CASE WHEN at >= :day THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN at >= :week THEN 1 ELSE 0 END), COUNT(*) "
                "FROM hits WHERE at >= :month GROUP BY entry_id",
                day=now - DAY,
                week=now - 7 * DAY,
                month=now - 30 * DAY,
            ).fetchall()
        found = [EntryHits(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]
        return sorted(found, key=lambda h: (-h.month, -h.week, -h.day, h.entry_id))

    def entries_hit_since(self, since: float) -> set[str]:
        with self._db.transaction() as sql:
            rows = sql.execute(
                "SELECT DISTINCT entry_id FROM hits WHERE at >= :since", since=since
            ).fetchall()
        return {r[0] for r in rows}

    def vote_tallies(self) -> list[VoteTally]:
        """Helpful and wrong votes per answered entry (None: answers that recognised nothing)."""
        with self._db.transaction() as sql:
            rows = sql.execute(
                "SELECT a.entry_id, SUM(v.helpful), COUNT(*) - SUM(v.helpful) "
                "FROM votes v JOIN answers a ON a.id = v.answer_id GROUP BY a.entry_id"
            ).fetchall()
        tallies = [VoteTally(r[0], int(r[1]), int(r[2])) for r in rows]
        return sorted(tallies, key=lambda t: (-(t.helpful + t.wrong), t.entry_id or ""))

    def paste_counts(self, since: float) -> tuple[int, int]:
        """(pastes, pastes that recognised nothing) since `since`. A paste is an answer that
        recognised an error or saw an unknown error line: a chat message that only came near an
        entry ("the remote server is slow today") is answered but is not a paste."""
        unknown_lines = self._db.json_array_length("templates")
        with self._db.transaction() as sql:
            row = sql.execute(
                "SELECT COUNT(*), COALESCE(SUM(1 - recognised), 0) FROM answers "
                f"WHERE at >= :since AND repeat = 0 AND (recognised = 1 OR {unknown_lines} > 0)",
                since=since,
            ).fetchone()
        return int(row[0]), int(row[1])

    def confused_pairs(self, limit: int = 10) -> list[ConfusedPair]:
        """(entry answered, entry people said it really was), most frequent first."""
        with self._db.transaction() as sql:
            rows = sql.execute(
                "SELECT answered, chosen, COUNT(*) AS n FROM confusions "
                "WHERE chosen IS NOT NULL GROUP BY answered, chosen "
                "ORDER BY n DESC, answered, chosen LIMIT :limit",
                limit=limit,
            ).fetchall()
        return [ConfusedPair(r[0], r[1], int(r[2])) for r in rows]
