"""Memories of work already done (scores, ranked records, reports, lookups), bounded.

Each is a plain dict forgotten whole once it holds `limit` items: simpler than an LRU, and the
answers are the same either way, only the time to work them out again differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from weakref import WeakKeyDictionary

_K = TypeVar("_K")
_V = TypeVar("_V")
_Owner = TypeVar("_Owner")


def remember(memory: dict[_K, _V], key: _K, value: _V, limit: int) -> _V:
    """Keep `value` under `key`, forgetting everything first once `memory` holds `limit` items;
    returns `value`."""
    if len(memory) >= limit:
        memory.clear()
    memory[key] = value
    return value


def memory_of(memories: WeakKeyDictionary[_Owner, _V], owner: _Owner, make: Callable[[], _V]) -> _V:
    """`owner`'s memory in `memories`, made on first use. Kept beside a matcher, not in it, so
    it is forgotten with its knowledge base and never pickled into the load cache."""
    memory = memories.get(owner)
    if memory is None:
        memory = memories.setdefault(owner, make())
    return memory
