"""Scoring segments of a paste against the knowledge base's patterns with rapidfuzz.

A score is 0-100. A candidate at or above `CONFIDENT` is claimed as a match; below it is only a
"did you mean". The score rewards finding a pattern inside a segment (log prefixes, chat around
it) and a segment that is the start of a long pattern (a truncated paste), but a short pattern
buried in a long unrelated line is marked down: "Access denied" inside a database error is not
Magento's "Access denied". A pattern's three-digit numbers (HTTP status, eBay error code) must be
present: "(401) Unauthorized" is not "(403) Forbidden" however alike the sentences are.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.knowledge import Entry, KnowledgeBase
from bot.normalise import Segment, canonical, strip_prefixes

CONFIDENT = 85.0
"""Scores at or above this are claimed as matches; the README documents it."""

AMBIGUOUS_MARGIN = 5.0
"""Lint reports a pattern that another entry scores within this many points of its own."""

_MIN_TRUNCATED_CHARS = 24
_MIN_TRUNCATED_SHARE = 0.3
_SHORT_PATTERN, _LONG_PATTERN = 10, 45
_START_BONUS = 0.1
_MISSING_NUMBER_CAP = CONFIDENT - 15
_CANDIDATES_SCORED = 40
_POSTINGS_BUDGET = 20_000

_TOKEN = re.compile(r"[a-z0-9_%]+(?:[.][a-z0-9_]+)*")
_SIGNIFICANT_NUMBER = re.compile(r"(?<![\w.#])[1-9]\d{2}(?![\w.])")
# Identifiers such as token_rejected, UNAUTHORIZED.GMP_GATEWAY_API or QuotaExceeded are codes:
# found whole or not at all, since a fuzzy code is a different code.
_CODE_LIKE = re.compile(r"^[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+$|^[A-Za-z]*[a-z][A-Z][A-Za-z]*$")
_STOPWORDS = frozenset(
    (
        "the and for with this that was are you your has have not but from its can may our "
        "their been will into out all any per"
    ).split()
)


@dataclass(frozen=True)
class Candidate:
    """One entry's best showing against a piece of a paste."""

    entry: Entry
    score: float
    pattern: str
    segment: Segment

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


@dataclass(frozen=True)
class _Pattern:
    entry: Entry
    text: str
    core: str
    code: str | None
    numbers: frozenset[str]
    weight: float


def tokens(canon: str) -> set[str]:
    return {
        t
        for t in _TOKEN.findall(canon)
        if t not in _STOPWORDS and (len(t) >= 3 or t.isdigit()) and not t.startswith(("#",))
    }


class Matcher:
    """An index over one knowledge base's patterns, built once at load time."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        raw: list[tuple[Entry, str, str, set[str]]] = []
        for entry in kb:
            for text in entry.patterns:
                canon = canonical(text)
                raw.append((entry, text, canon, tokens(canon)))
        document_frequency: dict[str, int] = defaultdict(int)
        for *_, toks in raw:
            for token in toks:
                document_frequency[token] += 1
        count = max(len(raw), 1)
        self._idf = {t: math.log(1 + count / df) for t, df in document_frequency.items()}
        self._patterns: list[_Pattern] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for index, (entry, text, canon, toks) in enumerate(raw):
            code = canon if _CODE_LIKE.match(text.strip()) else None
            self._patterns.append(
                _Pattern(
                    entry=entry,
                    text=text,
                    core=strip_prefixes(canon),
                    code=code,
                    numbers=frozenset(_SIGNIFICANT_NUMBER.findall(canon)),
                    weight=sum(self._idf[t] for t in toks) or 1.0,
                )
            )
            for token in toks:
                self._postings[token].append(index)
        self._postings = dict(self._postings)

    def rank(self, segment: Segment, limit: int = 3) -> list[Candidate]:
        """The best `limit` entries for one segment, best first, one candidate per entry."""
        best: dict[str, Candidate] = {}
        for index in self._shortlist(segment):
            pattern = self._patterns[index]
            score = _score(pattern, segment)
            current = best.get(pattern.entry.id)
            if score > 0 and (current is None or score > current.score):
                best[pattern.entry.id] = Candidate(pattern.entry, score, pattern.text, segment)
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.entry.id))
        return ranked[:limit]

    def explains(self, winner: Candidate, other: Candidate) -> bool:
        """True when `winner`'s pattern contains `other`'s: the longer known error explains both."""
        outer, inner = canonical(winner.pattern), canonical(other.pattern)
        return len(inner) < len(outer) and fuzz.partial_ratio(inner, outer) >= 90

    def _shortlist(self, segment: Segment) -> list[int]:
        seg_tokens = sorted(tokens(segment.canon), key=lambda t: len(self._postings.get(t, ())))
        overlap: dict[int, float] = defaultdict(float)
        seg_weight = 0.0
        spent = 0
        for token in seg_tokens:
            postings = self._postings.get(token)
            if not postings:
                continue
            idf = self._idf[token]
            seg_weight += idf
            if spent > _POSTINGS_BUDGET:
                continue  # Only patterns already found by rarer tokens gain weight from here on.
            spent += len(postings)
            for index in postings:
                overlap[index] += idf
        shortlisted = []
        for index, shared in overlap.items():
            share = shared / min(self._patterns[index].weight, seg_weight or 1.0)
            if share >= 0.3:
                shortlisted.append((share, index))
        shortlisted.sort(reverse=True)
        return [index for _, index in shortlisted[:_CANDIDATES_SCORED]]


def _score(pattern: _Pattern, segment: Segment) -> float:
    seg = segment.core or segment.canon
    if pattern.code is not None:
        found = re.search(rf"(?<![\w.]){re.escape(pattern.code)}(?![\w])", segment.canon)
        alignment_score, start_aligned = (100.0, seg.startswith(pattern.code)) if found else (0, 0)
        if not found:
            return 0.0
    elif len(seg) >= len(pattern.core):
        alignment = fuzz.partial_ratio_alignment(pattern.core, seg)
        alignment_score = alignment.score if alignment else 0.0
        start_aligned = bool(alignment) and alignment.dest_start <= 2
    elif len(seg) >= max(_MIN_TRUNCATED_CHARS, _MIN_TRUNCATED_SHARE * len(pattern.core)):
        # A paste cut short: compare it with the same length of the pattern's beginning.
        return _cap_numbers(pattern, segment, fuzz.ratio(seg, pattern.core[: len(seg)]))
    else:
        return _cap_numbers(pattern, segment, fuzz.ratio(seg, pattern.core))

    length = len(pattern.core)
    weight = 0.5 + 0.5 * min(
        1.0, max(0.0, (length - _SHORT_PATTERN) / (_LONG_PATTERN - _SHORT_PATTERN))
    )
    if start_aligned:
        weight = min(1.0, weight + _START_BONUS)
    if weight < 1.0:
        whole = fuzz.ratio(pattern.core, seg)
        score = weight * alignment_score + (1 - weight) * whole
    else:
        score = alignment_score
    return _cap_numbers(pattern, segment, score)


def _cap_numbers(pattern: _Pattern, segment: Segment, score: float) -> float:
    if pattern.numbers and not pattern.numbers & set(_SIGNIFICANT_NUMBER.findall(segment.canon)):
        return min(score, _MISSING_NUMBER_CAP)
    return score
