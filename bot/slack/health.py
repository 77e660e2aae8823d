"""What `GET /healthz` says: whether this process answers, whether its store works (and if not,
since when and why), and which knowledge base it answers from. Read from memory only: a health
check never waits for the database or for Slack."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot.engine import Engine
from bot.slack.executor import BoundedExecutor
from bot.slack.outbox import Outbox
from bot.store_guard import GuardedStore


@dataclass(frozen=True)
class Health:
    engine: Engine
    store: GuardedStore | None = None
    outbox: Outbox | None = None
    executor: BoundedExecutor | None = None

    def report(self) -> dict[str, Any]:
        kb = self.engine.kb
        report: dict[str, Any] = {
            "ok": True,
            "answering": "ok",
            "store": self._store(),
            "knowledge_base": {"entries": len(kb), "fingerprint": kb.fingerprint[:16]},
            "known_errors": len(kb),
        }
        if self.executor is not None:
            in_progress = len(self.executor.pending())
            report["answers_in_progress"] = in_progress
            if in_progress >= self.executor.capacity:
                # Every slot is taken: a new request waits for one before it is acknowledged.
                report["answering"] = "saturated"
        if self.outbox is not None:
            report["answers_waiting_for_slack"] = len(self.outbox)
        return report

    def _store(self) -> dict[str, Any]:
        if self.store is None:
            return {"state": "none"}
        health = self.store.health()
        if health.ok:
            return {"state": "ok"}
        return {
            "state": "degraded",
            "reason": health.reason,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(health.since or 0)),
            "calls_without_it": health.dropped,
        }
