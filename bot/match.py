"""Scoring segments of a paste against the knowledge base's patterns with rapidfuzz.

A score is 0-100. A candidate at or above `CONFIDENT` is claimed as a match; below it is only a
"did you mean". The score rewards finding a pattern inside a segment (log prefixes, chat around
it) and a segment that is the start of a long pattern (a truncated paste), but a short pattern
buried in a long unrelated line is marked down: "Access denied" inside a database error is not
Magento's "Access denied". A pattern's three-digit numbers (HTTP status, eBay error code) must be
present: "(401) Unauthorized" is not "(403) Forbidden" however alike the sentences are.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.knowledge import Entry, KnowledgeBase
from bot.normalise import Segment, canonical, strip_prefixes

CONFIDENT = 85.0
"""Scores at or above this are claimed as matches; the README documents it."""

AMBIGUOUS_MARGIN = 5.0
"""Lint reports a pattern that another entry scores within this many points of its own."""

_MIN_TRUNCATED_CHARS = 24
_MIN_TRUNCATED_SHARE = 0.3
_SHORT_PATTERN, _LONG_PATTERN = 10, 50
_SHORT_WEIGHT = 0.3  # How much finding a 10-character pattern counts; the rest is the whole line.
_START_BONUS = 0.1
_MISSING_NUMBER_CAP = CONFIDENT - 15
_CANDIDATES_SCORED = 20
_POSTINGS_BUDGET = 1_500
_MIN_SHARED = 0.3  # Of the smaller side's word weight, for a pattern to be scored at all.

_TOKEN = re.compile(r"[a-z0-9_%]+(?:[.][a-z0-9_]+)*")
# A match may only start where its run of word characters starts: tried from every position of a
# long run ("1111…") each attempt rescanned the rest, quadratic (12 s for one paste of such lines).
_CODE_TOKEN = re.compile(
    r"(?<![a-z0-9_])[a-z0-9_]+(?:\.[a-z0-9_]+)+|(?<![a-z0-9])[a-z0-9]+(?:_[a-z0-9]+)+"
)
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


Evidence = Literal["text", "code", "fragment"]


@dataclass(frozen=True)
class Candidate:
    """One entry's best showing against a piece of a paste.

    `how` says what kind of evidence it is: "text" (the pattern found in the segment), "code"
    (an identifier such as token_rejected found whole) or "fragment" (the segment is only part
    of the pattern, as in a paste cut short).
    """

    entry: Entry
    score: float
    pattern: str
    segment: Segment
    how: Evidence = "text"

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


@dataclass(frozen=True)
class _Pattern:
    entry: Entry
    text: str
    canon: str
    core: str
    code: str | None
    # For a code: where it stands as a whole word, and whether it is specific (three or more
    # joined words) wherever it appears.
    code_at: re.Pattern[str] | None
    specific: bool
    numbers: frozenset[str]
    tokens: frozenset[str]
    weight: float


def tokens(canon: str) -> set[str]:
    """The words an index is built on: no stop words, no masks, at least three characters."""
    return {
        t
        for t in _TOKEN.findall(canon)
        if t not in _STOPWORDS and (len(t) >= 3 or t.isdigit()) and not t.startswith("#")
    }


class Matcher:
    """An index over one knowledge base's patterns, built once at load time."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        raw: list[tuple[Entry, str, str, str, set[str]]] = []
        for entry in kb:
            for text in entry.patterns:
                canon = canonical(text)
                core = strip_prefixes(canon)
                raw.append((entry, text, canon, core, tokens(core) or tokens(canon)))
        document_frequency: dict[str, int] = defaultdict(int)
        for *_, toks in raw:
            for token in toks:
                document_frequency[token] += 1
        count = max(len(raw), 1)
        self._idf = {t: math.log(1 + count / df) for t, df in document_frequency.items()}
        self._patterns: list[_Pattern] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for index, (entry, text, canon, core, toks) in enumerate(raw):
            code = text.strip().casefold() if _CODE_LIKE.match(text.strip()) else None
            self._patterns.append(
                _Pattern(
                    entry=entry,
                    text=text,
                    canon=canon,
                    core=core,
                    code=code,
                    code_at=re.compile(rf"(?<![\w.]){re.escape(code)}(?![\w])") if code else None,
                    specific=code is not None and len(re.split(r"[._]", code)) >= 3,
                    numbers=frozenset(_SIGNIFICANT_NUMBER.findall(canon)),
                    tokens=frozenset(toks),
                    weight=sum(self._idf[t] for t in toks) or 1.0,
                )
            )
            for token in toks:
                postings[token].append(index)
        self._postings = dict(postings)
        self._weights = [p.weight for p in self._patterns]
        self._canon = {p.text: p.canon for p in self._patterns}

    def rank(self, segment: Segment, limit: int = 3) -> list[Candidate]:
        """The best `limit` entries for one segment, best first, one candidate per entry."""
        return self.rank_all((segment,))[:limit]

    def rank_all(self, segments: Sequence[Segment]) -> list[Candidate]:
        """Each entry's best candidate over all `segments` (the pieces of one record), best
        first; at equal scores a whole match ranks before a fragment of a longer pattern.

        The pieces of a record share most of their words, so one shortlist serves them all.
        """
        seg_tokens = [tokens(s.canon) for s in segments]
        seg_numbers = [frozenset(_SIGNIFICANT_NUMBER.findall(s.canon)) for s in segments]
        words = set().union(*seg_tokens)
        codes = set().union(*(_code_tokens(s.plain) for s in segments))
        best: dict[str, Candidate] = {}
        for index in self._shortlist(words | codes):
            pattern = self._patterns[index]
            for segment, toks, numbers in zip(segments, seg_tokens, seg_numbers, strict=True):
                if pattern.code is None and toks.isdisjoint(pattern.tokens):
                    continue  # Nothing in common with this piece: it cannot score.
                score, how = self._score(pattern, segment, toks, numbers)
                candidate = Candidate(pattern.entry, round(score, 1), pattern.text, segment, how)
                current = best.get(pattern.entry.id)
                if score > 0 and (current is None or _order(candidate) < _order(current)):
                    best[pattern.entry.id] = candidate
        return sorted(best.values(), key=_order)

    def explains(self, winner: Candidate, other: Candidate) -> bool:
        """True when `winner`'s pattern contains `other`'s: the longer known error explains both."""
        outer, inner = self._canon[winner.pattern], self._canon[other.pattern]
        return len(inner) < len(outer) and fuzz.partial_ratio(inner, outer) >= 90

    def _shortlist(self, words: set[str]) -> list[int]:
        """The patterns worth scoring: those sharing enough of their rarer words with the text.

        Words are taken rarest first; once something is found, a word whose postings would take
        the total past the budget is skipped, since common words only confirm what rarer ones
        already found. Ties are broken by closeness in size, so a short text prefers the short
        pattern it equals to the long patterns that merely contain it.
        """
        ordered = sorted((w for w in words if w in self._postings), key=self._document_count)
        text_weight = sum(self._idf[w] for w in ordered) or 1.0
        overlap: dict[int, float] = defaultdict(float)
        spent = 0
        for word in ordered:
            postings = self._postings[word]
            if overlap and spent + len(postings) > _POSTINGS_BUDGET:
                break
            spent += len(postings)
            idf = self._idf[word]
            for index in postings:
                overlap[index] += idf

        weights = self._weights
        ranked = []
        for index, shared in overlap.items():
            weight = weights[index]
            smaller, larger = (
                (weight, text_weight) if weight < text_weight else (text_weight, weight)
            )
            if shared >= _MIN_SHARED * smaller:
                ranked.append((shared / smaller, shared / larger, index))
        return [index for *_, index in heapq.nlargest(_CANDIDATES_SCORED, ranked)]

    def _document_count(self, word: str) -> int:
        return len(self._postings[word])

    def _score(
        self, pattern: _Pattern, segment: Segment, seg_tokens: set[str], numbers: frozenset[str]
    ) -> tuple[float, Evidence]:
        seg = segment.core or segment.canon
        if pattern.code is not None and pattern.code_at is not None:
            found = pattern.code_at.search(segment.plain)
            if found is None:
                return 0.0, "code"
            alignment_score, start_aligned = 100.0, found.start() <= 2
            seg = segment.plain
            # A two-word code ("token_rejected") needs to be most of the line, like any short text.
            core_length = _LONG_PATTERN if pattern.specific else len(pattern.code)
        elif len(seg) >= len(pattern.core):
            alignment = fuzz.partial_ratio_alignment(pattern.core, seg)
            alignment_score = alignment.score if alignment else 0.0
            start_aligned = bool(alignment) and alignment.dest_start <= 2
            # Everything that makes this error this error must be there, not just most letters.
            alignment_score = min(alignment_score, self._word_cap(pattern, seg_tokens))
            core_length = len(pattern.core)
        elif segment.may_be_cut and len(seg) >= max(
            _MIN_TRUNCATED_CHARS, _MIN_TRUNCATED_SHARE * len(pattern.core)
        ):
            # A paste cut short: the fragment must be found within the pattern, word for word.
            fragment = fuzz.partial_ratio(seg, pattern.core)
            precision = _share_present(seg_tokens, pattern.tokens, self._idf)
            score = min(fragment, 50 + 50 * precision)
            return self._cap_numbers(pattern, numbers, score), "fragment"
        else:
            whole = min(fuzz.ratio(seg, pattern.core), self._word_cap(pattern, seg_tokens))
            return self._cap_numbers(pattern, numbers, whole), "text"

        weight = _SHORT_WEIGHT + (1 - _SHORT_WEIGHT) * min(
            1.0, max(0.0, (core_length - _SHORT_PATTERN) / (_LONG_PATTERN - _SHORT_PATTERN))
        )
        if start_aligned:
            weight = min(1.0, weight + _START_BONUS)
        score = alignment_score
        if weight < 1.0:
            whole = fuzz.ratio(pattern.code or pattern.core, seg)
            score = weight * alignment_score + (1 - weight) * whole
        return self._cap_numbers(pattern, numbers, score), "code" if pattern.code else "text"

    def _word_cap(self, pattern: _Pattern, seg_tokens: set[str]) -> float:
        """The most a segment can score that lacks some of the pattern's words."""
        return 100 - 80 * (1 - _share_present(pattern.tokens, seg_tokens, self._idf))

    @staticmethod
    def _cap_numbers(pattern: _Pattern, numbers: frozenset[str], score: float) -> float:
        """A pattern's three-digit numbers (status codes, eBay errors) must be in the segment."""
        if pattern.numbers and pattern.numbers.isdisjoint(numbers):
            return min(score, _MISSING_NUMBER_CAP)
        return score


def _order(candidate: Candidate) -> tuple[float, bool, int, str]:
    return (
        -candidate.score,
        candidate.how == "fragment",
        -len(candidate.pattern),
        candidate.entry.id,
    )


def _share_present(wanted: Set[str], available: Set[str], idf: dict[str, float]) -> float:
    """The IDF-weighted share of `wanted` words found in `available`, a typo per word allowed."""
    total = found = 0.0
    for token in wanted:
        weight = idf.get(token, 1.0)
        total += weight
        if token in available or (
            len(token) >= 5
            and available
            and process.extractOne(token, available, scorer=fuzz.ratio, score_cutoff=80) is not None
        ):
            found += weight
    return found / total if total else 1.0


def _code_tokens(plain: str) -> set[str]:
    return set(_CODE_TOKEN.findall(plain))
