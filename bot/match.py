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

Why this module is long: it is one concept, what a paste lets a pattern claim, read top to
bottom: the systems a text names (`Context`, `SystemNames`), what they allow (`ContextRules`),
then `Matcher`, which ranks candidates with them. How well a segment shows a pattern, one
method per kind of evidence, is bot.match_evidence's job; building the index it scores is
bot.match_index's.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, product
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz

from bot.knowledge import Entry, KnowledgeBase, KnowledgeSettings
from bot.match_evidence import CONFIDENT as CONFIDENT
from bot.match_evidence import START_SLACK as _START_SLACK
from bot.match_evidence import Evidence, EvidenceScorer
from bot.match_index import SIGNIFICANT_NUMBER as _SIGNIFICANT_NUMBER
from bot.match_index import Pattern as _Pattern
from bot.match_index import PatternIndex, tokens
from bot.memory import memory_of, remember
from bot.normalise import Segment, clean_unicode


def shown_score(score: float) -> str:
    """A score as people read it, a whole number that never rounds up to the threshold it
    missed: 84.8 is shown as 84, not as a confident-looking 85."""
    return f"{score:.0f}" if score >= CONFIDENT else str(math.floor(score))


AMBIGUOUS_MARGIN = 5.0
"""Lint reports a pattern that another entry scores within this many points of its own."""

HELD_BACK = CONFIDENT - 10
"""The most a candidate scores when the context says it may be another system's text."""
_GENERIC_PART = 90  # A fragment this close to an entry's generic pattern is that pattern.

# A match may only start where its run of word characters starts: tried from every position of a
# long run ("1111…") each attempt rescanned the rest, quadratic (12 s for one paste of such lines).
_CODE_TOKEN = re.compile(
    r"(?<![a-z0-9_])[a-z0-9_]+(?:\.[a-z0-9_]+)+|(?<![a-z0-9])[a-z0-9]+(?:_[a-z0-9]+)+"
)


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
# How it names a line that speaks of the poster's own code (settings `own_code:`: "our script").
OWN_CODE = "the poster's own code"
# A .NET namespace, class or frame ("Acme.Reporting.Api", "at Contoso.Pricing.Jobs.Run()"): three
# or more capitalised parts. One whose first part is not a platform's (settings
# `platform_namespaces:`: System, Microsoft, Linnworks) nor a channel's name (its SDK's:
# MarketplaceWebService) is someone's own code, where Linnworks' sync never runs.
# A script's file name ("export_orders.sh", "push-stock.ps1"): someone's own code too.
_SCRIPT_FILE = re.compile(
    r"(?<![\w.-])[\w-]{1,60}\.(?:sh|ps1|py|js|ts|rb|bat|cmd|pl)\b", re.IGNORECASE
)
_NAMESPACE = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9_]*)\.([A-Z][A-Za-z0-9_]*)\.[A-Z][A-Za-z0-9_]*")
_WORD = re.compile(r"[a-z]+|[0-9]+")
_PLACEHOLDER = re.compile(r"<[^<>]{1,60}>")
# `<digits>` in a phrase is one run of digits: a stack frame's line number, not any word, or
# "JS error: ..." would read as a Node.js frame ("push.js:57:11"). No word is "#".
_DIGITS = "#"
_CHANNEL_MESSAGE_CHARS = 20


def words_of(text: str) -> list[str]:
    """The words names and phrases are found by: runs of letters, runs of digits, any case."""
    return _WORD.findall(clean_unicode(text).casefold())


def phrase_variants(phrase: str) -> Iterator[str]:
    """Every phrase `phrase` stands for, one alternative of each `a|b` part at a time."""
    parts = [part.split("|") for part in phrase.split()]
    for choice in product(*parts):
        yield " ".join(choice)


