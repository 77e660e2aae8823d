"""What the bot records about each paste, for the maintainers: the answer, unknown errors, bursts.

`PasteRecorder.record` is called once per paste that reached the engine (answered or not), before
the answer is rendered: it is where answering writes the database (beyond the redelivery check). It
records the answer (so that votes and "was it one of these?" choices can refer to it), adds each
unknown error line to the inbox, and counts who pasted which error, to tell a burst ("several people
are seeing this right now") from a one-off: all in one transaction, which for a paste in a channel
also makes the store's redelivery check (one call to the store per paste, not two). A store that
fails is logged and the paste is answered all the same: the maintainers' loop must never cost a
user their answer.

`alternatives` is what a person is offered after saying an answer was wrong. It is worked out
when someone says so, not for every answer: scoring a paste against every entry again cost as much
as matching it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from bot.config import Settings
from bot.engine import Engine
from bot.exceptions import StoreError, StoreUnavailableError
from bot.inbox import Unknown, unknowns
from bot.knowledge import Entry
from bot.store import Answer, Burst, Store, template_key
from bot.triage import CANDIDATE_FLOOR, Report, best_per_entry

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 4
"""The most "Was it one of these?" buttons offered after a wrong-answer vote."""


@dataclass(frozen=True)
class RecordedPaste:
    """What the store made of one paste."""

    answer_id: str
    entries: tuple[str, ...]
    candidates: tuple[str, ...]
    unknowns: tuple[Unknown, ...]
    burst: Burst | None
    burst_subject: str | None
    """The error the burst is about: an entry's title, or an unknown error's redacted text."""

    @property
    def unknown_keys(self) -> tuple[str, ...]:
        return tuple(template_key(u.template) for u in self.unknowns)


class HandledElsewhere(Exception):
    """The Slack delivery a paste came in was already handled (a redelivery that another process
    sharing the store answered): it gets no answer, and nothing was recorded."""


def is_paste(report: Report) -> bool:
    """Text worth remembering: it named a known error, came close to one, or looked like one."""
    return bool(report.findings or report.unmatched)


class PasteRecorder:
    def __init__(self, store: Store, engine: Engine, settings: Settings) -> None:
        self.store = store
        self.engine = engine
        self.burst_people = settings.burst_people
        self.burst_seconds = settings.burst_minutes * 60.0

    def record(
        self,
        report: Report,
        *,
        user: str,
        channel: str,
        repeat: bool = False,
        delivery: str | None = None,
    ) -> RecordedPaste | None:
        """Record one paste; None when it was not a paste or the store could not be written.

        A `repeat` (the same answer shown again, e.g. shared in the channel) gets an answer id
        for its buttons but adds nothing to hits, the inbox or bursts. With the Slack `delivery`
        key of a paste (`is_paste`), the store checks in the same call that no other process
        handled that delivery (`HandledElsewhere`, nothing recorded)."""
        if not is_paste(report):
            return None
        found = () if repeat else tuple(unknowns(report, self.engine.kb))
        entries = tuple(f.entry.id for f in report.matches)
        # What triage already ranked beside the answer: the other errors found, the near misses.
        candidates = tuple(f.entry.id for f in report.findings if f.entry.id not in entries[:1])
        subjects = {} if repeat else _burst_subjects(report, found)
        try:
            recorded = self.store.record_paste(
                new_answer_id(),
                user=user,
                channel=channel,
                entries=entries,
                candidates=candidates,
                unknowns=[(u.template, u.example, u.channel_hint) for u in found],
                sightings=list(subjects),
                window=self.burst_seconds,
                people=self.burst_people,
                repeat=repeat,
                delivery=delivery,
            )
        except StoreUnavailableError:
            return None  # the outage was logged once, when it began
        except StoreError as exc:
            log.warning("could not record a paste for the maintainers: %s", exc)
            return None
        if recorded is None:
            raise HandledElsewhere(str(delivery))
        answer, bursts = recorded
        burst, subject = _strongest(bursts, list(subjects.values()))
        return RecordedPaste(answer.id, entries, candidates, found, burst, subject)


def _burst_subjects(report: Report, found: tuple[Unknown, ...]) -> dict[str, str]:
    """Each error of the paste that can make a burst, by sighting key, with what it is called."""
    subjects = {f"entry:{f.entry.id}": f.entry.title for f in report.matches}
    subjects.update({f"unknown:{template_key(u.template)}": u.example for u in found})
    return subjects


def _strongest(bursts: list[Burst], subjects: list[str]) -> tuple[Burst | None, str | None]:
    """The burst to tell about (a new one first, then the most people), and its subject."""
    strongest: tuple[Burst | None, str | None] = (None, None)
    for burst, subject in zip(bursts, subjects, strict=True):
        best = strongest[0]
        if burst.active and (best is None or (burst.new, burst.people) > (best.new, best.people)):
            strongest = (burst, subject)
    return strongest


def alternatives(answer: Answer, engine: Engine) -> list[Entry]:
    """The entries a person may have meant instead of `answer`'s: what the paste also came near
    (recorded with it), then the entries whose error texts are closest to the one shown."""
    kb = engine.kb
    shown = answer.entry_id
    picked = list(answer.candidates)
    if shown is not None and shown in kb.by_id:
        near: dict[str, float] = {}
        for text in kb.by_id[shown].patterns:
            for candidate in best_per_entry(text, engine.matcher).values():
                if candidate.score >= max(CANDIDATE_FLOOR, near.get(candidate.entry.id, 0.0)):
                    near[candidate.entry.id] = candidate.score
        picked += sorted(near, key=lambda entry_id: -near[entry_id])
    unique = [i for i in dict.fromkeys(picked) if i != shown and i in kb.by_id]
    return [kb.by_id[entry_id] for entry_id in unique[:MAX_ALTERNATIVES]]


def new_answer_id() -> str:
    """Random rather than counted, so that instances sharing one store never hand out the same."""
    return secrets.token_hex(8)
