"""The engine: one loaded knowledge base with its matcher and its search index, answering pastes
and lookups.

The knowledge base is replaced as a whole (one attribute assignment), so a reload never lets a
request see half of an old base and half of a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from bot.collector import collector_paused
from bot.knowledge import Entry, KnowledgeBase, fingerprint, load_knowledge_base
from bot.loadcache import LoadCache
from bot.match import Matcher, SystemNames
from bot.memory import memory_of, remember
from bot.normalise import display_text
from bot.triage import MAX_CANDIDATES, Finding, Report, triage

if TYPE_CHECKING:
    from bot.search import Hit, SearchIndex

_LOOKUP_CHARS = 300
"""A paste up to this long with no error line in it is searched whole for "did you mean"."""


_SEARCH = "search"
"""The load cache's part that holds the search index."""


@dataclass(frozen=True)
class LoadedBase:
    """Everything the engine keeps per knowledge base. The load cache pickles it whole, so an
    index added here is cached with the rest, provided it can be pickled (no locks or lambdas);
    tests/test_loadcache.py fails when it cannot. The search index is the exception: it is
    cached on its own and read back on the first lookup, so that a start does not read it."""

    kb: KnowledgeBase
    matcher: Matcher

    @cached_property
    def search(self) -> SearchIndex:
        """Built on first use: a recognised paste, the usual case, never pays for it. Two threads
        racing here build two equal indexes, and one is kept."""
        from bot.search import SearchIndex

        return SearchIndex(self.kb)

    def adopt(self, search: SearchIndex) -> None:
        """Use `search` (this base's index, read back from the load cache) unless one is built."""
        vars(self).setdefault(_SEARCH, search)  # Where `cached_property` keeps what it built.

    @property
    def has_search(self) -> bool:
        return _SEARCH in vars(self)

    @property
    def shared(self) -> dict[str, object]:
        """What the cached search index refers to rather than holds a copy of."""
        return {"kb": self.kb, "entries": self.kb.entries}

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in vars(self).items() if name != _SEARCH}


class Engine:
    def __init__(self, kb: KnowledgeBase, *, cache: LoadCache | None = None) -> None:
        self._cache = cache
        self._current = self._index(kb)

    @classmethod
    def from_path(cls, path: Path | str, *, cache: LoadCache | None = None) -> Engine:
        """Load and index a knowledge base folder, or read it back from `cache` when the folder
        is unchanged since it was cached; raises KnowledgeBaseError when it is invalid."""
        root = Path(path)
        cached = _cached(cache, root) if cache is not None else None
        if cached is None:
            # The base lives as long as it is served, so it is frozen as one read back is
            # (bot/collector.py): a full pass of the collector would otherwise walk all of it
            # once more (about 0.2 s at 10,000 entries), in whatever runs next.
            with collector_paused(freeze=True):
                return cls(load_knowledge_base(root), cache=cache)
        engine = cls.__new__(cls)
        engine._cache, engine._current = cache, cached
        return engine

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
        reports = memory_of(_REPORTS, current.matcher, dict)
        report = reports.get(text)
        if report is None:
            report = self._explained(text, current)
            _remember_report(reports, text, report)
        return report

    def _explained(self, text: str, current: LoadedBase) -> Report:
        report = triage(text, current.matcher)
        return _with_search_candidates(report, text, current, lambda: self._searchable(current))

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """The knowledge base entries that fit the words of `text`, best first; words naming
        another system ("etsy listing failed") rule out the channels' own entries."""
        current = self._current
        return _in_context(self._searchable(current).search(text, limit), text, current.matcher)

    def prepare_search(self) -> None:
        """Build the search index now rather than on the first lookup (the bot does, in the
        background, so that nobody waits for it)."""
        self._searchable(self._current)

    def _searchable(self, current: LoadedBase) -> SearchIndex:
        """`current`'s search index: built, read back from the load cache, or built now."""
        if not current.has_search:
            cached = self._cached_search(current)
            if cached is not None:
                current.adopt(cached)
            else:
                _ = current.search
                self._remember_search(current)
        return current.search

    def replace(self, kb: KnowledgeBase) -> None:
        """Swap in a new knowledge base; its indexes are built before anyone can see it (the
        search index too, once this engine has one)."""
        loaded = LoadedBase(kb, Matcher(kb))
        if self._current.has_search:
            _ = loaded.search
        self._remember(loaded)
        self._remember_search(loaded)
        self._current = loaded

    def _index(self, kb: KnowledgeBase) -> LoadedBase:
        loaded = LoadedBase(kb, Matcher(kb))
        self._remember(loaded)
        return loaded

    # Keyed by the fingerprint of the bytes that were parsed, so an edit made while loading is
    # never cached under the new content's name.
    def _remember(self, loaded: LoadedBase) -> None:
        if self._cache is not None:
            self._cache.put(loaded.kb.path, loaded.kb.fingerprint, loaded)

    def _remember_search(self, loaded: LoadedBase) -> None:
        if self._cache is not None and loaded.has_search:
            kb = loaded.kb
            self._cache.put(
                kb.path, kb.fingerprint, loaded.search, part=_SEARCH, shared=loaded.shared
            )

    def _cached_search(self, loaded: LoadedBase) -> SearchIndex | None:
        if self._cache is None:
            return None
        kb = loaded.kb
        found = self._cache.get(kb.path, kb.fingerprint, part=_SEARCH, shared=loaded.shared)
        from bot.search import SearchIndex

        return found if isinstance(found, SearchIndex) and found.kb is kb else None


