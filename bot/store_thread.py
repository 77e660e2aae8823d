"""The store's own thread: the calls it is handed run one after the other, in order, except that
calls to be run together (pastes to record) that wait one behind the other are handed over as
one list, so the store can record them in one transaction.

Why together: at saturation every listener of a worker waits for this one thread, and the
thread mostly waits for SQLite's write lock, which the workers share and which SQLite's busy
handler retries by sleeping (1, 2, 5, 10 ms...). Measured on a busy machine at 50 in flight, a
store call took a listener 25-29 ms, 5.5-6.5 ms of them in this thread and 3 ms of those waiting
for the lock (docs/reliability.md, session 7). Pastes that queued up meanwhile now take the lock
once between them instead of once each.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

MAX_TOGETHER = 32
"""The most calls run as one: bounds how long the write lock is held, and the wait of the last."""

Together = Callable[[Sequence[tuple[Any, ...]]], Sequence[Any]]
"""Runs a list of calls' arguments; one outcome each, in order: a result or the exception."""


@dataclass(frozen=True)
class _Call:
    future: Future[Any]
    args: tuple[Any, ...]
    together: Together


class StoreThread:
    """One thread, made by the caller's thread (so it has that thread's scheduling priority),
    running what `submit` and `submit_together` are given, in order."""

    def __init__(self, name: str = "store", limit: int = MAX_TOGETHER) -> None:
        self._limit = limit
        self._queue: deque[_Call] = deque()
        self._changed = threading.Condition()
        self._stopped = False
        # A daemon: a process leaving without closing the store must not hang on it at exit. On
        # SIGTERM, answers (and so their store calls) are finished before exit (shutdown.py).
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Run `fn(*args)` on the thread, alone."""
        return self._put(_Call(Future(), args, _alone(fn)))

    def submit_together(self, together: Together, /, *args: Any) -> Future[Any]:
        """Run `args` through `together`, with the calls given the same `together` (by equality)
        queued right behind it, up to the limit."""
        return self._put(_Call(Future(), args, together))

    def waiting(self) -> int:
        """How many calls wait for the thread."""
        with self._changed:
            return len(self._queue)

    def shutdown(self) -> None:
        """Stop after the call running now; what waits is cancelled."""
        with self._changed:
            self._stopped = True
            waiting, self._queue = self._queue, deque()
            self._changed.notify()
        for call in waiting:
            call.future.cancel()

    def _put(self, call: _Call) -> Future[Any]:
        with self._changed:
            if self._stopped:
                raise RuntimeError("the store's thread is stopped")
            self._queue.append(call)
            self._changed.notify()
        return call.future

    def _next(self) -> list[_Call] | None:
        with self._changed:
            while not self._queue and not self._stopped:
                self._changed.wait()
            if not self._queue:
                return None
            calls = [self._queue.popleft()]
            together = calls[0].together
            while self._queue and self._queue[0].together == together and len(calls) < self._limit:
                calls.append(self._queue.popleft())
        return [call for call in calls if call.future.set_running_or_notify_cancel()]

    def _serve(self) -> None:
        while (calls := self._next()) is not None:
            if not calls:
                continue  # All cancelled meanwhile.
            try:
                outcomes = list(calls[0].together([call.args for call in calls]))
            except BaseException as exc:
                outcomes = [exc] * len(calls)
            for call, outcome in zip(calls, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    call.future.set_exception(outcome)
                else:
                    call.future.set_result(outcome)


def _alone(fn: Callable[..., Any]) -> Together:
    """`fn` as a list's runner that is equal to no other, so its call is never run with another."""

    def run(calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        return [fn(*calls[0])]

    return run
