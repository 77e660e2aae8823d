"""Reading a whole paste: which known errors it shows, how often, how many in a row, and a verdict.

One error now and then is normal; the same transient error many times in a row means something is
blocked, so its effective severity becomes action required and the report says why. A line that
reports a success (settings.yaml `success_phrases:`) ends every run, and a log with successes is
judged as Linnworks' help article teaches: a failure or two in a hundred syncs is nothing to worry
about; many in a row is.

Why this module is long: one concept, a whole paste read into a report, top to bottom: the
report's data, reading it record by record, the named filters that decide which candidates a
record shows, then counting runs and the verdict. Each part only makes sense with the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from bot.knowledge import Entry, Severity
from bot.match import AMBIGUOUS_MARGIN, Candidate, Context, Matcher, words_of
from bot.memory import memory_of, remember
from bot.normalise import (
    MAX_PASTE_CHARS,
    MAX_SEGMENT_CHARS,
    Record,
    Segment,
    display_text,
    is_noise,
    normalise,
)
from bot.success import FAILURE_WORDS, SuccessLines, success_lines

MAX_CANDIDATES = 3
CANDIDATE_FLOOR = 55.0
"""A non-confident candidate below this score is not worth a "did you mean"."""

MAX_UNMATCHED = 20
ONE_OFF_SHARE = 10
"""An error that needs a person is judged a one-off when a log shows this many successes per
occurrence, none of them in a row, and a success after the last one."""

_ERROR_WORDS = re.compile(FAILURE_WORDS.pattern + r"|\b[45]\d\d\b", re.IGNORECASE)
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
    held_back: str | None = None
    """For a "did you mean": why the context kept it from being claimed."""
    looked_up: bool = False
    """For a "did you mean": found by a word search of the paste (its score says how well the
    words fit), not by matching an error text."""


@dataclass(frozen=True)
class Report:
    """Everything syncdoc concluded about one paste; the renderers show it, nothing more."""

    findings: tuple[Finding, ...]
    unmatched: tuple[str, ...]
    verdict: str
    records: int
    truncated: bool
    failures: int = 0
    """Lines that failed: a known error (not a status message) or an unknown error line."""
    successes: int = 0
    """Lines that report a success (settings.yaml `success_phrases:`)."""

    @property
    def worrying(self) -> bool:
        """Whether a person must act: a known error that needs action, or a streak."""
        return any(f.effective_severity == "action_required" for f in self.matches)

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
    memo: dict[tuple[object, ...], tuple[list[Candidate], list[Candidate]]] = {}
    tallies: dict[str, _Tally] = {}
    near_misses: dict[str, Candidate] = {}
    unmatched: list[str] = []
    runs: dict[str, int] = {}
    failures = successes = 0
    success = _success_lines(matcher)
    words = [words_of(r.text[:MAX_SEGMENT_CHARS]) for r in normalised.records]
    texts = [r.text[:MAX_SEGMENT_CHARS] for r in normalised.records]
    contexts = _contexts(words, texts, _frames_context(paste, matcher), matcher)

    for record, context, said in zip(normalised.records, contexts, words, strict=True):
        key = (context, *(s.canon for s in record.segments))
        if key not in memo:
            memo[key] = _match_remembered(record, matcher, context)
        accepted, others = memo[key]
        if accepted and all(c.entry.severity == "info" for c in accepted):
            if success.reports_success(record.text, said):
                successes += 1
                _succeeded(runs, tallies)
        elif accepted:
            failures += 1
        elif success.reports_success(record.text, said):
            successes += 1
            _succeeded(runs, tallies)
            continue
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
            failures += 1
            runs.clear()  # A different error between two occurrences ends the run.
            shown = display_text(error_line)
            if len(unmatched) < MAX_UNMATCHED and shown not in unmatched:
                unmatched.append(shown)

    passing = frozenset(matcher.kb.settings.connection_tags)
    findings = [t.finding(successes, passing) for t in tallies.values()]
    findings.sort(key=lambda f: (-f.count, f.first_seen))
    findings.extend(_did_you_mean(near_misses, tallies))
    return Report(
        findings=tuple(findings),
        unmatched=tuple(unmatched),
        verdict=verdict(findings, unmatched, failures, successes),
        records=len(normalised.records),
        truncated=normalised.truncated,
        failures=failures,
        successes=successes,
    )


# Stack frames ("at Acme.Jobs.Run()", 'File "x.py", line 4') are not part of any record's text.
_FRAME = re.compile(r"^[ \t>]*(?:at|File)\s.*$", re.MULTILINE)


def _frames_context(paste: str, matcher: Matcher) -> Context:
    """What the paste's stack frames name, true of every line of the paste: tools where
    Linnworks never runs (the namespaces of someone's own code, a Python or Node.js file), or
    Linnworks itself, whose own trace it then is ("at Linnworks.Channels.Sync.Run() in
    C:\\build\\Sync.cs:line 111")."""
    found = (m[0] for m in _FRAME.finditer(paste[:MAX_PASTE_CHARS]))
    frames = "\n".join(line for line in found if is_noise(line.lstrip(" \t>")))
    if not frames:
        return Context()
    named = matcher.systems.named(frames)
    return Context(linnworks=True) if named.linnworks else Context(outside=named.outside)


def _succeeded(runs: dict[str, int], tallies: dict[str, _Tally]) -> None:
    """A success line: it ends every run, and every error seen so far was followed by one."""
    runs.clear()
    for tally in tallies.values():
        tally.recovered = True


def _contexts(
    words: list[list[str]], texts: list[str], frames: Context, matcher: Matcher
) -> list[Context]:
    """What each record's surroundings name. A system named on the line itself decides; a line
    that names none takes the channels named on the lines around it, else anywhere in the paste
    ("[Shopify main]" above a code block). Other systems count only on the line itself: one
    mention of a courier in a long log does not make every line that courier's. A tool where
    Linnworks never runs counts on the lines next to it too ("in SSMS it keeps dying:" above the
    error, or the namespace of someone's own code in a stack trace), and so does a tool or own
    code that the paste's stack frames show (`frames`); Linnworks named anywhere vouches for
    Linnworks' own texts."""
    own = [matcher.systems.named_in(said, text) for said, text in zip(words, texts, strict=True)]
    everywhere = frozenset().union(*(c.channels for c in own))
    linnworks = frames.linnworks or any(c.linnworks for c in own)
    areas = frozenset().union(*(c.areas for c in own))
    found = []
    for index, context in enumerate(own):
        around = own[max(0, index - 1) : index + 2]
        outside = tuple(
            dict.fromkeys([*(name for c in around for name in c.outside), *frames.outside])
        )
        nearby = context.nearby
        if context.empty:
            nearby = frozenset().union(*(c.channels for c in around)) or everywhere
        # Made whole rather than with dataclasses.replace, which costs several times as much
        # on every line of a long log.
        found.append(
            Context(
                channels=context.channels,
                others=context.others,
                nearby=nearby,
                outside=outside,
                linnworks=linnworks,
                areas=areas,
            )
        )
    return found


_Matched = tuple[list[Candidate], list[Candidate]]
# Forgotten with its knowledge base.
_SEEN: WeakKeyDictionary[Matcher, dict[tuple[Context, tuple[Segment, ...]], _Matched]] = (
    WeakKeyDictionary()
)
_MAX_SEEN = 2_000
_SUCCESS: WeakKeyDictionary[Matcher, SuccessLines] = WeakKeyDictionary()


def _success_lines(matcher: Matcher) -> SuccessLines:
    """The success lines of the matcher's base, built once per base and forgotten with it."""
    return memory_of(_SUCCESS, matcher, lambda: success_lines(matcher.kb.settings))


def _match_remembered(record: Record, matcher: Matcher, context: Context) -> _Matched:
    """`_match_record`, remembered per base for records seen before with the same segments in
    the same context (the same log line pasted again: in bench/slope.py's pastes, one in ten)."""
    seen = memory_of(_SEEN, matcher, dict)
    key = (context, record.segments)
    matched = seen.get(key)
    if matched is None:
        matched = remember(seen, key, _match_record(record, matcher, context), _MAX_SEEN)
    return matched


def _match_record(record: Record, matcher: Matcher, context: Context) -> _Matched:
    """The entries a record shows (accepted), and the rest of its candidates (for "did you
    mean"): its confident candidates, less those the steps below explain away, in order."""
    # Candidates under the floor are never shown, and the steps below only compare confident
    # ones (or fragments within AMBIGUOUS_MARGIN of a confident one).
    ranked = matcher.rank_all(record.segments, context, floor=CANDIDATE_FLOOR)
    accepted = longest_explains_shorter(ranked, matcher)
    accepted = codes_yield_to_messages(accepted)
    accepted = ambiguous_fragments_name_nothing(accepted, ranked)
    accepted = fragments_of_whole_matches_dropped(accepted)
    others = [c for c in ranked if c not in accepted]
    return accepted, others


def longest_explains_shorter(ranked: list[Candidate], matcher: Matcher) -> list[Candidate]:
    """The confident candidates, best first, less any that a better one's pattern contains:
    "The remote server returned an error: (404) Not Found." explains "404 Not Found"."""
    accepted: list[Candidate] = []
    for candidate in ranked:
        if candidate.confident and not any(matcher.explains(a, candidate) for a in accepted):
            accepted.append(candidate)
    return accepted


def codes_yield_to_messages(accepted: list[Candidate]) -> list[Candidate]:
    """A code names a family of errors ("..._authentication_error"); where a message was found
    too, the message says which one, and a code stays only for the message's own entry."""
    if not any(c.how == "text" for c in accepted):
        return accepted
    messages = {c.entry.id for c in accepted if c.how == "text"}
    return [c for c in accepted if c.how != "code" or c.entry.id in messages]


def ambiguous_fragments_name_nothing(
    accepted: list[Candidate], ranked: list[Candidate]
) -> list[Candidate]:
    """A fragment (a paste cut short, a quoted part) that fits two errors within
    `AMBIGUOUS_MARGIN` names neither."""
    fragments = [c for c in ranked if c.how == "fragment"]
    if len(fragments) > 1 and fragments[0].score - fragments[1].score < AMBIGUOUS_MARGIN:
        return [c for c in accepted if c.how != "fragment"]
    return accepted


def fragments_of_whole_matches_dropped(accepted: list[Candidate]) -> list[Candidate]:
    """A fragment of text that a whole match already explains (in it, or around it) is part of
    that match: "Shopify: 429 Too Many Requests" is not also a cut .NET "(429)" message."""
    wholes = [c.segment.canon for c in accepted if c.how != "fragment"]
    return [
        c
        for c in accepted
        if c.how != "fragment"
        or not any(c.segment.canon in w or w in c.segment.canon for w in wholes)
    ]


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
            held_back=c.held_back,
        )
        for c in picked[:MAX_CANDIDATES]
    ]


