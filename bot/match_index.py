"""The matcher's index over a knowledge base's patterns, built once at load time: each pattern
folded and worked out once (`Pattern`), each word's IDF over the patterns, and each word's
postings, so that a paste's shortlist (the patterns worth scoring) costs what its rarer words'
postings cost, not the size of the base. Scoring the shortlist is bot/match.py's job."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from bot.collector import collector_paused
from bot.knowledge import Entry, KnowledgeBase
from bot.normalise import canonical, strip_prefixes

if TYPE_CHECKING:  # A pattern keeps the systems its text names, as bot.match's `Context`.
    from bot.match import Context

_CANDIDATES_SCORED = 20
_POSTINGS_BUDGET = 1_500
_MIN_SHARED = 0.3  # Of the smaller side's word weight, for a pattern to be scored at all.
_TOKEN = re.compile(r"[a-z0-9_%]+(?:[.][a-z0-9_]+)*")
SIGNIFICANT_NUMBER = re.compile(r"(?<![\w.#])[1-9]\d{2}(?![\w.])")
# Most patterns hold no such digit once masked, and a search for one is far quicker than findall.
_NONZERO_DIGIT = re.compile(r"[1-9]")
# Identifiers such as token_rejected, UNAUTHORIZED.GMP_GATEWAY_API or QuotaExceeded are codes:
# found whole or not at all, since a fuzzy code is a different code.
_CODE_LIKE = re.compile(r"^[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+$|^[A-Za-z]*[a-z][A-Z][A-Za-z]*$")
_STOPWORDS = frozenset(
    (
        "the and for with this that was are you your has have not but from its can may our "
        "their been will into out all any per"
    ).split()
)


@lru_cache(maxsize=8192)
def code_at(code: str) -> re.Pattern[str]:
    """Where a code stands as a whole word. Compiled when a paste first needs it, not for every
    code at start-up: most of a large base's codes are never looked for, and a compiled
    expression is compiled again when the load cache is read back."""
    return re.compile(rf"(?<![\w.]){re.escape(code)}(?![\w])")


@dataclass(frozen=True)
class Pattern:
    """One pattern of an entry, with what scoring it needs worked out once."""

    entry: Entry
    text: str
    canon: str
    core: str
    code: str | None
    # For a code: whether it is specific (three or more joined words) wherever it appears.
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


def _wildcards(core: str) -> tuple[tuple[str, str], ...]:
    """For each placeholder of a pattern, the words before and after it ("" at an end)."""
    words = core.split(" ")
    return tuple(
        (words[i - 1] if i > 0 else "", words[i + 1] if i + 1 < len(words) else "")
        for i, word in enumerate(words)
        if word == "#n" and len(words) > 1
    )


class PatternIndex:
    """The patterns of one knowledge base, their words' IDF, and each word's postings."""

    @collector_paused()  # Nothing it makes is garbage (bot/collector.py).
    def __init__(
        self, kb: KnowledgeBase, names_of: Callable[[Sequence[str]], list[Context]]
    ) -> None:
        raw: list[tuple[Entry, str, str, str, set[str]]] = []
        for entry in kb:
            for text in entry.patterns:
                canon = canonical(text)
                core = strip_prefixes(canon)
                raw.append((entry, text, canon, core, tokens(core) or tokens(canon)))
        names = names_of([text for _, text, *_ in raw])
        document_frequency: dict[str, int] = defaultdict(int)
        for *_, toks in raw:
            for token in toks:
                document_frequency[token] += 1
        count = max(len(raw), 1)
        self.idf = {t: math.log(1 + count / df) for t, df in document_frequency.items()}
        self.patterns: list[Pattern] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for index, (entry, text, canon, core, toks) in enumerate(raw):
            code = text.strip().casefold() if _CODE_LIKE.match(text.strip()) else None
            self.patterns.append(
                Pattern(
                    entry=entry,
                    text=text,
                    canon=canon,
                    core=core,
                    code=code,
                    specific=code is not None and len(re.split(r"[._]", code)) >= 3,
                    numbers=frozenset(
                        SIGNIFICANT_NUMBER.findall(canon) if _NONZERO_DIGIT.search(canon) else ()
                    ),
                    tokens=frozenset(toks),
                    weight=sum(self.idf[t] for t in toks) or 1.0,
                    generic=text in entry.generic_patterns,
                    wildcards=_wildcards(core),
                    names=names[index],
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
        self._weights = np.array([p.weight for p in self.patterns], dtype=np.float64)
        self.canon = {p.text: p.canon for p in self.patterns}
        self.generic_cores: dict[str, tuple[str, ...]] = defaultdict(tuple)
        for p in self.patterns:
            if p.generic:
                self.generic_cores[p.entry.id] += (p.core,)

    def shortlist(self, words: set[str]) -> list[int]:
        """The patterns worth scoring: those sharing enough of their rarer words with the text.

        Words are taken rarest first; once something is found, a word whose postings would take
        the total past the budget is skipped, since common words only confirm what rarer ones
        already found. Ties are broken by closeness in size, so a short text prefers the short
        pattern it equals to the long patterns that merely contain it.
        """
        ordered = sorted((w for w in words if w in self._spans), key=self._document_count)
        text_weight = sum(self.idf[w] for w in ordered) or 1.0
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
        idfs = np.repeat([self.idf[w] for w in chosen], sizes)
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
