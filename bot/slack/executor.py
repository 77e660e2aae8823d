"""The thread pool Bolt answers on, with a bounded backlog.

Bolt acknowledges a request at once and answers it on a thread pool whose queue has no limit:
when pastes arrive faster than they can be answered, the backlog (and the memory it holds) grows
without end, answers come minutes late, and a slash command's acknowledgement, which waits in the
same queue, misses Slack's three seconds. Here a new request waits for room in the backlog
instead: a flood slows acknowledgements down, memory stays flat, and what Slack did not see
acknowledged in time it redelivers (and redeliveries of a handled event are dropped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

DEFAULT_WORKERS = 10
DEFAULT_BACKLOG = 200


class BoundedExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose `submit` waits while `workers + backlog` tasks are pending.

    Tasks must not submit to the same executor (Bolt's listeners do not: requests submit them).
    """

    def __init__(self, workers: int = DEFAULT_WORKERS, backlog: int = DEFAULT_BACKLOG) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="listener")
        self._room = threading.BoundedSemaphore(workers + backlog)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._room.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._room.release()
            raise
        future.add_done_callback(lambda _: self._room.release())
        return future