# The same paste comes back (the same error posted again, chat such as "lunch is in the kitchen":
# in bench/slope.py's pastes, one in five had been answered before), and its report depends on
# nothing but its text and the base, so it is remembered per base (forgotten with its matcher).
# Bounded, and only short pastes: a long log is rarely pasted twice, and its text is the key.
_REPORTS: WeakKeyDictionary[Matcher, dict[str, Report]] = WeakKeyDictionary()
_MAX_REPORTS = 1_000
_MAX_REMEMBERED_CHARS = 4_000


def _remember_report(reports: dict[str, Report], text: str, report: Report) -> None:
    if len(text) <= _MAX_REMEMBERED_CHARS:
        remember(reports, text, report, _MAX_REPORTS)


def _with_search_candidates(
    report: Report, text: str, current: LoadedBase, searchable: Callable[[], SearchIndex]
) -> Report:
    """Keep the matcher's held-back candidates (an error text that context kept from being
    claimed, e.g. a bare "423 Locked") and fill the rest of "did you mean" from a lookup of the
    paste's unknown error lines."""
    held = [c for c in report.candidates if c.held_back][:MAX_CANDIDATES]
    queries = list(report.unmatched[:MAX_CANDIDATES])
    if not queries and not report.recognised and len(text) <= _LOOKUP_CHARS:
        queries = [text]
    taken = {f.entry.id for f in (*report.matches, *held)}
    best: dict[str, tuple[Hit, str]] = {}
    for query in queries if len(held) < MAX_CANDIDATES else ():
        hits = searchable().search(query, MAX_CANDIDATES + len(taken))
        for hit in _in_context(hits, query, current.matcher):
            known = best.get(hit.entry.id)
            if hit.entry.id not in taken and (known is None or hit.score > known[0].score):
                best[hit.entry.id] = (hit, query)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0].score, pair[0].entry.id))
    looked_up = tuple(
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
            looked_up=True,
        )
        for hit, query in ranked[: MAX_CANDIDATES - len(held)]
    )
    return replace(report, findings=(*report.matches, *held, *looked_up))


def _in_context(hits: list[Hit], text: str, matcher: Matcher) -> list[Hit]:
    """The hits a person would consider: when the text names systems (a channel, or one the
    base does not cover), an entry of a channel it does not name is not among them, as the
    matcher never claims one (an Etsy 429 is not Shopify's)."""
    systems = matcher.systems
    context = systems.named(text)
    if context.empty:
        return hits
    return [
        hit
        for hit in hits
        if hit.entry.channel not in systems.channels
        or hit.entry.channel in context.channels
        or (not context.channels and _names_itself(hit.entry, context.others, systems))
    ]


def _names_itself(entry: Entry, others: tuple[str, ...], systems: SystemNames) -> bool:
    """Whether the entry's own title or error texts name every other system the text names:
    eBay's "PayPal not applicable for managed payments" is eBay's, though PayPal is another
    system."""
    named = systems.named(" ".join((entry.title, *entry.patterns))).others
    return set(others) <= set(named)


def _cached(cache: LoadCache, root: Path) -> LoadedBase | None:
    try:
        current = fingerprint(root)
    except OSError:
        return None  # The loader says what is wrong with the folder.
    cached = cache.get(root, current)
    return cached if isinstance(cached, LoadedBase) else None
