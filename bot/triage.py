"""Reading a whole paste: which known errors it shows, how often, how many in a row, and a verdict.

One error now and then is normal; the same transient error many times in a row means something is
blocked, so its effective severity becomes action required and the report says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import Entry, Severity
from bot.match import AMBIGUOUS_MARGIN, Candidate, Matcher
from bot.normalise import Record, display_text, normalise

MAX_CANDIDATES = 3
CANDIDATE_FLOOR = 55.0
"""A non-confident candidate below this score is not worth a "did you mean"."""

MAX_UNMATCHED = 20

_ERROR_WORDS = re.compile(
    r"error|exception|fail|denied|invalid|expired|rejected|unable|cannot|can't|could not|"
    r"not found|forbidden|time[d ]?out|throttl|exceeded|refused|unauthori[sz]ed|not allowed|"
    r"not authori|violation|corrupt|missing|too many|conflict|fatal|\b[45]\d\d\b",
    re.IGNORECASE,
)
_CHAT = re.compile(
    r"^(?:hi|hey|hello|morning|any|anyone|anybody|does|is|why|what|how|can|could|please|thanks|"
    r"we|we're|i|i'm|im|i've|getting|seeing|got|still|just|so|ok|okay|lol|fyi)\b|\?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One knowledge base entry as it shows in a paste."""

    entry: Entry
    score: float
    confident: bool
    count: int
    longest_run: int
    matched_text: str
    effective_severity: Severity
    escalation: str | None
    first_seen: int


@dataclass(frozen=True)
class Report:
    """Everything syncdoc concluded about one paste; the renderers show it, nothing more."""

    findings: tuple[Finding, ...]
    unmatched: tuple[str, ...]
    verdict: str
    records: int
    truncated: bool

    @property
    def matches(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.confident)

    @property
    def candidates(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.confident)

    @property
    def recognised(self) -> bool:
        return any(f.confident for f in self.findings)


def looks_like_error(text: str) -> bool:
    """Error-looking text that is not a person talking about an error."""
    stripped = text.strip()
    return bool(_ERROR_WORDS.search(stripped)) and not _CHAT.search(stripped)


def triage(paste: str, matcher: Matcher) -> Report:
    """Match every record of the paste and group what was found by entry."""
    normalised = normalise(paste)
    memo: dict[tuple[str, ...], tuple[list[Candidate], list[Candidate]]] = {}
    tallies: dict[str, _Tally] = {}
    near_misses: dict[str, Candidate] = {}
    unmatched: list[str] = []
    runs: dict[str, int] = {}

    for record in normalised.records:
        key = tuple(s.canon for s in record.segments)
        if key not in memo:
            memo[key] = _match_record(record, matcher)
        accepted, others = memo[key]
        if accepted:
            seen_here = {c.entry.id for c in accepted}
            for candidate in accepted:
                tally = tallies.setdefault(candidate.entry.id, _Tally(candidate, record.index))
                tally.add(candidate)
                runs[candidate.entry.id] = runs.get(candidate.entry.id, 0) + 1
                tally.longest_run = max(tally.longest_run, runs[candidate.entry.id])
            for entry_id in list(runs):
                if entry_id not in seen_here:
                    runs[entry_id] = 0
            continue
        for candidate in others:
            best = near_misses.get(candidate.entry.id)
            if best is None or candidate.score > best.score:
                near_misses[candidate.entry.id] = candidate
        error_line = next(
            (line for line in record.text.splitlines() if looks_like_error(line)), None
        )
        if error_line is not None:
            runs.clear()  # A different error between two occurrences ends the run.
            shown = display_text(error_line)
            if len(unmatched) < MAX_UNMATCHED and shown not in unmatched:
                unmatched.append(shown)

    findings = [t.finding() for t in tallies.values()]
    findings.sort(key=lambda f: (-f.count, f.first_seen))
    findings.extend(_did_you_mean(near_misses, tallies))
    return Report(
        findings=tuple(findings),
        unmatched=tuple(unmatched),
        verdict=verdict(findings, unmatched),
        records=len(normalised.records),
        truncated=normalised.truncated,
    )


