"""Usage statistics for the maintainers: what is matched, what helps, what is missing.

Read from the store and the knowledge base in one go into a frozen `Stats`, which the terminal
(`syncdoc stats`) and the Slack App Home tab present in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import KnowledgeBase
from bot.store import DAY, ConfusedPair, Store

UNUSED_DAYS = 90
RECENT_DAYS = 30


@dataclass(frozen=True)
class EntryStats:
    entry_id: str
    title: str
    day: int
    week: int
    month: int
    helpful: int
    wrong: int

    @property
    def votes(self) -> int:
        return self.helpful + self.wrong

    @property
    def helpful_rate(self) -> float | None:
        return self.helpful / self.votes if self.votes else None

    @property
    def wrong_rate(self) -> float | None:
        return self.wrong / self.votes if self.votes else None


@dataclass(frozen=True)
class Stats:
    entries: tuple[EntryStats, ...]
    """Entries matched in the last 30 days or voted on, busiest first."""
    unknown_answers: EntryStats | None
    """Votes on answers that recognised nothing ("I don't know this one")."""
    never_matched: tuple[str, ...]
    """Ids of entries not matched in the last 90 days."""
    kb_size: int
    pastes: int
    unrecognised: int
    """Pastes in the last 30 days, and how many of them nobody recognised."""
    confused: tuple[ConfusedPair, ...]
    generated_at: float

    @property
    def unrecognised_share(self) -> float | None:
        return self.unrecognised / self.pastes if self.pastes else None


def collect(store: Store, kb: KnowledgeBase) -> Stats:
    now = store.now()
    hits = {h.entry_id: h for h in store.hits()}
    tallies = {t.entry_id: t for t in store.vote_tallies()}
    titles = {e.id: e.title for e in kb}
    rows = []
    for entry_id in dict.fromkeys([*hits, *(t for t in tallies if t is not None)]):
        h, t = hits.get(entry_id), tallies.get(entry_id)
        rows.append(
            EntryStats(
                entry_id=entry_id,
                # An entry since removed from the knowledge base keeps its id as a title.
                title=titles.get(entry_id, entry_id),
                day=h.day if h else 0,
                week=h.week if h else 0,
                month=h.month if h else 0,
                helpful=t.helpful if t else 0,
                wrong=t.wrong if t else 0,
            )
        )
    rows.sort(key=lambda r: (-r.month, -r.week, -r.votes, r.entry_id))
    unknown = tallies.get(None)
    used = store.entries_hit_since(now - UNUSED_DAYS * DAY)
    pastes, unrecognised = store.paste_counts(now - RECENT_DAYS * DAY)
    return Stats(
        entries=tuple(rows),
        unknown_answers=(
            EntryStats("", "Not recognised", 0, 0, 0, unknown.helpful, unknown.wrong)
            if unknown
            else None
        ),
        never_matched=tuple(e.id for e in kb if e.id not in used),
        kb_size=len(kb),
        pastes=pastes,
        unrecognised=unrecognised,
        confused=tuple(store.confused_pairs()),
        generated_at=now,
    )
