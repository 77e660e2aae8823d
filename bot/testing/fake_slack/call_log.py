"""What the fake Slack was asked, and the failures it was told to give: the part of `FakeSlack`
that tests read and steer, kept apart from the part that answers HTTP."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from bot.testing.fake_slack.calls import Call
from bot.testing.fake_slack.failures import Failure


class CallLog:
    """Every call recorded, in order, and the failures queued for the next ones."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = threading.Condition()
        self._outage: tuple[float, Failure, frozenset[str] | None] | None = None

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
        ok: bool = True,
    ) -> list[Call]:
        """Wait until `count` calls to `method` (successful ones, unless `ok=False`, and matching
        `where`) were recorded; return them. AssertionError listing every call on timeout."""
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [
                c
                for c in self._calls
                if c.method == method and (c.ok or not ok) and (where is None or where(c))
            ]

        with self._changed:
            while len(found := matching()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status, c.response.get("error")) for c in self._calls]
                    raise AssertionError(
                        f"expected {count} {method} call(s) within {timeout}s; recorded: {seen}"
                    )
                self._changed.wait(left)
            return found

    def fail_next(self, method: str, *failures: Failure) -> None:
        """The next calls to `method` fail as given, one failure per call, in order."""
        with self._changed:
            self._failures[method].extend(failures)

    def outage(self, seconds: float, failure: Failure, *methods: str) -> None:
        """For the next `seconds`, every call (to `methods`, if any are named) fails as
        `failure`; calls queued with `fail_next` still come first."""
        with self._changed:
            until = time.monotonic() + seconds
            self._outage = (until, failure, frozenset(methods) if methods else None)

    def drain(self) -> list[Call]:
        """The calls recorded so far, forgotten as they are returned (in one step, so none is
        missed): long runs such as bench/load.py keep memory flat this way."""
        with self._changed:
            taken = list(self._calls)
            self._calls.clear()
            return taken

    def reset(self) -> None:
        """Forget every recorded call and queued failure."""
        with self._changed:
            self._calls.clear()
            self._failures.clear()

    def _next_failure(self, method: str) -> Failure | None:
        with self._changed:
            queue = self._failures.get(method)
            if queue:
                return queue.popleft()
            if self._outage is not None:
                until, failure, methods = self._outage
                if time.monotonic() < until and (methods is None or method in methods):
                    return failure
            return None

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
