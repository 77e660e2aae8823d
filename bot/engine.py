"""The engine: one loaded knowledge base with its matcher and its search index, answering pastes
and lookups.

The knowledge base is replaced as a whole (one attribute assignment), so a reload never lets a
request see half of an old base and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.match import Matcher
from bot.normalise import display_text
from bot.triage import MAX_CANDIDATES, Finding, Report, triage

if TYPE_CHECKING:
    from bot.search import Hit, SearchIndex

_LOOKUP_CHARS = 300
"""A paste up to this long with no error line in it is searched whole for "did you mean"."""


@dataclass(frozen=True)
class LoadedBase:
    kb: KnowledgeBase
    matcher: Matcher

    @cached_property
    def search(self) -> SearchIndex:
        """Built on first use: a recognised paste, the usual case, never pays for it (numpy and
        bm25s take a third of a second to import). Two threads racing here build two equal
        indexes, and one is kept."""
        from bot.search import SearchIndex

        return SearchIndex(self.kb)


class Engine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self._current = LoadedBase(kb, Matcher(kb))

    @classmethod
    def from_path(cls, path: Path | str) -> Engine:
        """Load and index a knowledge base folder; raises KnowledgeBaseError when it is invalid."""
        return cls(load_knowledge_base(path))

    @property
    def kb(self) -> KnowledgeBase:
        return self._current.kb

    @property
    def matcher(self) -> Matcher:
        return self._current.matcher

    def explain(self, text: str) -> Report:
        """The paste's report; its "did you mean" candidates are what a lookup of the paste's
        unknown error lines finds."""
        current = self._current
        report = triage(text, current.matcher)
        return _with_search_candidates(report, text, current)

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """The knowledge base entries that fit the words of `text`, best first."""
        return self._current.search.search(text, limit)

    def prepare_search(self) -> None:
        """Build the search index now rather than on the first lookup (the bot does, in the
        background, so that nobody waits for it)."""
        _ = self._current.search

    def replace(self, kb: KnowledgeBase) -> None:
        """Swap in a new knowledge base; its indexes are built before anyone can see it (the
        search index too, once this engine has built one)."""
        loaded = LoadedBase(kb, Matcher(kb))
        if "search" in vars(self._current):
            _ = loaded.search
        self._current = loaded


def _with_search_candidates(report: Report, text: str, current: LoadedBase) -> Report:
    queries = list(report.unmatched[:MAX_CANDIDATES])
    if not queries and not report.recognised and len(text) <= _LOOKUP_CHARS:
        queries = [text]
    matched = {f.entry.id for f in report.matches}
    best: dict[str, tuple[Hit, str]] = {}
    for query in queries:
        for hit in current.search.search(query, MAX_CANDIDATES + len(matched)):
            known = best.get(hit.entry.id)
            if hit.entry.id not in matched and (known is None or hit.score > known[0].score):
                best[hit.entry.id] = (hit, query)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0].score, pair[0].entry.id))
    candidates = tuple(
        Finding(
            entry=hit.entry,
            score=hit.score,
            confident=False,
            count=0,
            longest_run=0,
            matched_text=display_text(query),
            effective_severity=hit.entry.severity,
            escalation=None,
            first_seen=-1,
        )
        for hit, query in ranked[:MAX_CANDIDATES]
    )
    return replace(report, findings=report.matches + candidates)
