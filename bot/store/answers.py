"""Answers the bot gave, the votes on them, and what people said a wrong answer really was."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.store.records import Answer
from bot.store.repository import Repository


class Answers(Repository):
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
        with self._db.transaction() as sql:
            sql.execute(
                "INSERT INTO answers (id, user_id, channel, at, entry_id, recognised, entries, "
                "candidates, templates, repeat) VALUES (:id, :user, :channel, :at, :entry_id, "
                ":recognised, :entries, :candidates, :templates, :repeat)",
                id=answer.id,
                user=answer.user,
                channel=answer.channel,
                at=answer.at,
                entry_id=answer.entry_id,
                recognised=int(answer.recognised),
                entries=json.dumps(answer.entries),
                candidates=json.dumps(answer.candidates),
                templates=json.dumps(answer.templates),
                repeat=int(repeat),
            )
            if not repeat:
                sql.executemany(
                    "INSERT INTO hits (answer_id, entry_id, at) VALUES (:answer, :entry, :at)",
                    [{"answer": answer.id, "entry": e, "at": answer.at} for e in answer.entries],
                )
        return answer

    def answer(self, answer_id: str) -> Answer | None:
        with self._db.transaction() as sql:
            row = sql.execute(
                "SELECT id, user_id, channel, at, entries, candidates, templates FROM answers "
                "WHERE id = :id",
                id=answer_id,
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
        with self._db.transaction() as sql:
            sql.execute(
                "INSERT INTO votes (answer_id, user_id, helpful, at) "
                "VALUES (:answer, :user, :helpful, :at) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET helpful = excluded.helpful, "
                "at = excluded.at",
                answer=answer_id,
                user=user,
                helpful=int(helpful),
                at=self.now(),
            )

    def votes(self, answer_id: str) -> tuple[int, int]:
        """(helpful, wrong) votes on one answer."""
        with self._db.transaction() as sql:
            row = sql.execute(
                "SELECT COALESCE(SUM(helpful), 0), COUNT(*) - COALESCE(SUM(helpful), 0) "
                "FROM votes WHERE answer_id = :answer",
                answer=answer_id,
            ).fetchone()
        return int(row[0]), int(row[1])

    def record_confusion(
        self, answer_id: str, user: str, *, answered: str | None, chosen: str | None
    ) -> None:
        """After a "wrong answer" vote: the entry the person says it really was (None: none)."""
        with self._db.transaction() as sql:
            sql.execute(
                "INSERT INTO confusions (answer_id, user_id, answered, chosen, at) "
                "VALUES (:answer, :user, :answered, :chosen, :at) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET "
                "answered = excluded.answered, chosen = excluded.chosen, at = excluded.at",
                answer=answer_id,
                user=user,
                answered=answered,
                chosen=chosen,
                at=self.now(),
            )