class _Tally:
    def __init__(self, first: Candidate, index: int) -> None:
        self.best = first
        self.first_seen = index
        self.count = 0
        self.longest_run = 0
        self.recovered = False  # A success line came after its last occurrence.

    def add(self, candidate: Candidate) -> None:
        self.count += 1
        self.recovered = False
        if candidate.score > self.best.score:
            self.best = candidate

    def finding(self, successes: int = 0, connection_tags: frozenset[str] = frozenset()) -> Finding:
        entry = self.best.entry
        escalation = None
        severity: Severity = entry.severity
        if entry.severity == "transient" and self.longest_run >= entry.escalate_after:
            severity = "action_required"
            escalation = f"seen {self.longest_run} times in a row: this is no longer a one-off"
        elif (
            entry.severity == "action_required"
            and self.recovered
            and self.longest_run == 1
            and (
                self.count * ONE_OFF_SHARE <= successes
                or (not connection_tags.isdisjoint(entry.tags) and self.count < successes)
            )
        ):
            # The help article's rule: a failure or two among many successful syncs, each
            # followed by a success, is nothing to worry about, whatever the error. An error of
            # the whole connection (settings `connection_tags:`, such as an invalid token) that
            # the next sync got past did not last, so more successes than failures will do.
            severity = "transient"
            times = "once" if self.count == 1 else f"{self.count} times"
            escalation = (
                f"seen {times} among {successes} successful syncs, each time followed by a "
                "successful one: a one-off"
            )
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


