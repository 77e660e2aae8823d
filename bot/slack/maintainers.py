"""The maintainers' loop in Slack: every answer recorded and given feedback buttons, bursts noted,
notices posted in the maintainers' channel, statistics on the App Home tab, and live reload.

`Answers` records each paste through `MaintainersLoop.record` before rendering its answer with
`MaintainersLoop.answer_blocks`; the buttons are handled by bot/slack/listeners/feedback.py. Nothing
here may cost a person an answer: a store or Slack failure is logged and the answer goes out without
the extras."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from slack_sdk import WebClient

from bot.config import Settings
from bot.engine import Engine
from bot.exceptions import StoreError, StoreUnavailableError
from bot.knowledge import KnowledgeBase
from bot.recorder import PasteRecorder, RecordedPaste
from bot.reload import KnowledgeWatcher
from bot.render.blocks import Block, context_block, escape
from bot.render.maintainers import (
    burst_note,
    burst_notice,
    feedback_block,
    problems_message,
    recovered_message,
    stats_blocks,
)
from bot.render.slack import render_note
from bot.slack.answers import Asker
from bot.slack.send import post_message
from bot.stats import collect
from bot.store import Store
from bot.triage import Report

log = logging.getLogger(__name__)

STATS_UNAVAILABLE = "Usage statistics are unavailable right now (the database did not answer)."


class Notifier:
    """Posts notices in the maintainers' channel (`SYNCDOC_MAINTAINERS_CHANNEL`), if one is set."""

    def __init__(self, client: WebClient, channel: str | None) -> None:
        self.client = client
        self.channel = channel.lstrip("#") if channel else None
        self._lock_path: Path | None = None
        self._lock_descriptor: int | None = None

    def only_one(self, lock_path: Path) -> None:
        """Several processes run this notifier (gunicorn workers, each watching the knowledge
        folder): only the one holding the lock on `lock_path` posts. The lock is taken at the
        first notice and kept; when its process ends, the next one to have a notice takes it."""
        self._lock_path = lock_path

    def __call__(self, text: str) -> bool:
        """Post `text` (our own mrkdwn); False when no channel is set, another process is the
        one that posts, or Slack refused it."""
        if not self.channel or not self._speaks():
            return False
        return post_message(self.client, self.channel, render_note(text))

    def _speaks(self) -> bool:
        if self._lock_path is None or self._lock_descriptor is not None:
            return True
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        # A bare descriptor, kept open for the life of the process: it holds the lock.
        descriptor = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._lock_descriptor = descriptor
        return True


class MaintainersLoop:
    """Each paste recorded (`record`, where answering writes the database beyond the redelivery
    check, telling the maintainers' channel when it starts a burst), then the blocks its answer
    carries (`answer_blocks`: the burst note and the feedback buttons)."""

    def __init__(self, store: Store, engine: Engine, settings: Settings, client: WebClient) -> None:
        self.store = store
        self.engine = engine
        self.recorder = PasteRecorder(store, engine, settings)
        self.notify = Notifier(client, settings.maintainers_channel)
        self.burst_minutes = settings.burst_minutes

    def record(
        self, report: Report, asker: Asker, delivery: str | None = None
    ) -> RecordedPaste | None:
        """Record the paste (even one the listener then stays silent on: the inbox and bursts
        count what people paste, answered or not); a new burst is told to the maintainers.
        With the Slack `delivery` key: `HandledElsewhere` when another process handled it."""
        recorded = self.recorder.record(
            report, user=asker.user, channel=asker.channel, repeat=asker.repeat, delivery=delivery
        )
        burst = recorded.burst if recorded else None
        if recorded and burst and burst.active and burst.new and recorded.burst_subject:
            self.notify(
                burst_notice(burst, recorded.burst_subject, self.burst_minutes, [asker.channel])
            )
        return recorded

    def answer_blocks(self, report: Report, recorded: RecordedPaste | None) -> list[Block]:
        """The answer's feedback buttons, and the burst note while a burst lasts (none when the
        paste could not be recorded: the buttons would refer to nothing)."""
        if recorded is None:
            return []
        blocks: list[Block] = []
        if recorded.burst is not None and recorded.burst.active:
            blocks.append(context_block(burst_note(recorded.burst, self.burst_minutes)))
        report_button = not report.recognised and bool(recorded.unknowns)
        blocks.append(feedback_block(recorded.answer_id, report_button=report_button))
        return blocks

    def home_blocks(self) -> list[Block]:
        try:
            stats = collect(self.store, self.engine.kb)
        except StoreError as exc:
            if not isinstance(exc, StoreUnavailableError):  # that one was logged when it began
                log.warning("App Home without statistics: %s", exc)
            return [context_block(STATS_UNAVAILABLE)]
        return stats_blocks(stats)


def watch_knowledge(engine: Engine, settings: Settings, notify: Notifier) -> KnowledgeWatcher:
    """A watcher that reloads `settings.kb_path` into `engine` and tells the maintainers' channel
    about an invalid edit (once) and about its fix. Not started: the caller starts it in the
    process that answers (after gunicorn's fork, in HTTP mode)."""

    def problems(found: Sequence[object]) -> None:
        lines = [escape(str(problem)) for problem in found]  # YAML text may hold Slack markup
        notify(problems_message(settings.kb_path, lines, len(engine.kb)))

    def recovered(kb: KnowledgeBase) -> None:
        notify(recovered_message(kb))

    return KnowledgeWatcher(engine, settings.kb_path, on_problems=problems, on_recovered=recovered)
