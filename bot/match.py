"""Scoring segments of a paste against the knowledge base's patterns with rapidfuzz.

A score is 0-100. A candidate at or above `CONFIDENT` is claimed as a match; below it is only a
"did you mean". The score rewards finding a pattern inside a segment (log prefixes, chat around
it) and a segment that is the start of a long pattern (a truncated paste), but a short pattern
buried in a long unrelated line is marked down: "Access denied" inside a database error is not
Magento's "Access denied". A pattern's three-digit numbers (HTTP status, eBay error code) must be
present: "(401) Unauthorized" is not "(403) Forbidden" however alike the sentences are.

A pattern's `<placeholder>` matches any one word there. A long pattern's headline (its first
sentence or clause, "Execution Timeout Expired") stands for the whole when a person quotes only
that. The systems a paste names are evidence too (`Context`): an entry of one channel is never
claimed for text that names another system, and a generic pattern ("423 Locked") only for text
that names its channel.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.knowledge import Entry, KnowledgeBase, KnowledgeSettings
from bot.normalise import Segment, canonical, clean_unicode, strip_prefixes

CONFIDENT = 85.0
"""Scores at or above this are claimed as matches; the README documents it."""


def shown_score(score: float) -> str:
    """A score as people read it, a whole number that never rounds up to the threshold it
    missed: 84.8 is shown as 84, not as a confident-looking 85."""
    return f"{score:.0f}" if score >= CONFIDENT else str(math.floor(score))


AMBIGUOUS_MARGIN = 5.0
"""Lint reports a pattern that another entry scores within this many points of its own."""

_MIN_TRUNCATED_CHARS = 24
_MIN_TRUNCATED_SHARE = 0.3
# A quoted part may come from anywhere in a long error ("Not enough storage is available to
# complete this operation" of the pre-login handshake error), so a smaller share will do when
# it holds enough words to be distinctive.
_MIN_QUOTED_SHARE = 0.2
_MIN_QUOTED_TOKENS = 4
# Between these lengths a pattern found inside a line counts more the longer it is.
_SHORT_PATTERN, _LONG_PATTERN = 10, 50
_SHORT_WEIGHT = 0.3  # How much finding a 10-character pattern counts; the rest is the whole line.
_START_BONUS = 0.1  # Found at the start of its segment: the rest of the line matters less.
_START_SLACK = 2  # Characters before a match that still count as the start of its segment.
_MISSING_WORDS_COST = 80  # Points lost when none of a pattern's words are there; pro rata.
_FRAGMENT_FLOOR = 50  # The most a fragment scores none of whose words are in the pattern.
_HEADLINE_MISSING_WORDS = 1  # Words of a headline that may be missing before it is tried.
_MISSING_NUMBER_CAP = CONFIDENT - 15
_CANDIDATES_SCORED = 20
_POSTINGS_BUDGET = 1_500
_MIN_SHARED = 0.3  # Of the smaller side's word weight, for a pattern to be scored at all.
HELD_BACK = CONFIDENT - 10
"""The most a candidate scores when the context says it may be another system's text."""
_GENERIC_PART = 90  # A fragment this close to an entry's generic pattern is that pattern.
_NAMED_WEIGHT = 0.8  # A generic pattern in text that names its channel: finding it is most of it.
_MIN_HEADLINE_TOKENS = 3
_MIN_HEADLINE_CHARS = 18
_MAX_HEADLINES = 4
_MAX_DROPPED_WORDS = 2  # "403 requires merchant approval for …" leaves out "This action".
_MIN_TAIL_TOKENS = 4
_MIN_TAIL_WEIGHT = 0.7  # Of the pattern's word weight: what is left must still be the error.
# A headline says what went wrong, in more than "error": "An internal error occurred" and
# "XML Parsing Error at Line 5" are any system's words, "Execution Timeout Expired" is not.
_FAILURE_WORD = re.compile(
    r"fail|expired|denied|invalid|duplicat|time ?out|rejected|\bnot |cannot|unable|exceed|"
    r"throttl|forbidden|unauthori|missing|corrupt|violat"
)
_WRAPPER_END = re.compile(r"[.:;,!?]?\s*(?:error\b|:)")
_FIRST_VALUE = re.compile(r"(?<= )#[nq]\b")
_HEADLINE_END = re.compile(r"(?:[.:;,!?]|\s-)(?=\s)")

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
class Context:
    """The systems named where an error appears: on its line, knowledge base channels
    (`channels`) and systems it does not cover (`others`, as written in settings.yaml); around
    it, channels that only vouch for a generic pattern (`nearby`); on it or next to it, systems
    where Linnworks never runs (`outside`, also in `others` when on the line); in the paste,
    whether Linnworks itself is named (`linnworks`) and which of its areas are (`areas`: the
    name of an entry's channel that is no marketplace, such as "import")."""

    channels: frozenset[str] = frozenset()
    others: tuple[str, ...] = ()
    nearby: frozenset[str] = frozenset()
    outside: tuple[str, ...] = ()
    linnworks: bool = False
    areas: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.channels and not self.others


