"""What an entry's own texts say about a lookup, once the index has found candidates for it
(bot/search.py): how much of the entry's title the typed words are, and whether words found only
in its error text are that text or just a few of its words.

Both are worked out for the few candidates that could be shown, from the entry's texts, so the
index stays as it is built and a lookup costs the same at any size of base.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge import Entry
from bot.search_terms import fold, raw_tokens, text_words, token_terms, token_words
from bot.search_typed import Group

RELATIVE_FLOOR = 0.75
"""Results scoring below this share of the best one are left out: they are not what was meant."""
TITLE_SHARE = 0.15
"""What a title typed in full adds to a score (0-1)."""
ERROR_TEXT_SHARE = 0.5
"""The least share of one of its error texts the words must be, for an entry none of whose title
or id words was typed (a channel's name alone does not say which error): "how do I add a new
user" is three words of "Unable to add new user as account name already exists", but that error
is about an account name."""


def typed_terms(text: str, groups: Iterable[Group]) -> dict[str, float]:
    """Every term the typed words may stand for, with how sure it is: each typed word as it is,
    stop words included ("may not do that"), and each word's alternatives (typos, synonyms)."""
    terms: dict[str, float] = {}
    for group in groups:
        for alternative in group.alternatives:
            terms[alternative.term] = max(terms.get(alternative.term, 0.0), alternative.weight)
    for token in text_words(text):
        for word in _pieces(token):
            terms.setdefault(fold(word), 1.0)
    return terms


@lru_cache(maxsize=50_000)
def _words(text: str) -> frozenset[str]:
    """A text's terms, stop words included; an identifier's pieces, not the whole of it."""
    return frozenset(fold(w) for raw in raw_tokens(text) for w in _pieces(token_words(raw)))


@lru_cache(maxsize=50_000)
def _terms(text: str) -> frozenset[str]:
    return frozenset(t for raw in raw_tokens(text) for t in token_terms(raw))


def _pieces(words: tuple[str, ...]) -> tuple[str, ...]:
    return words[1:] or words


def title_share(entry: Entry, terms: Mapping[str, float]) -> float:
    """How much of the entry's title the typed words are: 1.0 when its title was typed (a typo
    counting a little less), so that of two entries the words fit equally, the one whose title
    they are comes first ("WooCommerce user may not do that" against "... may not create
    records")."""
    words = _words(entry.title)
    return sum(terms.get(w, 0.0) for w in words) / len(words) if words else 0.0


def error_text_share(
    entry: Entry, terms: Mapping[str, float], df: Mapping[str, int], count: int
) -> float:
    """The largest share of one of the entry's error texts the typed words cover, each word of
    the text weighed by how rare it is in the base."""
    best = 0.0
    for pattern in entry.patterns:
        weights = {t: math.log(1 + count / (df.get(t, 0) + 0.5)) for t in _terms(pattern)}
        whole = sum(weights.values())
        if whole:
            best = max(best, sum(terms.get(t, 0.0) * w for t, w in weights.items()) / whole)
    return best


@dataclass(frozen=True)
class Found:
    """A candidate as the index ranked it: its score so far (0-1), and whether it was found only
    by its error text, tags or meaning (none of its title or id was typed)."""

    entry: Entry
    score: float
    by_text_only: bool
    fields: int
    """Which fields the words were found in, for the caller."""


def rerank(
    found: Iterable[Found],
    terms: Mapping[str, float],
    df: Mapping[str, int],
    count: int,
    limit: int,
) -> list[tuple[float, Found]]:
    """The candidates that stand, best first, with their scores (0-1): at most `limit`, none
    below `RELATIVE_FLOOR` of the best. `found` comes best first by its own scores."""
    ranked: list[tuple[float, int, Found]] = []
    for position, candidate in enumerate(found):
        # The title adds at most TITLE_SHARE: once that cannot lift a candidate among the best
        # `limit`, nor above the floor, none after it can either.
        reach = candidate.score + TITLE_SHARE
        if len(ranked) >= limit and reach < ranked[limit - 1][0]:
            break
        if ranked and reach < RELATIVE_FLOOR * ranked[0][0]:
            break
        if candidate.by_text_only and (
            error_text_share(candidate.entry, terms, df, count) < ERROR_TEXT_SHARE
        ):
            continue
        score = candidate.score + TITLE_SHARE * title_share(candidate.entry, terms)
        bisect.insort(ranked, (score, position, candidate), key=lambda t: (-t[0], t[1]))
    best = ranked[0][0] if ranked else 0.0
    return [(score, c) for score, _, c in ranked[:limit] if score >= RELATIVE_FLOOR * best]
