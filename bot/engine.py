"""The engine: one loaded knowledge base and its matcher, answering pastes.

The knowledge base is replaced as a whole (one attribute assignment), so a reload never lets a
request see half of an old base and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.match import Matcher
from bot.triage import Report, triage


@dataclass(frozen=True)
class LoadedBase:
    kb: KnowledgeBase
    matcher: Matcher


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
        return triage(text, self._current.matcher)

    def replace(self, kb: KnowledgeBase) -> None:
        """Swap in a new knowledge base; its index is built before anyone can see it."""
        self._current = LoadedBase(kb, Matcher(kb))