# How the answer names a line that says it is not from Linnworks (settings `not_linnworks:`).
NOT_LINNWORKS = "the poster (not Linnworks)"
_WORD = re.compile(r"[a-z]+|[0-9]+")
_PLACEHOLDER = re.compile(r"<[^<>]{1,60}>")


def words_of(text: str) -> list[str]:
    """The words names and phrases are found by: runs of letters, runs of digits, any case."""
    return _WORD.findall(clean_unicode(text).casefold())


class Phrases:
    """Whole phrases found in a text's words; a `<placeholder>` in a phrase is any one word.

    Each phrase is filed under one of its words, so finding them costs one dictionary look-up
    per word of the text, however many phrases there are.
    """

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._filed: dict[str, list[tuple[int, tuple[str | None, ...], str]]] = defaultdict(list)
        for phrase, value in phrases:
            sequence: list[str | None] = []
            for part in phrase.split():
                sequence.extend([None] if _PLACEHOLDER.fullmatch(part) else words_of(part))
            anchor = next((i for i, w in enumerate(sequence) if w is not None), None)
            if anchor is not None:
                self._filed[sequence[anchor]].append((anchor, tuple(sequence), value))  # type: ignore[index]

    def found(self, words: Sequence[str]) -> Iterator[str]:
        """The value of every phrase in `words`, in order, as often as it is there."""
        for i, word in enumerate(words):
            for anchor, sequence, value in self._filed.get(word, ()):
                start = i - anchor
                if (
                    start >= 0
                    and start + len(sequence) <= len(words)
                    and all(w is None or w == words[start + j] for j, w in enumerate(sequence))
                ):
                    yield value


