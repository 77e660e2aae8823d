"""What the store hands back: frozen records, free of any database type."""

from __future__ import annotations

from dataclasses import dataclass


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
