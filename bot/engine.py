"""The engine: one loaded knowledge base and its matcher, answering pastes.

The knowledge base is replaced as a whole (one attribute assignment), so a reload never lets a
request see half of an old base and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import KnowledgeBase, fingerprint, load_knowledge_base
from bot.loadcache import LoadCache
from bot.match import Matcher
from bot.triage import Report, triage


@dataclass(frozen=True)
class LoadedBase:
    """Everything the engine keeps per knowledge base. The load cache pickles it whole, so an
    index added here is cached with the rest, provided it can be pickled (no locks or lambdas);
    tests/test_loadcache.py fails when it cannot."""

    kb: KnowledgeBase
    matcher: Matcher


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
        return triage(text, self._current.matcher)

    def replace(self, kb: KnowledgeBase) -> None:
        """Swap in a new knowledge base; its index is built before anyone can see it."""
        self._current = self._index(kb)

    def _index(self, kb: KnowledgeBase) -> LoadedBase:
        loaded = LoadedBase(kb, Matcher(kb))
        if self._cache is not None:
            # Keyed by the fingerprint of the bytes that were parsed, so an edit made while
            # loading is never cached under the new content's name.
            self._cache.put(kb.path, kb.fingerprint, loaded)
        return loaded


def _cached(cache: LoadCache, root: Path) -> LoadedBase | None:
    try:
        current = fingerprint(root)
    except OSError:
        return None  # The loader says what is wrong with the folder.
    cached = cache.get(root, current)
    return cached if isinstance(cached, LoadedBase) else None