class SystemNames:
    """Finds the words of settings.yaml (`channels:` and `other_systems:`) in text."""

    def __init__(self, settings: KnowledgeSettings, areas: Iterable[str] = ()) -> None:
        owners = [
            (word, f"channel:{channel}")
            for channel, words in settings.channels.items()
            for word in words
        ]
        owners += [(word, f"other:{word}") for word in settings.other_systems]
        owners += [(word, f"outside:{word}") for word in settings.outside_linnworks]
        owners += [(word, "linnworks:") for word in settings.linnworks]
        owners += [(area, f"area:{area}") for area in areas]
        owners += [
            (sign, f"outside:{tool}")
            for tool, signs in settings.outside_signs.items()
            for sign in signs
        ]
        owners += [(phrase, f"outside:{NOT_LINNWORKS}") for phrase in settings.not_linnworks]
        self._phrases = Phrases(owners)
        self.channels = frozenset(settings.channels)
        self._labels = {channel: words[0] for channel, words in settings.channels.items() if words}

    def label(self, channel: str) -> str:
        """How people write the channel's name ("Shopify"), or "a channel" for Linnworks' own."""
        return self._labels.get(channel, "a channel")

    def named(self, text: str) -> Context:
        return self.named_in(words_of(text))

    def named_in(self, words: Sequence[str]) -> Context:
        channels: set[str] = set()
        others: list[str] = []
        outside: list[str] = []
        linnworks = 0
        areas: set[str] = set()
        for owner in self._phrases.found(words):
            kind, name = owner.split(":", 1)
            if kind == "channel":
                channels.add(name)
            elif kind == "linnworks":
                linnworks += 1
            elif kind == "area":
                areas.add(name)
            else:
                # "not linnworks": the Linnworks in it vouches for nothing.
                linnworks -= name == NOT_LINNWORKS
                if name not in others:
                    others.append(name)
                    if kind == "outside":
                        outside.append(name)
        return Context(
            frozenset(channels),
            tuple(others),
            outside=tuple(outside),
            linnworks=linnworks > 0,
            areas=frozenset(areas),
        )


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
    held_back: str | None = None
    """Why the context kept a higher score below the threshold, if it did."""

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
    generic: bool
    # Each `<placeholder>` (masked to "#n") as the words on either side of it.
    wildcards: tuple[tuple[str, str], ...]
    # Systems the error text itself names ("PayPal" in an eBay warning): finding them in a paste
    # is no sign of another system.
    names: Context


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
        # Linnworks' own areas that an entry's channel names ("import", "shipping"); "general"
        # is no word people use for where an error came from.
        areas = {e.channel for e in kb} - set(kb.settings.channels) - {"general"}
        self.systems = SystemNames(kb.settings, sorted(areas))
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
                    generic=text in entry.generic_patterns,
                    wildcards=_wildcards(core),
                    names=self.systems.named(text),
                )
            )
            for token in toks:
                postings[token].append(index)
        # Every word's postings one after another in one array, and where each word's are: a
        # few arrays load from the load cache far quicker than one list or array per word.
        self._spans: dict[str, tuple[int, int]] = {}
        start = 0
        for word, indices in postings.items():
            self._spans[word] = (start, start + len(indices))
            start += len(indices)
        self._posted = np.fromiter(
            (i for indices in postings.values() for i in indices), dtype=np.intp, count=start
        )
        self._weights = np.array([p.weight for p in self._patterns], dtype=np.float64)
        self._canon = {p.text: p.canon for p in self._patterns}
        self._generic_cores: dict[str, tuple[str, ...]] = defaultdict(tuple)
        for p in self._patterns:
            if p.generic:
                self._generic_cores[p.entry.id] += (p.core,)
        self._headline_cache: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}

    def rank(
        self, segment: Segment, limit: int = 3, context: Context | None = None
    ) -> list[Candidate]:
        """The best `limit` entries for one segment, best first, one candidate per entry."""
        return self.rank_all((segment,), context)[:limit]

    def rank_all(
        self, segments: Sequence[Segment], context: Context | None = None
    ) -> list[Candidate]:
        """Each entry's best candidate over all `segments` (the pieces of one record), best
        first; at equal scores a whole match ranks before a fragment of a longer pattern.

        `context` is what the text around them names; without it, patterns are scored on their
        words alone (as lint compares them). The pieces of a record share most of their words,
        so one shortlist serves them all.
        """
        seg_tokens = [tokens(s.canon) for s in segments]
        seg_numbers = [frozenset(_SIGNIFICANT_NUMBER.findall(s.canon)) for s in segments]
        words = set().union(*seg_tokens)
        codes = set().union(*(_code_tokens(s.plain) for s in segments))
        best: dict[str, Candidate] = {}
        for index in self._shortlist(words | codes):
            pattern = self._patterns[index]
            cap, reason, named = self._context_rule(pattern, context)
            if cap <= 0:
                continue
            for segment, toks, numbers in zip(segments, seg_tokens, seg_numbers, strict=True):
                if pattern.code is None and toks.isdisjoint(pattern.tokens):
                    continue  # Nothing in common with this piece: it cannot score.
                score, how = self._score(pattern, segment, toks, numbers, named)
                limit, why = self._part_limit(pattern, segment, how, context, cap, reason)
                held_back = why if score > limit else None
                score = min(score, limit)
                candidate = Candidate(
                    pattern.entry, round(score, 1), pattern.text, segment, how, held_back
                )
                current = best.get(pattern.entry.id)
                if score > 0 and (current is None or _order(candidate) < _order(current)):
                    best[pattern.entry.id] = candidate
        return sorted(best.values(), key=_order)

    def _context_rule(
        self, pattern: _Pattern, context: Context | None
    ) -> tuple[float, str | None, bool]:
        """(the most `pattern` may score, why, whether the text names its channel)."""
        if context is None:
            return 100.0, None, False
        channel = pattern.entry.channel
        if channel in self.systems.channels:
            if channel in context.channels or channel in context.nearby:
                # A code of the channel named beside it ("magento -> signature_invalid") is as
                # good as its message, however much chat follows.
                return 100.0, None, pattern.generic or pattern.code is not None
            own = pattern.names
            if (context.channels - own.channels) or set(context.others) - set(own.others):
                return 0.0, None, False  # Another system's text: never this channel's error.
        elif not (context.channels or context.nearby or context.linnworks):
            # Linnworks' own texts are mostly .NET's and SQL Server's: next to a tool Linnworks
            # never runs in (SSMS, Power BI) they are most likely that tool's own error.
            outside = [name for name in context.outside if name not in pattern.names.others]
            if outside and outside[0] == NOT_LINNWORKS:
                return (
                    HELD_BACK,
                    "the paste says it is not from Linnworks and names no channel",
                    False,
                )
            if outside:
                why = f"{outside[0]} shows this text too, and the paste names neither"
                return HELD_BACK, f"{why} a channel nor Linnworks", False
        if pattern.generic and not context.channels and not context.nearby:
            name = self.systems.label(channel)
            return HELD_BACK, f"other systems show this text too and it does not name {name}", False
        return 100.0, None, False

    def _part_limit(
        self,
        pattern: _Pattern,
        segment: Segment,
        how: Evidence,
        context: Context | None,
        cap: float,
        reason: str | None,
    ) -> tuple[float, str | None]:
        """The most a piece of `pattern` may score here, and why: the context's `cap`, lower for
        a fragment that is only the entry's generic text or a part from the pattern's middle."""
        if how != "fragment":
            return cap, reason
        if self._generic_part(pattern, segment):
            # The part quoted is the entry's generic text, however long the pattern it was
            # found in: "Requested value 'X' was not found." is .NET's too.
            limit, why, _ = self._context_rule(replace(pattern, generic=True), context)
            return min(limit, cap), why
        if context is not None and self._middle(pattern, segment):
            # Other systems' errors share parts of ours ("Not enough storage is available ..."
            # is Windows' too), so the paste must say where it came from.
            unvouched = self._unvouched_part(pattern, context)
            if unvouched is not None:
                return min(cap, HELD_BACK), unvouched
        return cap, reason

    def _unvouched_part(self, pattern: _Pattern, context: Context) -> str | None:
        """Why a quoted part of `pattern` is not enough here, or None when the paste names the
        entry's channel (its area, such as "import"), or, for Linnworks' own texts, Linnworks
        or any channel."""
        channel = pattern.entry.channel
        if channel in context.channels or channel in context.nearby or channel in context.areas:
            return None
        if set(context.others) & set(pattern.names.others):
            return None  # A system the error names itself ("PayPal is not currently accepted").
        if channel not in self.systems.channels and (
            context.linnworks or context.channels or context.nearby
        ):
            return None
        named = self.systems.label(channel)
        if named == "a channel":
            named = "Linnworks or a channel"
        return f"only a part of the error is quoted and the paste does not name {named}"

    @staticmethod
    def _middle(pattern: _Pattern, segment: Segment) -> bool:
        """Whether a fragment is a part from the middle of the pattern, not a paste cut short
        (which keeps the pattern's start)."""
        if not segment.may_be_cut:
            return True
        seg = segment.core or segment.canon
        alignment = fuzz.partial_ratio_alignment(seg, pattern.core)
        return alignment is not None and alignment.dest_start > _START_SLACK

    def _generic_part(self, pattern: _Pattern, segment: Segment) -> bool:
        """Whether `segment` says no more than one of the entry's generic patterns."""
        generic = self._generic_cores.get(pattern.entry.id, ())
        seg = segment.core or segment.canon
        return any(fuzz.ratio(seg, core) >= _GENERIC_PART for core in generic)

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
        ordered = sorted((w for w in words if w in self._spans), key=self._document_count)
        text_weight = sum(self._idf[w] for w in ordered) or 1.0
        chosen: list[str] = []
        sizes: list[int] = []
        spent = 0
        for word in ordered:
            size = self._document_count(word)
            if chosen and spent + size > _POSTINGS_BUDGET:
                break
            spent += size
            chosen.append(word)
            sizes.append(size)
        if not chosen:
            return []
        posted, spans = self._posted, self._spans
        # bincount adds the weights in input order, word by word as a loop over the postings
        # would, so every sum, and so every tie, is bit for bit the same.
        indices = np.concatenate([posted[slice(*spans[w])] for w in chosen])
        idfs = np.repeat([self._idf[w] for w in chosen], sizes)
        overlap = np.bincount(indices, weights=idfs, minlength=len(self._weights))
        # Every IDF is above zero, so the patterns found are those with some overlap, in order.
        # (Compared first: nonzero over a boolean array is several times quicker than over floats.)
        found = np.flatnonzero(overlap > 0)
        shared = overlap[found]
        weight = self._weights[found]
        smaller = np.minimum(weight, text_weight)
        larger = np.maximum(weight, text_weight)
        keep = shared >= _MIN_SHARED * smaller
        found, shared, smaller, larger = found[keep], shared[keep], smaller[keep], larger[keep]
        # Best first; at equal closeness the later pattern first, as heapq.nlargest on
        # (closeness, size closeness, index) ordered them.
        order = np.lexsort((found, shared / larger, shared / smaller))
        return found[order[-_CANDIDATES_SCORED:][::-1]].tolist()

    def _document_count(self, word: str) -> int:
        start, end = self._spans[word]
        return end - start

    def _score(
        self,
        pattern: _Pattern,
        segment: Segment,
        seg_tokens: set[str],
        numbers: frozenset[str],
        named: bool = False,
    ) -> tuple[float, Evidence]:
        """How well `segment` shows `pattern`, and what kind of evidence that is: a code found
        whole, the pattern found in the segment, a fragment of the pattern (a paste cut short,
        a quoted part), or the segment compared whole; a headline of the pattern where that
        scores better. The pattern's three-digit numbers must be there in every case."""
        if pattern.code is not None:
            code = self._code_found(pattern, segment, named)
            return self._cap_numbers(pattern, numbers, code), "code"
        seg = segment.core or segment.canon
        if pattern.wildcards:
            seg = _fill(seg, pattern.wildcards)
        score: float
        how: Evidence = "text"
        if len(seg) >= len(pattern.core):
            score = self._pattern_found(pattern, seg, seg_tokens, named)
        elif self._may_be_fragment(pattern, segment, seg, seg_tokens):
            score, how = self._fragment_found(pattern, seg, seg_tokens), "fragment"
        else:
            score = self._compared_whole(pattern, seg, seg_tokens)
        if score < CONFIDENT:
            headline = self._headline_found(pattern, seg, seg_tokens, named)
            if headline > score:
                score, how = headline, "text"
        return self._cap_numbers(pattern, numbers, score), how

    def _code_found(self, pattern: _Pattern, segment: Segment, named: bool) -> float:
        """A code (token_rejected) found whole in the unmasked text; a two-word code needs to
        be most of the line, like any short text, a code of three or more words does not."""
        assert pattern.code is not None and pattern.code_at is not None
        found = pattern.code_at.search(segment.plain)
        if found is None:
            return 0.0
        length = _LONG_PATTERN if pattern.specific else len(pattern.code)
        at_start = found.start() <= _START_SLACK
        return self._weighted(100.0, length, at_start, pattern.code, segment.plain, named)

    def _pattern_found(
        self, pattern: _Pattern, seg: str, seg_tokens: set[str], named: bool
    ) -> float:
        """The pattern found inside a segment at least as long (log prefixes, chat around it)."""
        return self._contained(pattern.core, pattern.tokens, seg, seg_tokens, named)

    @staticmethod
    def _may_be_fragment(
        pattern: _Pattern, segment: Segment, seg: str, seg_tokens: set[str]
    ) -> bool:
        """Whether a segment shorter than the pattern may be a piece of it: a paste cut short
        (it runs to its line's end) or a part a person quoted, either long enough to tell."""
        if segment.may_be_cut and _long_enough(seg, pattern.core, _MIN_TRUNCATED_SHARE):
            return True
        return (
            segment.quoted
            and len(seg_tokens) >= _MIN_QUOTED_TOKENS
            and _long_enough(seg, pattern.core, _MIN_QUOTED_SHARE)
        )

    def _fragment_found(self, pattern: _Pattern, seg: str, seg_tokens: set[str]) -> float:
        """A fragment found within the pattern, word for word: each of its words missing from
        the pattern takes its share of the points above `_FRAGMENT_FLOOR`."""
        precision = _share_present(seg_tokens, pattern.tokens, self._idf)
        fragment = _part_ratio(seg, pattern.core)
        return min(fragment, _FRAGMENT_FLOOR + (100 - _FRAGMENT_FLOOR) * precision)

    def _compared_whole(self, pattern: _Pattern, seg: str, seg_tokens: set[str]) -> float:
        """A segment shorter than the pattern and no fragment: compared with the whole of it."""
        return min(fuzz.ratio(seg, pattern.core), self._word_cap(pattern.tokens, seg_tokens))

    def _headline_found(
        self, pattern: _Pattern, seg: str, seg_tokens: set[str], named: bool
    ) -> float:
        """A person quoting only the headline of a long error ("Execution Timeout Expired"), or
        the error without its first words: the best such piece found in the segment."""
        best = 0.0
        for headline, words in self._headlines(pattern):
            if len(seg) >= len(headline) and len(words - seg_tokens) <= _HEADLINE_MISSING_WORDS:
                best = max(best, self._contained(headline, words, seg, seg_tokens, named))
        return best

    def _headlines(self, pattern: _Pattern) -> tuple[tuple[str, frozenset[str]], ...]:
        # Worked out when first needed: most patterns are never short of a confident score.
        found = self._headline_cache.get(pattern.core)
        if found is None:
            found = _headlines(pattern.core) + self._tails(pattern)
            self._headline_cache[pattern.core] = found
        return found

    def _tails(self, pattern: _Pattern) -> tuple[tuple[str, frozenset[str]], ...]:
        """The pattern without its first word or two ("This action requires merchant approval
        …" as "requires merchant approval …"): people leave leading words out when they quote.
        Only where the words left are most of what makes the error this error, and the words
        left out hold no number or value."""
        words = pattern.core.split(" ")
        found = []
        for dropped in range(1, _MAX_DROPPED_WORDS + 1):
            if any(any(c.isdigit() or c == "#" for c in w) for w in words[:dropped]):
                break
            tail = " ".join(words[dropped:]).strip(" .,:;-")
            kept = frozenset(tokens(tail))
            weight = sum(self._idf.get(t, 1.0) for t in kept)
            if (
                len(kept) >= _MIN_TAIL_TOKENS
                and len(tail) >= _MIN_HEADLINE_CHARS
                and weight >= _MIN_TAIL_WEIGHT * pattern.weight
            ):
                found.append((tail, kept))
        return tuple(found)

    def _contained(
        self, core: str, words: frozenset[str], seg: str, seg_tokens: set[str], named: bool
    ) -> float:
        """How well `core` is found inside the longer `seg`, all its words required."""
        alignment = fuzz.partial_ratio_alignment(core, seg)
        if not alignment:
            return 0.0
        # Everything that makes this error this error must be there, not just most letters.
        found = min(alignment.score, self._word_cap(words, seg_tokens))
        at_start = alignment.dest_start <= _START_SLACK
        return self._weighted(found, len(core), at_start, core, seg, named)

    @staticmethod
    def _weighted(
        found: float, length: int, start_aligned: bool, core: str, seg: str, named: bool
    ) -> float:
        """Finding a short text inside a long line counts for less: the rest of the line is
        compared too. A generic text in a line that names its channel counts nearly whole."""
        weight = _SHORT_WEIGHT + (1 - _SHORT_WEIGHT) * min(
            1.0, max(0.0, (length - _SHORT_PATTERN) / (_LONG_PATTERN - _SHORT_PATTERN))
        )
        if start_aligned:
            weight = min(1.0, weight + _START_BONUS)
        if named:
            weight = max(weight, _NAMED_WEIGHT)
        if weight >= 1.0:
            return found
        return weight * found + (1 - weight) * fuzz.ratio(core, seg)

    def _word_cap(self, words: Set[str], seg_tokens: set[str]) -> float:
        """The most a segment can score that lacks some of the pattern's words."""
        return 100 - _MISSING_WORDS_COST * (1 - _share_present(words, seg_tokens, self._idf))

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
    if wanted <= available:
        return 1.0  # All there: the sums below would be equal, and their ratio exactly 1.
    total = found = 0.0
    among: frozenset[str] | None = None
    for token in wanted:
        weight = idf.get(token, 1.0)
        total += weight
        if token in available:
            found += weight
        elif len(token) >= 5 and available:
            among = frozenset(available) if among is None else among
            near = _NEAR.get((token, among))
            if near if near is not None else _has_near(token, among):
                found += weight
    return found / total if total else 1.0