def verdict(
    findings: list[Finding], unmatched: list[str], failures: int = 0, successes: int = 0
) -> str:
    """One sentence that answers "is this bad?" for the whole paste; with successes in it, the
    share of syncs that failed is part of the answer."""
    ratio = failure_ratio(failures, successes)
    matches = [f for f in findings if f.confident]
    if not matches:
        if unmatched:
            lines = "line" if len(unmatched) == 1 else "lines"
            among = f" ({ratio})" if ratio else ""
            return (
                f"Found {len(unmatched)} error {lines} that syncdoc does not know yet{among}; "
                "it cannot say how serious they are."
            )
        return "No known Linnworks error found in this text."
    urgent = [f for f in matches if f.effective_severity == "action_required"]
    rest = len(matches) - 1
    others = f" (and {rest} other known error{'s' if rest != 1 else ''})" if rest else ""
    among = f"; {ratio}" if ratio else ""
    if urgent:
        first = urgent[0]
        if first.escalation:
            return (
                f"Action required: {first.entry.title} was {first.escalation}{among}{others}; "
                "something is blocked and a person should look."
            )
        title = first.entry.title
        return f"Action required: {title} will keep failing until someone fixes it{others}{among}."
    first = matches[0]
    if first.effective_severity == "transient":
        if ratio and first.escalation:
            title = first.entry.title
            return f"Nothing to worry about: {ratio}; {title} was {first.escalation}{others}."
        if ratio:
            return (
                f"Nothing to worry about: {ratio}, never {first.entry.escalate_after} in a row; "
                f"{first.entry.title} is a passing error and the next sync retries it{others}."
            )
        times = (
            "once"
            if first.count == 1
            else f"{first.count} times, never {first.entry.escalate_after} in a row"
        )
        return (
            f"Nothing to do yet: {first.entry.title} is a passing error (seen {times}); "
            f"the next sync retries it{others}."
        )
    return (
        f"For information only: {first.entry.title} is a status message, not a fault{others}"
        f"{among}."
    )


def failure_ratio(failures: int, successes: int) -> str:
    """ "2 failures in 100 syncs (2%)", or "" when the text shows no success to judge against."""
    if not successes:
        return ""
    syncs = failures + successes
    share = 100 * failures / syncs
    shown = f"{share:.0f}" if share >= 1 or not failures else "<1"
    plural = "s" if failures != 1 else ""
    return f"{failures} failure{plural} in {syncs} sync{'s' if syncs != 1 else ''} ({shown}%)"


def best_per_entry(text: str, matcher: Matcher) -> dict[str, Candidate]:
    """Each entry's best candidate anywhere in `text`, confident or not: what else a paste may
    have been (the self-test of `syncdoc lint`, "Was it one of these?" after a wrong answer)."""
    best: dict[str, Candidate] = {}
    for record in normalise(text).records:
        for candidate in matcher.rank_all(record.segments):
            current = best.get(candidate.entry.id)
            if current is None or candidate.score > current.score:
                best[candidate.entry.id] = candidate
    return best
