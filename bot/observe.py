"""What the bot notes about each paste, for the maintainers: the answer, unknown errors, bursts.

`Observer.observe` is called once per paste that reached the engine (answered or not). It
records the answer (so that votes and "was it one of these?" choices can refer to it), adds each
unknown error line to the inbox, and counts who pasted which error, to tell a burst ("several
people are seeing this right now") from a one-off. A store that fails is logged and the paste is
answered all the same: the maintainers' loop must never cost a user their answer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.engine import Engine
from bot.exceptions import StoreError, StoreUnavailableError
from bot.inbox import Unknown, unknowns
from bot.store import Burst, Store, template_key
from bot.triage import CANDIDATE_FLOOR, Report, best_per_entry

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 4
"""The most "Was it one of these?" buttons offered after a wrong-answer vote."""


@dataclass(frozen=True)
class Observation:
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


def is_paste(report: Report) -> bool:
    """Text worth remembering: it named a known error, came close to one, or looked like one."""
    return bool(report.findings or report.unmatched)


class Observer:
    def __init__(self, store: Store, engine: Engine, settings: Settings) -> None:
        self.store = store
        self.engine = engine
        self.burst_people = settings.burst_people
        self.burst_seconds = settings.burst_minutes * 60.0

    def observe(
        self, report: Report, *, user: str, channel: str, repeat: bool = False
    ) -> Observation | None:
        """Record one paste; None when it was not a paste or the store could not be written.

        A `repeat` (the same answer shown again, e.g. shared in the channel) gets an answer id
        for its buttons but adds nothing to hits, the inbox or bursts."""
        if not is_paste(report):
            return None
        kb = self.engine.kb
        found = () if repeat else tuple(unknowns(report, kb))
        entries = tuple(f.entry.id for f in report.matches)
        candidates = alternatives(report, self.engine)
        try:
            answer = self.store.record_answer(
                new_answer_id(),
                user=user,
                channel=channel,
                entries=entries,
                candidates=candidates,
                templates=[template_key(u.template) for u in found],
                repeat=repeat,
            )
            for unknown in found:
                self.store.record_unknown(
                    unknown.template,
                    unknown.example,
                    user=user,
                    channel=channel,
                    channel_hint=unknown.channel_hint,
                )
            burst, subject = (None, None) if repeat else self._bursts(report, found, user)
        except StoreUnavailableError:
            return None  # the outage was logged once, when it began
        except StoreError as exc:
            log.warning("could not record a paste for the maintainers: %s", exc)
            return None
        return Observation(answer.id, entries, candidates, found, burst, subject)

    def _bursts(
        self, report: Report, found: Sequence[Unknown], user: str
    ) -> tuple[Burst | None, str | None]:
        subjects = {f"entry:{f.entry.id}": f.entry.title for f in report.matches}
        subjects.update({f"unknown:{template_key(u.template)}": u.example for u in found})
        strongest: tuple[Burst | None, str | None] = (None, None)
        for key, subject in subjects.items():
            burst = self.store.sighting(
                key, user, window=self.burst_seconds, people=self.burst_people
            )
            best = strongest[0]
            if burst.active and (
                best is None or (burst.new, burst.people) > (best.new, best.people)
            ):
                strongest = (burst, subject)
        return strongest


def alternatives(report: Report, engine: Engine) -> tuple[str, ...]:
    """The entries a person may have meant instead: other matches, near misses, runners-up."""
    shown = report.matches[0].entry.id if report.matches else None
    picked = [f.entry.id for f in report.findings if f.entry.id != shown]
    texts = [f.matched_text for f in report.matches[:1]] or list(report.unmatched[:1])
    for text in texts:
        ranked = sorted(best_per_entry(text, engine.matcher).values(), key=lambda c: -c.score)
        picked += [c.entry.id for c in ranked if c.score >= CANDIDATE_FLOOR]
    unique = [entry_id for entry_id in dict.fromkeys(picked) if entry_id != shown]
    return tuple(unique[:MAX_ALTERNATIVES])


def new_answer_id() -> str:
    """Random rather than counted, so that instances sharing one store never hand out the same."""
    return secrets.token_hex(8)