_NEAR: dict[tuple[str, frozenset[str]], bool] = {}
"""Whether a word has a near spelling among a set of words, remembered: the words of a
shortlist's patterns are asked about the same segment's words over and over (in bench/slope.py's
pastes, about three times in four)."""
_MAX_NEAR = 30_000  # Each key holds a set of words: about 20 MB at most.


def _has_near(token: str, among: frozenset[str]) -> bool:
    if len(_NEAR) >= _MAX_NEAR:
        _NEAR.clear()
    near = process.extractOne(token, among, scorer=fuzz.ratio, score_cutoff=80) is not None
    _NEAR[(token, among)] = near
    return near


def _long_enough(seg: str, core: str, share: float) -> bool:
    return len(seg) >= max(_MIN_TRUNCATED_CHARS, share * len(core))


_ELLIPSIS = re.compile(r"\s*\.\.\.\s*")


def _part_ratio(seg: str, core: str) -> float:
    """How well `seg` is found as a part of `core`; pieces joined by "..." ("does not match any
    ASIN... requires the following missing attributes") each in turn, in their order."""
    pieces = [piece for piece in _ELLIPSIS.split(seg) if piece.strip()]
    if len(pieces) < 2:
        return fuzz.partial_ratio(seg, core)
    total = weighted = 0.0
    start = 0
    for piece in pieces:
        rest = core[start:]
        alignment = fuzz.partial_ratio_alignment(piece, rest) if len(piece) <= len(rest) else None
        if not alignment:
            return 0.0
        weighted += alignment.score * len(piece)
        total += len(piece)
        start += alignment.dest_end
    return weighted / total


