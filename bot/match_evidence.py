"""How well a segment shows a pattern, one method per kind of evidence, with the weights each
uses named at the top; bot.match composes this with what the context allows.

Why this module is long: the kinds of evidence share their weights and helpers (a word's share
of the pattern, its headlines), so they are read together, top to bottom.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Literal

from rapidfuzz import fuzz, process

from bot.match_index import SIGNIFICANT_NUMBER, code_at, tokens
from bot.match_index import Pattern as _Pattern
from bot.memory import remember
from bot.normalise import Segment, strip_prefixes

CONFIDENT = 85.0
"""Scores at or above this are claimed as matches; the README documents it."""

START_SLACK = 2  # Characters before a match that still count as the start of its segment.

_MIN_TRUNCATED_CHARS = 24
_NEARLY_WHOLE = 0.9  # A segment this share of a pattern's length may be all of it, mistyped.
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
_MISSING_WORDS_COST = 80  # Points lost when none of a pattern's words are there; pro rata.
_FRAGMENT_FLOOR = 50  # The most a fragment scores none of whose words are in the pattern.
_HEADLINE_MISSING_WORDS = 1  # Words of a headline that may be missing before it is tried.
_MISSING_NUMBER_CAP = CONFIDENT - 15
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


Evidence = Literal["text", "code", "fragment"]


class EvidenceScorer:
    """Scores how well a segment shows a pattern, with the index's word weights (`idf`)."""

    def __init__(self, idf: dict[str, float]) -> None:
        self._idf = idf
        self._headline_cache: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}

    def score(
        self,
        pattern: _Pattern,
        segment: Segment,
        seg_tokens: Set[str],
        numbers: frozenset[str],
        named: bool = False,
        below: float = 0.0,
    ) -> tuple[float, Evidence]:
        """How well `segment` shows `pattern`, and what kind of evidence that is: a code found
        whole, the pattern found in the segment, a fragment of the pattern (a paste cut short,
        a quoted part), or the segment compared whole; a headline of the pattern where that
        scores better. The pattern's three-digit numbers must be there in every case.

        A score under `below` is of no interest to the caller: it comes back as some score
        under `below` that may be higher than the real one, which saves weighing the pattern's
        words (the costly part) for most patterns of a shortlist."""
        # Each step below gives its exact score, or a bound on it under `cut`. The choice of
        # path compares scores with CONFIDENT, which a bound under it compares as the score.
        cut = min(below, CONFIDENT)
        if pattern.code is not None:
            code = self._code_found(pattern, segment, named)
            return _capped(pattern.numbers, numbers, code), "code"
        seg = segment.core or segment.canon
        if pattern.wildcards:
            seg = _fill(seg, pattern.wildcards)
        score: float
        how: Evidence = "text"
        # A segment a little shorter than the pattern may be all of it with a letter or two
        # missing (typos, no fragment): compared with the whole pattern, once.
        nearly_whole = _NEARLY_WHOLE * len(pattern.core) <= len(seg) < len(pattern.core)
        whole = self._compared_whole(pattern, seg, seg_tokens, cut) if nearly_whole else None
        if len(seg) >= len(pattern.core):
            score = self._pattern_found(pattern, seg, seg_tokens, named, cut)
        elif whole is not None and whole >= CONFIDENT:
            score = whole
        elif _may_be_fragment(pattern, segment, seg, seg_tokens, named):
            score, how = self._fragment_found(pattern, seg, seg_tokens, cut), "fragment"
        elif whole is not None:
            score = whole
        else:
            score = self._compared_whole(pattern, seg, seg_tokens, cut)
        if score < CONFIDENT:
            headline = self._headline_found(pattern, seg, seg_tokens, named, cut)
            if headline > score:
                score, how = headline, "text"
        if score < cut:
            return score, how  # The numbers could only lower it.
        return _capped(_numbers_wanted(pattern, segment, seg, how), numbers, score), how

    def _code_found(self, pattern: _Pattern, segment: Segment, named: bool) -> float:
        """A code (token_rejected) found whole in the unmasked text; a two-word code needs to
        be most of the line, like any short text, a code of three or more words does not, nor
        does one that starts its piece of a line that names its channel ("woo -> rest_forbidden
        ...")."""
        assert pattern.code is not None
        found = code_at(pattern.code).search(segment.plain)
        if found is None:
            return 0.0
        if named and found.start() <= START_SLACK:
            return 100.0
        length = _LONG_PATTERN if pattern.specific else len(pattern.code)
        at_start = found.start() <= START_SLACK
        return _weighted(100.0, length, at_start, pattern.code, segment.plain, named)

    def _pattern_found(
        self, pattern: _Pattern, seg: str, seg_tokens: Set[str], named: bool, cut: float
    ) -> float:
        """The pattern found inside a segment at least as long (log prefixes, chat around it)."""
        return self._contained(pattern.core, pattern.tokens, seg, seg_tokens, named, cut)

    def _fragment_found(
        self, pattern: _Pattern, seg: str, seg_tokens: Set[str], cut: float
    ) -> float:
        """A fragment found within the pattern, word for word: each of its words missing from
        the pattern takes its share of the points above `_FRAGMENT_FLOOR`. (Under `cut`, the
        letters' score alone: the words could only lower it.)"""
        fragment = _part_ratio(seg, pattern.core)
        if fragment < cut:
            return fragment
        precision = _share_present(seg_tokens, pattern.tokens, self._idf)
        return min(fragment, _FRAGMENT_FLOOR + (100 - _FRAGMENT_FLOOR) * precision)

    def _compared_whole(
        self, pattern: _Pattern, seg: str, seg_tokens: Set[str], cut: float
    ) -> float:
        """A segment shorter than the pattern and no fragment: compared with the whole of it.
        (Under `cut`, the letters' score alone: the words could only lower it.)"""
        letters = fuzz.ratio(seg, pattern.core)
        if letters < cut:
            return letters
        return min(letters, self._word_cap(pattern.tokens, seg_tokens))

    def _headline_found(
        self, pattern: _Pattern, seg: str, seg_tokens: Set[str], named: bool, cut: float
    ) -> float:
        """A person quoting only the headline of a long error ("Execution Timeout Expired"), or
        the error without its first words: the best such piece found in the segment."""
        best = 0.0
        for headline, words in self._headlines(pattern):
            if len(seg) >= len(headline) and len(words - seg_tokens) <= _HEADLINE_MISSING_WORDS:
                best = max(best, self._contained(headline, words, seg, seg_tokens, named, cut))
        return best

    def _headlines(self, pattern: _Pattern) -> tuple[tuple[str, frozenset[str]], ...]:
        # Worked out when first needed: most patterns are never short of a confident score.
        found = self._headline_cache.get(pattern.core)
        if found is None:
            found = _headlines(pattern.core) + _tails(pattern, self._idf)
            self._headline_cache[pattern.core] = found
        return found

    def _contained(
        self,
        core: str,
        words: frozenset[str],
        seg: str,
        seg_tokens: Set[str],
        named: bool,
        cut: float,
    ) -> float:
        """How well `core` is found inside the longer `seg`, all its words required. (Under
        `cut`, weighed on the letters alone: the words could only lower it.)"""
        alignment = fuzz.partial_ratio_alignment(core, seg)
        if not alignment:
            return 0.0
        at_start = alignment.dest_start <= START_SLACK
        most = _weighted(alignment.score, len(core), at_start, core, seg, named)
        if most < cut:
            return most
        # Everything that makes this error this error must be there, not just most letters. A
        # cap at or above the letters' score leaves it as weighed (no second whole comparison).
        cap = self._word_cap(words, seg_tokens)
        if cap >= alignment.score:
            return most
        return _weighted(cap, len(core), at_start, core, seg, named)

    def _word_cap(self, words: Set[str], seg_tokens: Set[str]) -> float:
        """The most a segment can score that lacks some of the pattern's words."""
        return 100 - _MISSING_WORDS_COST * (1 - _share_present(words, seg_tokens, self._idf))


