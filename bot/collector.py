"""Pausing Python's cyclic garbage collector while a knowledge base is built or read back.

Loading, indexing or unpickling a large base creates hundreds of thousands of objects (YAML nodes
and their marks, entries, the matcher's patterns, the search index's words) and none of them is
garbage yet. Each time the collector runs it walks the objects allocated since it last ran, and
its full passes walk everything: at 10,000 entries they took about a fifth of a first start's
CPU time and found nothing to collect. Reference counting still frees whatever a build discards
(the parsed YAML trees); cyclic garbage made meanwhile waits for the first collection after.

Pauses nest and may overlap between threads (a reload in the background while requests are
served): the collector comes back on when the last pause ends, and only if it was on when the
first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """The collector off for the block (also a decorator). With `freeze`, what exists when the
    block ends is moved out of the collector's sight (`gc.freeze`): a base read back lives as
    long as it is served, and the first full pass would otherwise walk all of it once more."""
    global _pauses, _was_enabled
    with _lock:
        if not _pauses:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        with _lock:
            _pauses -= 1
            if not _pauses and _was_enabled:
                gc.enable()
