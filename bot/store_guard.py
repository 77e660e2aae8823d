"""The store as the Slack app reaches it: never a reason for an answer to wait or fail.

`GuardedStore` runs every store call on one thread of its own and waits for it at most
`timeout` seconds. A call that fails or does not come back in time marks the store *degraded*
(logged once, with why); while it is degraded, calls fail at once with `StoreError` instead of
waiting, and a probe in the background tries the database again every few seconds. The first
probe that works marks it ok again and logs how long the outage lasted and how many records were
dropped meanwhile. The database need not be reachable at start: the first open is such a probe.
`Outages` keeps that state and logs it; `GuardedStore` runs the calls and the probes.

A damaged SQLite file (not a database, or malformed pages) is moved aside (bot/store/sqlite.py)
with a log line naming both files, and a fresh one is started.

Every error this raises is a `StoreUnavailableError`: already logged here, once per outage.

Why this module is long: an outage's state (`Outages`) and the calls that find and end it
(`GuardedStore`: each call, the probes, a damaged file moved aside, pastes recorded together) are
one mechanism read together; split, every change to one would need the other open beside it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.exceptions import StoreDamagedError, StoreError, StoreUnavailableError
from bot.store import Store
from bot.store.sqlite import move_aside
from bot.store_thread import StoreThread

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
"""How often a degraded store is tried again."""
FLAPPING_SECONDS = 60.0
"""A store failing again this soon after it last failed is logged at INFO, not as a warning."""
Call = tuple[str, tuple[Any, ...], dict[str, Any]]
TOGETHER = frozenset({"record_paste"})
"""Calls that, queued one behind the other, run in one transaction (bot/store_thread.py)."""


@dataclass(frozen=True)
class StoreHealth:
    """What `/healthz` says about the store: `ok`, or `degraded` since when and why."""

    state: str
    reason: str | None = None
    since: float | None = None
    dropped: int = 0

    @property
    def ok(self) -> bool:
        return self.state == "ok"


class Outages:
    """Whether the store works and, when it does not, since when, why, how many calls went
    without it, and when to try it again. Each outage is logged once, and its end once."""

    def __init__(self, name: str, *, retry_seconds: float, clock: Callable[[], float]) -> None:
        self._name = name
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._health = StoreHealth("degraded", "not opened yet", clock())
        self._next_try = 0.0
        self._probing = False
        self._warned_at = -FLAPPING_SECONDS

    def health(self) -> StoreHealth:
        with self._lock:
            return self._health

    def settled(self) -> StoreHealth | None:
        """The health, once it is ok or no probe is running; None while one is."""
        with self._lock:
            return self._health if self._health.ok or not self._probing else None

    def drop(self) -> StoreHealth:
        """The health now; while it is degraded, the call that asked is counted as dropped."""
        with self._lock:
            health = self._health
            if not health.ok:
                self._health = StoreHealth(
                    health.state, health.reason, health.since, health.dropped + 1
                )
            return health

    def start_probe(self) -> bool:
        """True when a probe is due (degraded, none running, time to retry): it now runs."""
        with self._lock:
            if self._health.ok or self._probing or self._clock() < self._next_try:
                return False
            self._probing = True
            self._next_try = self._clock() + self._retry_seconds
            return True

    def probe_ended(self) -> None:
        with self._lock:
            self._probing = False

    def retry_now(self) -> None:
        with self._lock:
            self._next_try = self._clock()

    def degrade(self, reason: str) -> None:
        with self._lock:
            health = self._health
            if health.ok or health.reason == "not opened yet":
                # A store that comes and goes (a disk nearly full) is one outage, not many.
                now = self._clock()
                level = (
                    logging.WARNING if now - self._warned_at > FLAPPING_SECONDS else logging.INFO
                )
                self._warned_at = now
                log.log(
                    level,
                    "store: %s; answering without it (redeliveries checked in memory, "
                    "statistics not recorded) and trying again every %g s",
                    reason,
                    self._retry_seconds,
                )
                self._health = StoreHealth("degraded", reason, self._clock(), health.dropped)
            elif reason != health.reason:
                self._health = StoreHealth("degraded", reason, health.since, health.dropped)
            self._next_try = self._clock() + self._retry_seconds

    def recovered(self) -> None:
        with self._lock:
            health = self._health
            if health.ok:
                return
            self._health = StoreHealth("ok")
        if health.reason == "not opened yet":
            log.info("store: %s opened", self._name)
            return
        lasted = self._clock() - (health.since or self._clock())
        log.info(
            "store: %s answers again after %.0f s; %d call(s) went without it meanwhile",
            self._name,
            lasted,
            health.dropped,
        )


class GuardedStore:
    """A `Store` whose every method returns within `timeout` seconds or raises `StoreError`.

    Methods are looked up on the real store by name, so this has the same interface; `now` is
    the clock and never touches the database."""

    def __init__(
        self,
        open_store: Callable[[], Store],
        *,
        name: str,
        timeout: float,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._open = open_store
        self._timeout = timeout
        self._clock = clock
        self._store: Store | None = None
        self._outages = Outages(name, retry_seconds=retry_seconds, clock=clock)
        self._thread: StoreThread | None = None
        self._pid = 0

    # --- What callers see ---------------------------------------------------------------------
    def health(self) -> StoreHealth:
        """The store's state now, without waiting for it (a due probe is started, not awaited)."""
        self._probe_if_due()
        return self._outages.health()

    def wait_ready(self, timeout: float) -> StoreHealth:
        """Wait up to `timeout` seconds for a first open to work (or fail); the health then."""
        deadline = time.monotonic() + timeout
        self._probe_if_due()
        while time.monotonic() < deadline:
            settled = self._outages.settled()
            if settled is not None:
                return settled
            time.sleep(0.01)
        return self.health()

    def now(self) -> float:
        return self._clock()

    def start(self) -> None:
        """Make this process's store thread now, with the calling thread's priority."""
        self._own_thread()

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(method, *args, **kwargs)

        return call

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            thread.shutdown()
        if self._store is not None:
            with suppress(Exception):
                self._store.close()

    # --- The store's own thread ---------------------------------------------------------------
    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        thread = self._own_thread()
        health = self._outages.drop()
        if not health.ok:
            self._probe_if_due()
            raise StoreUnavailableError(f"{self.name} is unavailable: {health.reason}")
        if method in TOGETHER:
            future = thread.submit_together(self._run_together, method, args, kwargs)
        else:
            future = thread.submit(self._run, method, args, kwargs)
        return _result(future, self._timeout, self.name, self._outages)

    def _own_thread(self) -> StoreThread:
        if self._thread is None or self._pid != os.getpid():
            # Threads do not survive a fork (gunicorn forks its workers after loading the app):
            # each process gets its own (the store opens its own connection by itself). Made
            # here, by the caller: made by a lowered listener, it held SQLite's lock at its pace.
            self._thread = StoreThread("store")
            self._pid = os.getpid()
            self._outages.probe_ended()
        return self._thread

    def _run(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return self._guarded(lambda store: getattr(store, method)(*args, **kwargs))

    def _run_together(self, calls: Sequence[Call]) -> list[Any]:
        """Calls queued one behind the other, in one transaction: one outcome each (its result
        or its error). A store error fails them all, as it fails each alone; any other error runs
        them again one by one (the transaction rolled back), so only the failing one fails."""
        if len(calls) > 1:
            try:
                return self._guarded(lambda store: _in_one_transaction(store, calls))  # type: ignore[no-any-return]
            except StoreError as exc:  # each raised in its own caller's thread: one each
                return [exc, *(StoreUnavailableError(str(exc)) for _ in calls[1:])]
            except Exception:
                pass
        return [_outcome(self._run, *call) for call in calls]

    def _guarded(self, work: Callable[[Store], Any]) -> Any:
        try:
            result = work(self._opened())
        except StoreDamagedError as exc:
            self._replace_damaged(exc)
            raise
        except StoreError as exc:
            self._outages.degrade(str(exc))
            raise
        self._outages.recovered()
        return result

    def _opened(self) -> Store:
        if self._store is None:
            try:
                self._store = self._open()
            except StoreDamagedError as exc:
                self._replace_damaged(exc)
                self._store = self._open()
        return self._store

    def _probe(self) -> None:
        try:
            self._opened().schema_version()
        except StoreDamagedError as exc:
            self._replace_damaged(exc)
        except StoreError as exc:
            self._outages.degrade(str(exc))
        else:
            self._outages.recovered()
        finally:
            self._outages.probe_ended()

    def _probe_if_due(self) -> None:
        thread = self._own_thread()
        if self._outages.start_probe():
            thread.submit(self._probe)

    def _replace_damaged(self, exc: StoreDamagedError) -> None:
        if self._store is not None:
            with suppress(Exception):
                self._store.close()
            self._store = None
        _move_aside(exc)
        self._outages.degrade(str(exc))
        self._outages.retry_now()  # a fresh file can be opened at once


def _result(future: Future[Any], timeout: float, name: str, outages: Outages) -> Any:
    """The call's result within `timeout` seconds, or `StoreUnavailableError`."""
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        reason = f"{name} gave no answer within {timeout:g} s"
        outages.degrade(reason)
        raise StoreUnavailableError(reason) from None
    except StoreUnavailableError:
        raise
    except StoreError as exc:
        raise StoreUnavailableError(str(exc)) from None


def _move_aside(exc: StoreDamagedError) -> None:
    moved = move_aside(Path(str(exc.path)))
    if moved is not None:
        log.error(
            "store: %s is damaged (%s); moved it to %s and started a new, empty one",
            exc.path,
            str(exc).removeprefix(f"{exc.path}: "),
            moved,
        )


def _in_one_transaction(store: Store, calls: Sequence[Call]) -> list[Any]:
    with store.database.transaction():
        return [getattr(store, method)(*args, **kwargs) for method, args, kwargs in calls]


def _outcome(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        return exc