def _may_be_fragment(
    pattern: _Pattern, segment: Segment, seg: str, seg_tokens: Set[str], named: bool
) -> bool:
    """Whether a segment shorter than the pattern may be a piece of it: a paste cut short
    (it runs to its line's end) or a part a person quoted, either long enough to tell; a
    word fewer will do where the text names the pattern's channel."""
    if segment.may_be_cut and _long_enough(seg, pattern.core, _MIN_TRUNCATED_SHARE):
        return True
    return (
        segment.quoted
        and len(seg_tokens) >= _MIN_QUOTED_TOKENS - named
        and _long_enough(seg, pattern.core, _MIN_QUOTED_SHARE)
    )


def _weighted(
    found: float, length: int, start_aligned: bool, core: str, seg: str, named: bool
) -> float:
    """Finding a short text inside a long line counts for less: the rest of the line is
    compared too. A generic text in a line that names its channel counts nearly whole.
    Never lower for a higher `found`."""
    weight = _SHORT_WEIGHT + (1 - _SHORT_WEIGHT) * min(
        1.0, max(0.0, (length - _SHORT_PATTERN) / (_LONG_PATTERN - _SHORT_PATTERN))
    )
    if start_aligned:
        weight = min(1.0, weight + _START_BONUS)
    if weight >= 1.0:
        return found
    whole = fuzz.ratio(core, seg)
    score = weight * found + (1 - weight) * whole
    if named and weight < _NAMED_WEIGHT:
        # Naming the channel only ever helps: a segment that is nearly all the text keeps
        # the score its whole comparison gives it.
        score = max(score, _NAMED_WEIGHT * found + (1 - _NAMED_WEIGHT) * whole)
    return score


def _numbers_wanted(pattern: _Pattern, segment: Segment, seg: str, how: Evidence) -> frozenset[str]:
    """A pattern's three-digit numbers (status codes, eBay errors) must be in the segment; a
    paste cut short needs only those of the part it covers (eBay's "…at least 500 pixels" is
    often cut off before its number)."""
    if how == "fragment" and segment.may_be_cut:
        return frozenset(SIGNIFICANT_NUMBER.findall(pattern.core[: len(seg)]))
    return pattern.numbers


def _capped(wanted: frozenset[str], numbers: frozenset[str], score: float) -> float:
    """`score`, or at most `_MISSING_NUMBER_CAP` when none of the `wanted` numbers is there."""
    if wanted and wanted.isdisjoint(numbers):
        return min(score, _MISSING_NUMBER_CAP)
    return score


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
            # A frozenset given is used as it is (and keeps its hash between calls).
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
    near = process.extractOne(token, among, scorer=fuzz.ratio, score_cutoff=80) is not None
    return remember(_NEAR, (token, among), near, _MAX_NEAR)


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


def _tails(pattern: _Pattern, idf: dict[str, float]) -> tuple[tuple[str, frozenset[str]], ...]:
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
        weight = sum(idf.get(t, 1.0) for t in kept)
        if (
            len(kept) >= _MIN_TAIL_TOKENS
            and len(tail) >= _MIN_HEADLINE_CHARS
            and weight >= _MIN_TAIL_WEIGHT * pattern.weight
        ):
            found.append((tail, kept))
    return tuple(found)


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
