"""Live reload: the running bot notices edits to its knowledge folder and swaps in the new base.

A background thread polls the folder's fingerprint (a digest of its YAML files; cheap next to a
load) about once a second. A change is loaded once it has held still for one poll, so an editor
saving several files, or writing one in pieces, is read when it is done. A valid base replaces the
serving one in one step (`Engine.replace`); an invalid one leaves the last good base serving, and
its problems are logged as `FILE:LINE: message` and handed to `on_problems` once, not on every
poll. Polling needs no dependency and works the same on every OS and on network file systems.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.exceptions import KnowledgeBaseError
from bot.knowledge import KnowledgeBase, fingerprint, load_knowledge_base

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0

ProblemsHandler = Callable[[Sequence[object]], None]
RecoveredHandler = Callable[[KnowledgeBase], None]


class KnowledgeWatcher:
    """Keeps `engine` serving the newest valid knowledge base found at `path`."""

    def __init__(
        self,
        engine: Engine,
        path: Path | str,
        *,
        interval: float = POLL_SECONDS,
        on_problems: ProblemsHandler | None = None,
        on_recovered: RecoveredHandler | None = None,
    ) -> None:
        self.engine = engine
        self.path = Path(path)
        self.interval = interval
        self._on_problems = on_problems
        self._on_recovered = on_recovered
        self._pending: str | None = None
        self._failed: str | None = None
        self._reported: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def failing(self) -> bool:
        """True while the folder holds an invalid base and the last good one is serving."""
        return self._failed is not None

    def check(self) -> bool:
        """One poll. Returns True when it swapped in a new knowledge base."""
        try:
            current = fingerprint(self.path)
        except OSError:
            return False  # A file vanished between listing and reading it: look again next time.
        if current == self.engine.kb.fingerprint:
            if self._failed is not None:
                # The broken edit was undone: the serving base is the folder's content again.
                self._recovered(self.engine.kb)
            self._pending = None
            return False
        if current == self._failed:
            return False
        if current != self._pending:
            self._pending = current  # Let it hold still for one poll before reading it.
            return False
        self._pending = None
        return self._load(current)

    def _load(self, current: str) -> bool:
        try:
            kb = load_knowledge_base(self.path)
        except KnowledgeBaseError as exc:
            self._failed = current
            self._report(exc.problems)
            return False
        self.engine.replace(kb)
        log.info("knowledge base reloaded from %s: %d entries", self.path, len(kb))
        if self._failed is not None:
            self._recovered(kb)
        return True

    def _report(self, problems: Sequence[object]) -> None:
        lines = tuple(str(p) for p in problems)
        if lines == self._reported:
            return  # The same problems as last time (another save of a still-broken file).
        self._reported = lines
        for line in lines:
            log.error("%s", line)
        log.error(
            "knowledge base at %s is invalid; still serving the last good one (%d entries)",
            self.path,
            len(self.engine.kb),
        )
        self._call(self._on_problems, problems)

    def _recovered(self, kb: KnowledgeBase) -> None:
        self._failed = None
        self._reported = ()
        log.info("knowledge base at %s is valid again", self.path)
        self._call(self._on_recovered, kb)

    def _call(self, handler: Callable[[Any], None] | None, argument: object) -> None:
        if handler is None:
            return
        try:
            handler(argument)
        except Exception:
            # Telling the maintainers is a courtesy; failing to (Slack down) must not stop reloads.
            log.exception("knowledge base watcher: notifying the maintainers failed")

    # --- The background thread ------------------------------------------------------------------
    def start(self) -> KnowledgeWatcher:
        """Poll in a daemon thread until `stop()`."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="syncdoc-kb-watcher", daemon=True
            )
            self._thread.start()
            log.info("watching %s for changes every %.1fs", self.path, self.interval)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> KnowledgeWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:
                log.exception("knowledge base watcher: unexpected error; still watching")