class Phrases:
    """Whole phrases found in a text's words; a `<placeholder>` in a phrase is any one word,
    `<digits>` one run of digits.

    Each phrase is filed under one of its words, so finding them costs one dictionary look-up
    per word of the text, however many phrases there are.
    """

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._filed: dict[str, list[tuple[int, tuple[str | None, ...], str]]] = defaultdict(list)
        for phrase, value in phrases:
            sequence: list[str | None] = []
            for part in phrase.split():
                sequence.extend(_phrase_part(part))
            anchor = next((i for i, w in enumerate(sequence) if w not in (None, _DIGITS)), None)
            if anchor is not None:
                self._filed[sequence[anchor]].append((anchor, tuple(sequence), value))  # type: ignore[index]
        self._filed = dict(self._filed)  # A look-up of a word no phrase has must not add it.

    @property
    def anchors(self) -> frozenset[str]:
        """The words a phrase is filed under: a text without any of them has no phrase."""
        return frozenset(self._filed)

    def found(self, words: Sequence[str]) -> Iterator[str]:
        """The value of every phrase in `words`, in order, as often as it is there."""
        filed = self._filed
        if filed.keys().isdisjoint(words):
            return  # Most lines of a log: one look-up each, none of them in Python.
        for i, word in enumerate(words):
            if word not in filed:
                continue  # Most words of a text: one look-up each.
            for anchor, sequence, value in filed[word]:
                if len(sequence) == 1:
                    yield value  # A one-word phrase is its anchor, just found.
                    continue
                start = i - anchor
                if (
                    start >= 0
                    and start + len(sequence) <= len(words)
                    and all(_fits(w, words[start + j]) for j, w in enumerate(sequence))
                ):
                    yield value


def _phrase_part(part: str) -> list[str | None]:
    if part == "<digits>":
        return [_DIGITS]
    return [None] if _PLACEHOLDER.fullmatch(part) else list(words_of(part))