def _match_record(record: Record, matcher: Matcher) -> tuple[list[Candidate], list[Candidate]]:
    ranked = matcher.rank_all(record.segments)
    accepted: list[Candidate] = []
    for candidate in ranked:
        if candidate.confident and not any(matcher.explains(a, candidate) for a in accepted):
            accepted.append(candidate)
    if any(c.how == "text" for c in accepted):
        # A code names a family of errors ("..._authentication_error"); the message beside it
        # in the same response says which one.
        accepted = [c for c in accepted if c.how != "code" or _same_entry_as_text(c, accepted)]
    fragments = [c for c in ranked if c.how == "fragment"]
    if len(fragments) > 1 and fragments[0].score - fragments[1].score < AMBIGUOUS_MARGIN:
        # A paste cut short that fits two errors equally well names neither.
        accepted = [c for c in accepted if c.how != "fragment"]
    wholes = [c.segment.canon for c in accepted if c.how != "fragment"]
    # A fragment of text that a whole match already explains is part of that match.
    accepted = [
        c for c in accepted if c.how != "fragment" or not any(c.segment.canon in w for w in wholes)
    ]
    others = [c for c in ranked if c not in accepted]
    return accepted, others


def _same_entry_as_text(code: Candidate, accepted: list[Candidate]) -> bool:
    return any(c.how == "text" and c.entry.id == code.entry.id for c in accepted)


def _did_you_mean(near: dict[str, Candidate], found: dict[str, _Tally]) -> list[Finding]:
    ranked = sorted(near.values(), key=lambda c: (-c.score, c.entry.id))
    picked = [c for c in ranked if c.entry.id not in found and c.score >= CANDIDATE_FLOOR]
    return [
        Finding(
            entry=c.entry,
            score=round(c.score, 1),
            confident=False,
            count=0,
            longest_run=0,
            matched_text=c.segment.display,
            effective_severity=c.entry.severity,
            escalation=None,
            first_seen=-1,
        )
        for c in picked[:MAX_CANDIDATES]
    ]


class _Tally:
    def __init__(self, first: Candidate, index: int) -> None:
        self.best = first
        self.first_seen = index
        self.count = 0
        self.longest_run = 0

    def add(self, candidate: Candidate) -> None:
        self.count += 1
        if candidate.score > self.best.score:
            self.best = candidate

    def finding(self) -> Finding:
        entry = self.best.entry
        escalation = None
        severity: Severity = entry.severity
        if entry.severity == "transient" and self.longest_run >= entry.escalate_after:
            severity = "action_required"
            escalation = f"seen {self.longest_run} times in a row: this is no longer a one-off"
        return Finding(
            entry=entry,
            score=round(self.best.score, 1),
            confident=True,
            count=self.count,
            longest_run=self.longest_run,
            matched_text=self.best.segment.display,
            effective_severity=severity,
            escalation=escalation,
            first_seen=self.first_seen,
        )


def verdict(findings: list[Finding], unmatched: list[str]) -> str:
    """One sentence that answers "is this bad?" for the whole paste."""
    matches = [f for f in findings if f.confident]
    if not matches:
        if unmatched:
            lines = "line" if len(unmatched) == 1 else "lines"
            return (
                f"Found {len(unmatched)} error {lines} that syncdoc does not know yet; "
                "it cannot say how serious they are."
            )
        return "No known Linnworks error found in this text."
    urgent = [f for f in matches if f.effective_severity == "action_required"]
    rest = len(matches) - 1
    others = f" (and {rest} other known error{'s' if rest != 1 else ''})" if rest else ""
    if urgent:
        first = urgent[0]
        if first.escalation:
            return (
                f"Action required: {first.entry.title} was {first.escalation}{others}; "
                "something is blocked and a person should look."
            )
        title = first.entry.title
        return f"Action required: {title} will keep failing until someone fixes it{others}."
    first = matches[0]
    if first.effective_severity == "transient":
        times = (
            "once"
            if first.count == 1
            else f"{first.count} times, never {first.entry.escalate_after} in a row"
        )
        return (
            f"Nothing to do yet: {first.entry.title} is a passing error (seen {times}); "
            f"the next sync retries it{others}."
        )
    return f"For information only: {first.entry.title} is a status message, not a fault{others}."
