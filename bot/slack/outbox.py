"""Answers waiting for Slack to come back: a bounded outbox, retried with back-off.

Only an answer Slack *certainly did not post* comes here (HTTP 502 or 503, a body that is not
Slack's JSON, a rate limit past its retries, a connection that could not be made or a request
that could not be written). One that Slack *may* have posted (a 500, a connection reset after the
request was written, a timeout waiting for the answer) never does: a person would rather miss one
answer than see it twice.

Each answer is tried again after 1, 2, 4 … up to 30 seconds, for `retry_seconds` after its first
failure. While Slack is down only the earliest answer is tried (the others wait with it); as soon
as one goes through, all the others are sent at once. An answer that runs out of time, or that
finds the outbox full, is logged with its channel and thread: never dropped silently.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    """Slack certainly did not post it: sending again cannot make a duplicate."""
    FAILED = "failed"
    """Refused, or Slack may have posted it: never sent again."""


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    why: str = ""
    retry_after: float | None = None


Send = Callable[[], Attempt]


@dataclass
class Pending:
    where: str
    send: Send
    give_up_at: float
    next_at: float
    delay: float = FIRST_DELAY
    tries: int = 1
    why: str = ""


@dataclass
class Outbox:
    """Answers to send again, at most `size` at once, each for up to `retry_seconds`."""

    size: int
    retry_seconds: float
    clock: Callable[[], float] = time.monotonic
    _items: list[Pending] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _thread_pid: int = 0
    _stopping: bool = False

    def put(self, where: str, send: Send, first: Attempt) -> bool:
        """Keep `send` (whose first try gave `first`) to try again; False (logged) when it
        cannot be kept: retries are off, or the outbox is full."""
        if self.retry_seconds <= 0:
            log.warning("answer not sent in %s: %s", where, first.why)
            return False
        now = self.clock()
        with self._changed:
            if len(self._items) >= self.size:
                log.warning(
                    "answer not sent in %s: %s, and %d answers already wait for Slack",
                    where,
                    first.why,
                    len(self._items),
                )
                return False
            self._items.append(
                Pending(where, send, now + self.retry_seconds, now + _delay(first), why=first.why)
            )
            self._changed.notify_all()
        log.warning(
            "Slack did not take the answer in %s (%s); trying again for up to %.0f s",
            where,
            first.why,
            self.retry_seconds,
        )
        self._start()
        return True

    def waiting(self) -> list[str]:
        """Where each waiting answer belongs."""
        with self._changed:
            return [item.where for item in self._items]

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)

    def wait_empty(self, timeout: float) -> bool:
        """Wait until nothing waits (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._items:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def stop(self) -> list[str]:
        """Stop retrying; where each answer still waiting belonged (now dropped)."""
        with self._changed:
            self._stopping = True
            dropped = [item.where for item in self._items]
            self._items.clear()
            self._changed.notify_all()
        return dropped

    # --- The retrying thread ------------------------------------------------------------------
    def _start(self) -> None:
        with self._changed:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()  # a thread started before a fork is not in the child
        threading.Thread(target=self._run, name="outbox", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._changed:
                item = self._next_due()
                if item is None:
                    return
            self._try(item)

    def _next_due(self) -> Pending | None:
        while not self._stopping:
            if not self._items:
                self._changed.wait(1.0)
                continue
            item = min(self._items, key=lambda i: i.next_at)
            left = item.next_at - self.clock()
            if left <= 0:
                return item
            self._changed.wait(min(left, 1.0))
        return None

    def _try(self, item: Pending) -> None:
        attempt = item.send()
        now = self.clock()
        with self._changed:
            if item not in self._items:
                return  # stopped meanwhile
            item.tries += 1
            if attempt.outcome is Outcome.RETRY and now < item.give_up_at:
                item.delay = min(item.delay * 2, MAX_DELAY)
                item.next_at = min(now + _delay(attempt, item.delay), item.give_up_at)
                item.why = attempt.why
                # Slack is still down: the others wait with this one rather than each trying.
                for other in self._items:
                    other.next_at = max(other.next_at, item.next_at)
                return
            self._items.remove(item)
            if attempt.outcome is Outcome.SENT:
                for other in self._items:  # Slack is back: no need to wait any longer
                    other.next_at = now
            self._changed.notify_all()
        if attempt.outcome is Outcome.SENT:
            log.info("answer in %s sent after %d tries", item.where, item.tries)
        elif attempt.outcome is Outcome.RETRY:
            log.warning(
                "answer not sent in %s: Slack still failed after %d tries over %.0f s (%s)",
                item.where,
                item.tries,
                self.retry_seconds,
                attempt.why,
            )
        else:
            log.warning("answer not sent in %s: %s", item.where, attempt.why)


def _delay(attempt: Attempt, delay: float = FIRST_DELAY) -> float:
    return max(delay, attempt.retry_after or 0.0)