def _code_tokens(plain: str) -> set[str]:
    return set(_CODE_TOKEN.findall(plain))


def _wildcards(core: str) -> tuple[tuple[str, str], ...]:
    """For each placeholder of a pattern, the words before and after it ("" at an end)."""
    words = core.split(" ")
    return tuple(
        (words[i - 1] if i > 0 else "", words[i + 1] if i + 1 < len(words) else "")
        for i, word in enumerate(words)
        if word == "#n" and len(words) > 1
    )


def _fill(seg: str, wildcards: tuple[tuple[str, str], ...]) -> str:
    """`seg` with the word that stands where a pattern has a placeholder masked like it."""
    words = seg.split(" ")
    last = len(words) - 1
    for before, after in wildcards:
        for i, word in enumerate(words):
            if (
                not word.startswith("#")
                and (not before or (i > 0 and words[i - 1] == before))
                and (not after or (i < last and words[i + 1] == after))
            ):
                words[i] = "#n"
    return " ".join(words)


def _headlines(core: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The first clauses and sentences of a long pattern that can stand for it when quoted."""
    ends = [m.start() for m in _HEADLINE_END.finditer(core)]
    pieces: list[str] = []
    sentence_start = 0
    for end in ends:
        if _WRAPPER_END.match(core, end) or strip_prefixes(core[: end + 1] + " x") == "x":
            continue  # A wrapper ("Status: Errors while updating. Error: ..."), not the error.
        pieces.append(core[:end])
        if sentence_start:
            pieces.append(core[sentence_start:end])
        if core[end] in ".!?;" and not sentence_start:
            sentence_start = end + 2  # The second sentence, after a label ("Executing X.").
    # A person leaves out the details after the first value ("the CSV appears to be corrupt
    # near record 58" of "... near record 'XXX' field 'XXX' at position 'XXX'").
    value = _FIRST_VALUE.search(core)
    if value is not None and value.end() < len(core) - 5:
        pieces.append(core[: value.end()])
    found: list[tuple[str, frozenset[str]]] = []
    for piece in pieces:
        piece = piece.strip(" .,:;-")
        words = frozenset(tokens(piece))
        if (
            len(words) >= _MIN_HEADLINE_TOKENS
            and len(piece) >= _MIN_HEADLINE_CHARS
            and len(piece) < len(core) - 5
            and piece.count("(") == piece.count(")")
            and _FAILURE_WORD.search(piece)
            and piece not in (h for h, _ in found)
        ):
            found.append((piece, words))
    return tuple(found[:_MAX_HEADLINES])
