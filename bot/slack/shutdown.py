"""Stopping without losing an answer silently: on SIGTERM, what was acknowledged is finished
within a bounded time, and whatever could not be is logged by channel and thread."""

from __future__ import annotations

import logging
import time

from bot.slack.executor import BoundedExecutor
from bot.slack.outbox import Outbox

log = logging.getLogger(__name__)


def finish(executor: BoundedExecutor, outbox: Outbox, seconds: float) -> int:
    """Let answers in flight (being worked on, queued, or waiting for Slack in the outbox) finish
    for up to `seconds`; log each that did not; return how many did not."""
    deadline = time.monotonic() + seconds
    waiting = len(executor.pending()) + len(outbox)
    if waiting:
        log.info("stopping: finishing %d answer(s) in flight (at most %.0f s)", waiting, seconds)
    executor.wait_idle(max(0.0, deadline - time.monotonic()))
    outbox.wait_empty(max(0.0, deadline - time.monotonic()))
    unfinished = executor.pending()
    executor.shutdown(wait=False, cancel_futures=True)
    dropped = unfinished + outbox.stop()
    for where in dropped:
        log.error("stopping: answer not sent in %s", where)
    if dropped:
        log.error("stopping: %d acknowledged answer(s) were not sent", len(dropped))
    return len(dropped)