def _fits(expected: str | None, word: str) -> bool:
    return expected is None or expected == word or (expected == _DIGITS and word.isdigit())


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
        owners += [
            (variant, f"own:{OWN_CODE}")
            for phrase in settings.own_code
            for variant in phrase_variants(phrase)
        ]
        self._phrases = Phrases(owners)
        # A namespace named after a channel is its SDK ("MarketplaceWebService.Client.Invoke"):
        # the channel's code, not the poster's.
        self._platforms = frozenset(
            name.casefold()
            for name in (
                *settings.platform_namespaces,
                *(word for words in settings.channels.values() for word in words),
            )
        )
        self.channels = frozenset(settings.channels)
        self._labels = {channel: words[0] for channel, words in settings.channels.items() if words}

    def label(self, channel: str) -> str:
        """How people write the channel's name ("Shopify"), or "a channel" for Linnworks' own."""
        return self._labels.get(channel, "a channel")

    def named(self, text: str) -> Context:
        return self.named_in(words_of(text), text)

    def named_all(self, texts: Sequence[str]) -> list[Context]:
        """`named` of each of `texts` (a base's patterns, at load time). Their own code is found
        in one pass over them all, and texts naming the same share one `Context`: a call per
        text of each expression, and a `Context` made per text, were most of the cost."""
        contexts: dict[tuple[tuple[str, ...], tuple[str, ...]], Context] = {}
        named: list[Context] = []
        for text, own in zip(texts, self._own_code_all(texts), strict=True):
            key = (tuple(self._phrases.found(words_of(text))), own)
            context = contexts.get(key)
            if context is None:
                context = contexts[key] = self._context(*key)
            named.append(context)
        return named

    def named_in(self, words: Sequence[str], text: str = "") -> Context:
        """What `words` name; the `text` they are of shows the namespaces of someone's own code,
        which count as a system where Linnworks never runs ("Acme.Reporting.Api")."""
        return self._context(self._phrases.found(words), self.own_code(text))

    def _context(self, owners: Iterable[str], own: Sequence[str]) -> Context:
        channels: set[str] = set()
        others: list[str] = []
        outside: list[str] = list(own)
        linnworks = 0
        areas: set[str] = set()
        for owner in owners:
            kind, name = owner.split(":", 1)
            if kind == "channel":
                channels.add(name)
            elif kind == "linnworks":
                linnworks += 1
            elif kind == "area":
                areas.add(name)
            elif kind == "own":
                # Not in `others`: "our script" says whose code it is, not which system answered.
                if name not in outside:
                    outside.append(name)
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

    def own_code(self, text: str) -> tuple[str, ...]:
        """The namespaces of someone's own code in `text`, as the answer names them."""
        return self._own_code_all([text])[0] if "." in text else ()

    def _own_code_all(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """`own_code` of each of `texts`, each expression run once over them all joined by line
        breaks: no match crosses one, and one stands before a match as a text's start would."""
        joined = "\n".join(texts)
        starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
        namespaces: list[list[str]] = [[] for _ in texts]
        scripts: list[list[str]] = [[] for _ in texts]
        for m in _NAMESPACE.finditer(joined):
            if m[1].casefold() not in self._platforms:
                namespaces[bisect_right(starts, m.start()) - 1].append(f"{m[1]}.{m[2]}")
        for m in _SCRIPT_FILE.finditer(joined):
            scripts[bisect_right(starts, m.start()) - 1].append(m[0])
        return [
            tuple(dict.fromkeys(f"{name} ({OWN_CODE})" for name in (*names, *more)))
            for names, more in zip(namespaces, scripts, strict=True)
        ]


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


class ContextRules:
    """What the systems a paste names allow a pattern to score (`Context`)."""

    def __init__(self, systems: SystemNames, generic_cores: dict[str, tuple[str, ...]]) -> None:
        self.systems = systems
        self._generic_cores = generic_cores

    def context_rule(
        self, pattern: _Pattern, context: Context | None
    ) -> tuple[float, str | None, bool]:
        """(the most `pattern` may score, why, whether the text names its channel)."""
        if context is None:
            return 100.0, None, False
        channel = pattern.entry.channel
        if channel in self.systems.channels:
            own = pattern.names
            strangers = set(context.others) - set(own.others)
            if channel in context.channels or channel in context.nearby:
                if pattern.generic and strangers:
                    # "Zap 'New Shopify order' halted: 429 Too Many Requests": the text is any
                    # system's, and the paste names another one beside the channel.
                    name = self.systems.label(channel)
                    other = sorted(strangers)[0]
                    return (
                        HELD_BACK,
                        f"other systems show this text too and the paste names {other} "
                        f"as well as {name}",
                        False,
                    )
                # A code of the channel named beside it ("magento -> signature_invalid") is as
                # good as its message, however much chat follows; so is a message long enough to
                # be that channel's own ("ebay 10026 duration cannot be revised, something about
                # best offers?"), where a short one ("Invalid ID.") could be a piece of another.
                return (
                    100.0,
                    None,
                    pattern.generic or pattern.code is not None or _own_words(pattern),
                )
            if (context.channels - own.channels) or strangers:
                return 0.0, None, False  # Another system's text: never this channel's error.
            if not context.linnworks:
                # The channel's answer to someone's own code, not through Linnworks.
                held = self._outside(pattern, context)
                if held is not None:
                    return HELD_BACK, held, False
        elif not (context.channels or context.nearby or context.linnworks):
            # Linnworks' own texts are mostly .NET's and SQL Server's: next to a tool Linnworks
            # never runs in (SSMS, Power BI) they are most likely that tool's own error.
            held = self._outside(pattern, context)
            if held is not None:
                return HELD_BACK, held, False
        if pattern.generic and not context.channels and not context.nearby:
            name = self.systems.label(channel)
            return HELD_BACK, f"other systems show this text too and it does not name {name}", False
        return 100.0, None, False

    @staticmethod
    def _outside(pattern: _Pattern, context: Context) -> str | None:
        """Why a tool where Linnworks never runs, named on the line or next to it, holds
        `pattern` back, or None when there is none (or the pattern names it itself)."""
        outside = [name for name in context.outside if name not in pattern.names.others]
        if not outside:
            return None
        if NOT_LINNWORKS in outside:  # The poster's own word says most.
            return "the paste says it is not from Linnworks and names no channel"
        return (
            f"{outside[0]} shows this text too, and the paste names neither a channel nor Linnworks"
        )

    def part_limit(
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
            limit, why, _ = self.context_rule(replace(pattern, generic=True), context)
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


class Matcher:
    """Scores segments against one knowledge base's patterns, through its `PatternIndex` (built
    once at load time): `EvidenceScorer` for how well a segment shows a pattern, `ContextRules`
    for what the paste's context allows it to score."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Linnworks' own areas that an entry's channel names ("import", "shipping"); "general"
        # is no word people use for where an error came from.
        areas = {e.channel for e in kb} - set(kb.settings.channels) - {"general"}
        self.systems = SystemNames(kb.settings, sorted(areas))
        self._index = index = PatternIndex(kb, self.systems.named_all)
        self._patterns, self._canon = index.patterns, index.canon
        self._rules = ContextRules(self.systems, index.generic_cores)
        self._evidence = EvidenceScorer(index.idf)

    def rank(
        self, segment: Segment, limit: int = 3, context: Context | None = None
    ) -> list[Candidate]:
        """The best `limit` entries for one segment, best first, one candidate per entry."""
        return self.rank_all((segment,), context)[:limit]

    def rank_all(
        self, segments: Sequence[Segment], context: Context | None = None, floor: float = 0.0
    ) -> list[Candidate]:
        """Each entry's best candidate over all `segments` (the pieces of one record), best
        first; at equal scores a whole match ranks before a fragment of a longer pattern.

        `context` is what the text around them names; without it, patterns are scored on their
        words alone (as lint compares them). The pieces of a record share most of their words,
        so one shortlist serves them all. Candidates that would be shown below `floor` may be left
        out: what the context allows only ever lowers a score, so a pattern that scores below it
        needs no more work.
        """
        codes = frozenset().union(*(_code_tokens(s.plain) for s in segments))
        records = memory_of(_RECORDS, self, _Records)
        key = (context, floor, codes, *(_scored_key(s) for s in segments))
        known = records.get(key, segments)
        if known is not None:
            return known
        ranked, read_plain = self._ranked(segments, context, floor, codes)
        records.put(key, segments, ranked, read_plain)
        return ranked

    def _ranked(
        self,
        segments: Sequence[Segment],
        context: Context | None,
        floor: float,
        codes: frozenset[str],
    ) -> tuple[list[Candidate], bool]:
        """`rank_all`'s candidates, and whether a code pattern was scored (on the unmasked
        text, which the canonical form does not show)."""
        shortlist, seg_tokens, seg_numbers = self._plan(segments, codes)
        memory = memory_of(_SCORED, self, _Scores)
        scored = [memory.of(s) for s in segments]
        best: dict[str, Candidate] = {}
        read_plain = False
        below = floor - _SHOWN_PRECISION  # Shown (rounded) below the floor.
        how: Evidence | None
        for index in shortlist:
            pattern = self._patterns[index]
            cap, reason, named = self._rules.context_rule(pattern, context)
            if cap <= 0:
                continue
            entry = pattern.entry
            for segment, toks, numbers, known in zip(
                segments, seg_tokens, seg_numbers, scored, strict=True
            ):
                if pattern.code is not None:
                    # A code is looked for in the unmasked text, which the memory is not keyed by.
                    read_plain = True
                    score, how = self._evidence.score(pattern, segment, toks, numbers, named)
                elif toks.isdisjoint(pattern.tokens):
                    continue  # Nothing in common with this piece: it cannot score.
                else:
                    found = known.get((index, named))
                    if found is None or (found[1] is None and found[0] > below):
                        found = self._evidence.score(pattern, segment, toks, numbers, named, below)
                        # Under `below`, the score is only a bound: remembered as that.
                        known[index, named] = found if found[0] >= below else (below, None)
                    score, how = found
                if how is None or score < below:
                    continue  # Shown below the floor, however the context caps it.
                limit, why = self._rules.part_limit(pattern, segment, how, context, cap, reason)
                held_back = why if score > limit else None
                score = min(score, limit)
                if score <= 0:
                    continue
                shown = round(score, 1)
                current = best.get(entry.id)
                if current is None or (
                    (-shown, how == "fragment", -len(pattern.text)) < _order(current)[:3]
                ):
                    best[entry.id] = Candidate(entry, shown, pattern.text, segment, how, held_back)
        return sorted(best.values(), key=_order), read_plain

    def _plan(self, segments: Sequence[Segment], codes: frozenset[str]) -> _Plan:
        """What ranking a record reads before the context: the patterns its words shortlist,
        and each segment's words and numbers. Remembered by the segments' canonical forms: a
        log line comes back in other contexts (in bench/slope.py's pastes, four records in ten
        were ranked again only for being in another context)."""
        plans = memory_of(_PLANS, self, dict)
        key = (codes, *(s.canon for s in segments))
        plan = plans.get(key)
        if plan is None:
            # Frozen once here: the near spellings of a pattern's words are remembered by the
            # set of words they were looked for among, whose hash a frozenset works out once.
            seg_tokens = tuple(frozenset(tokens(s.canon)) for s in segments)
            seg_numbers = tuple(frozenset(_SIGNIFICANT_NUMBER.findall(s.canon)) for s in segments)
            words = set().union(*seg_tokens)
            plan = (self._index.shortlist(words | codes), seg_tokens, seg_numbers)
            remember(plans, key, plan, _MAX_RECORDS)
        return plan

    def explains(self, winner: Candidate, other: Candidate) -> bool:
        """True when `winner`'s pattern contains `other`'s: the longer known error explains both."""
        outer, inner = self._canon[winner.pattern], self._canon[other.pattern]
        return len(inner) < len(outer) and fuzz.partial_ratio(inner, outer) >= 90


class _Scores:
    """How well each segment already scored showed each pattern, by the segment's canonical form:
    a log line comes back with other numbers and accounts, which are masked, in paste after paste
    and within one (in bench/slope.py's pastes, nearly three scorings in five had been done
    before). Only what `EvidenceScorer.score` reads is in the key; a code is looked for in the
    unmasked text, so codes are not remembered."""

    def __init__(self) -> None:
        self._by_segment: dict[tuple[str, str, bool, bool], dict[tuple[int, bool], Scored]] = {}

    def of(self, segment: Segment) -> dict[tuple[int, bool], Scored]:
        """The scores known for `segment`, by (pattern index, whether its channel is named)."""
        key = _scored_key(segment)
        known = self._by_segment.get(key)
        if known is None:
            known = remember(self._by_segment, key, {}, _MAX_SCORED_SEGMENTS)
        return known


def _scored_key(segment: Segment) -> tuple[str, str, bool, bool]:
    """What scoring a pattern without a code reads of a segment (and what the context's limits
    on a part of a pattern read): not its unmasked or displayed text."""
    return (segment.canon, segment.core, segment.may_be_cut, segment.quoted)


class _Records:
    """Each record's candidates, by what ranking reads of it: its segments' canonical forms, the
    codes in their unmasked text, the context and the floor. Log lines come back with other
    numbers and accounts (in bench/slope.py's pastes, 7,271 different keys for 10,141 records,
    against 9,098 different records). A record whose shortlist held a code pattern was also
    scored on its unmasked text, so it is remembered by that text too. The candidates come back
    bound to the asking record's own segments, which are shown."""

    def __init__(self) -> None:
        self._ranked: dict[tuple[object, ...], list[tuple[Candidate, int]]] = {}

    def get(self, key: tuple[object, ...], segments: Sequence[Segment]) -> list[Candidate] | None:
        # One look-up each (another thread may empty the memory between two).
        known = self._ranked.get(key)
        if known is _BY_UNMASKED_TEXT:
            known = self._ranked.get((*key, *(s.plain for s in segments)))
        if known is None:
            return None
        return [
            candidate
            if candidate.segment is segments[at]
            else replace(candidate, segment=segments[at])
            for candidate, at in known
        ]

    def put(
        self,
        key: tuple[object, ...],
        segments: Sequence[Segment],
        ranked: list[Candidate],
        read_plain: bool,
    ) -> None:
        if len(self._ranked) >= _MAX_RECORDS:
            self._ranked.clear()
        if read_plain:
            self._ranked[key] = _BY_UNMASKED_TEXT
            key = (*key, *(s.plain for s in segments))
        at = {id(segment): index for index, segment in enumerate(segments)}
        self._ranked[key] = [(c, at[id(c.segment)]) for c in ranked]


# Stands in `_Records` for a record scored on its unmasked text too (compared by identity).
_BY_UNMASKED_TEXT: list[tuple[Candidate, int]] = []

# A score, or (b, None): some score under b, not worked out (`EvidenceScorer.score`'s `below`).
Scored = tuple[float, Evidence | None]
# About ten scores each, some 2 KB a segment with its key: about 30 MB at most. 3,000 pastes of
# bench/slope.py hold 6,402 segments; at 4,096 the memory was emptied before a line came back,
# and 40 % more scorings were done.
_MAX_SCORED_SEGMENTS = 16_384
# Forgotten with its knowledge base, and never pickled into the load cache with the matcher.
_SCORED: WeakKeyDictionary[Matcher, _Scores] = WeakKeyDictionary()
_MAX_RECORDS = 16_384  # A few candidates each: a few MB.
_RECORDS: WeakKeyDictionary[Matcher, _Records] = WeakKeyDictionary()
# A record's shortlist and its segments' words and numbers (`Matcher._plan`).
_Plan = tuple[list[int], tuple[frozenset[str], ...], tuple[frozenset[str], ...]]
_PLANS: WeakKeyDictionary[Matcher, dict[tuple[object, ...], _Plan]] = WeakKeyDictionary()


# A score is shown to one decimal: 54.96 is shown as 55.0, so the floor is only applied to scores
# that cannot round up to it.
_SHOWN_PRECISION = 0.1


def _order(candidate: Candidate) -> tuple[float, bool, int, str]:
    return (
        -candidate.score,
        candidate.how == "fragment",
        -len(candidate.pattern),
        candidate.entry.id,
    )


def _own_words(pattern: _Pattern) -> bool:
    """Whether a message is long enough to stand for its channel's error in chat about it."""
    return len(pattern.core) >= _CHANNEL_MESSAGE_CHARS


def _code_tokens(plain: str) -> set[str]:
    return set(_CODE_TOKEN.findall(plain))
