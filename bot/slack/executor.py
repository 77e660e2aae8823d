"""The thread pool Bolt answers on, with a bounded backlog, knowing what each answer is for.

Bolt acknowledges a request at once and answers it on a thread pool whose queue has no limit:
when pastes arrive faster than they can be answered, the backlog (and the memory it holds) grows
without end, answers come minutes late, and a slash command's acknowledgement, which waits in the
same queue, misses Slack's three seconds. Here a new request waits for room in the backlog
instead: a flood slows acknowledgements down, memory stays flat, and what Slack did not see
acknowledged in time it redelivers (and redeliveries of a handled event are dropped).

Each task remembers where its answer goes (channel and thread, noted by the `note_where`
middleware on the request's thread just before Bolt submits the listener), so that on SIGTERM an
answer that could not be finished is logged by where it belonged, not lost silently.

Answering runs at a lower scheduling priority than acknowledging (`LISTENER_NICE`, Linux: each
listener thread's own nice value). Acknowledging is a short step on gunicorn's threads and must
never wait behind answers for a core; answering is the bulk of the CPU and only has to follow.
At saturation the listeners then yield the cores to the request threads (and to the neighbours
on the machine) rather than competing with them on equal terms: on a busy 2-core machine this
cost no throughput and took a sixth off the server's CPU per event in 3 runs (docs/reliability.md).
One caveat, measured rather than assumed away: a lowered thread holding the GIL can delay the
process's request threads; the slowest acknowledgements were no worse for it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

DEFAULT_WORKERS = 6
"""Listener threads: enough to overlap waiting for the store and for Slack with the engine's
work; more only contend for the GIL (at 50 in flight, busy machine: 10 gave 152-184 answered/s
and an ack p99 of 444-1,159 ms, 6 gave 167-172 and 377-431 ms; 4 were too few, 135/s)."""
DEFAULT_BACKLOG = 200
LISTENER_NICE = 5

log = logging.getLogger(__name__)

_request = threading.local()


class BoundedExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose `submit` waits while `workers + backlog` tasks are pending.

    Tasks must not submit to the same executor (Bolt's listeners do not: requests submit them).
    """

    def __init__(
        self,
        workers: int = DEFAULT_WORKERS,
        backlog: int = DEFAULT_BACKLOG,
        nice: int = LISTENER_NICE,
    ) -> None:
        super().__init__(
            max_workers=workers,
            thread_name_prefix="listener",
            initializer=partial(_lower_priority, nice) if nice else None,
        )
        self.capacity = workers + backlog
        self._taken = 0
        self._pending: dict[Future[Any], str] = {}
        self._changed = threading.Condition()
        # Requests waiting for room, served first come, first served: with a plain semaphore a
        # newcomer can take the room a long waiter was woken for, and the slowest
        # acknowledgements at saturation grow to several times the typical one.
        self._waiting: deque[threading.Event] = deque()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._wait_for_room()
        try:
            future = super().submit(fn, *args, **kwargs)
            with self._changed:
                self._pending[future] = getattr(_request, "where", None) or "an unnamed request"
        except BaseException:
            self._free_room()
            raise
        future.add_done_callback(self._done)
        return future

    def _wait_for_room(self) -> None:
        with self._changed:
            if self._taken < self.capacity and not self._waiting:
                self._taken += 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the room is handed over with the turn: nothing to take afterwards

    def _free_room(self) -> None:
        with self._changed:
            if self._waiting:
                self._waiting.popleft().set()  # the room passes straight to the longest waiter
            else:
                self._taken -= 1

    def _done(self, future: Future[Any]) -> None:
        self._free_room()
        with self._changed:
            self._pending.pop(future, None)
            self._changed.notify_all()

    def pending(self) -> list[str]:
        """Where the answers of the tasks not yet finished go."""
        with self._changed:
            return list(self._pending.values())

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every task has finished (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True


class NoteWhere(Middleware):
    """Bolt middleware: remember, for the listener this request submits, where its answer goes.
    Not cleared afterwards: Bolt submits the listener after the whole middleware chain has
    returned, and the next request on this thread sets its own. (A class: Bolt calls a function
    middleware through its keyword injection, which costs more than this on every request.)"""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        note(where_of(req.body))
        return next()


note_where = NoteWhere()


def _lower_priority(nice: int) -> None:
    """Make this thread (alone: on Linux each thread has its own nice value) `nice` steps less
    urgent than the process's other threads."""
    if not sys.platform.startswith("linux"):
        return  # elsewhere the call would lower the whole process, acknowledgements included
    try:
        os.setpriority(
            os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + nice
        )
    except OSError as exc:
        log.debug("listener thread keeps its priority: %r", exc)


def note(where: str | None) -> None:
    """Name where the answer of the next task this thread submits goes."""
    _request.where = where


def where_of(body: dict[str, Any]) -> str | None:
    """The channel and thread (or person) an answer to this Slack request goes to."""
    event = body.get("event")
    if isinstance(event, dict):
        thread = event.get("thread_ts") or event.get("ts")
        channel = event.get("channel")
        return f"{channel} thread {thread}" if thread else str(channel)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    if channel or user:
        return f"{channel} for {user} ({body.get('command') or body.get('type') or 'request'})"
    return None
