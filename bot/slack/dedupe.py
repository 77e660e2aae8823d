"""Remembering which Slack deliveries were already handled, so a redelivery gets no second reply.

Slack redelivers an event (same `event_id`, header `X-Slack-Retry-Num`) when it did not see our
acknowledgement in time. Anything with `first_time(key) -> bool` can be the memory. Two are asked:
the memory this process shares with the other workers forked beside it, on the acknowledgement's
path (`RedeliveryFilter`), and, when several
processes or instances share a store, that store, after the acknowledgement, by the listener
(`SharedSeenEvents`; for a paste in a channel, in the same call that records it:
`Store.record_paste`), so that a slow or absent database never delays an acknowledgement.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import mmap
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.exceptions import StoreError

DEFAULT_TTL_SECONDS = 3600.0
"""Slack gives up redelivering after about five minutes; an hour leaves a wide margin."""
DEFAULT_MAX_KEYS = 100_000

log = logging.getLogger(__name__)


class SeenEvents(Protocol):
    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered (and remember it); False on every later offer."""
        ...


class MemorySeenEvents:
    """`SeenEvents` in memory shared by this process and every process forked from it after it
    was made (gunicorn's workers: the app is built before the fork). With one worker per core a
    redelivery often reaches the other worker; were each worker's memory its own, only the store
    would catch it, and not while the store is slow or down (a two-second stall on a busy machine
    let six redeliveries of 200 be answered twice).

    Keys expire after `ttl` seconds. The memory holds `max_keys`: a key goes into one of the
    `PROBE` slots after its hash, taking an empty or expired one, else the oldest of them.
    `clock` must read the same in every process (time.monotonic does, on one machine).
    """

    PROBE = 32

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._slots = max(1, max_keys)
        # Anonymous shared memory: the same pages in every forked child. Per slot: the key's
        # hash (0: empty), when it was put (a counter: the oldest goes first), when it expires.
        n = self._slots
        memory = memoryview(mmap.mmap(-1, 8 + n * 24))
        self._count = memory[:8].cast("Q")
        self._keys = memory[8 : 8 + n * 8].cast("Q")
        self._stamps = memory[8 + n * 8 : 8 + n * 16].cast("Q")
        self._expiry = memory[8 + n * 16 :].cast("d")
        # Between processes a lock on a file of its own, which the system releases if a process
        # dies holding it; between the threads of one process, a lock of its own.
        descriptor, path = tempfile.mkstemp(prefix="syncdoc-seen-")
        os.unlink(path)
        self._file = descriptor
        weakref.finalize(self, os.close, descriptor)
        self._thread_lock = threading.Lock()
        self._pid = os.getpid()

    def first_time(self, key: str) -> bool:
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
        digest = digest or 1
        start = digest % self._slots
        with self._locked():
            now = self._clock()
            free: int | None = None
            oldest = start  # the first slot probed; replaced by any live one put earlier
            for n in range(min(self.PROBE, self._slots)):
                slot = (start + n) % self._slots
                here = self._keys[slot]
                if here and self._expiry[slot] > now:
                    if here == digest:
                        return False
                    if self._stamps[slot] < self._stamps[oldest]:
                        oldest = slot
                elif free is None:
                    free = slot
                if not here:
                    break  # never used: no key was put past it
            taken = free if free is not None else oldest
            self._count[0] += 1
            self._keys[taken] = digest
            self._stamps[taken] = self._count[0]
            self._expiry[taken] = now + self._ttl
            return True

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self._pid != os.getpid():
            # A lock copied by a fork may be held by a thread the child does not have.
            self._thread_lock = threading.Lock()
            self._pid = os.getpid()
        with self._thread_lock:
            fcntl.lockf(self._file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.lockf(self._file, fcntl.LOCK_UN)


class SharedSeenEvents:
    """The store shared with other processes, asked after the acknowledgement (so its latency
    never delays one). When it cannot answer (down, slow, full), the event counts as new: this
    process's memory has already let through only the first delivery it saw."""

    def __init__(self, shared: SeenEvents) -> None:
        self._shared = shared

    def first_time(self, key: str) -> bool:
        try:
            return self._shared.first_time(key)
        except StoreError:
            return True


class RedeliveryFilter(Middleware):
    """Bolt middleware: an event whose `event_id` was handled before is acknowledged and dropped.

    It runs after Bolt's signature check, so forged requests never enter the memory. A class
    rather than a function: Bolt calls a function middleware through its keyword injection,
    which costs more than the check itself on every request.
    """

    def __init__(self, seen: SeenEvents) -> None:
        self.seen = seen

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if self.is_redelivery(req.body, req.headers.get("x-slack-retry-num", [None])[0]):
            return BoltResponse(status=200, body="")
        return next()

    def is_redelivery(self, body: dict[str, Any], retry: str | None) -> bool:
        """True (logged) when `body` is an event already handled; else it is remembered."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.seen.first_time(f"event:{event_id}"):
            log.info("dropped redelivery %s of event %s", retry or "?", event_id)
            return True
        return False
