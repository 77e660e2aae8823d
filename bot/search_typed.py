"""From typed words to the search index's terms: a word the index has is itself, a word it
has not is widened to the index words it starts (partial words) or is one or two typos away from
(rapidfuzz over the vocabulary), a long word also stands for the index words it starts with, a
negated word for the word ("invalid": "valid"), a word for its synonyms, and two typed words the
index has as one ("woo commerce") are joined. Each alternative carries how sure it is."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.memory import remember
from bot.search_terms import ALPHA, SYNONYM_OF, fold, keep, text_words

_PREFIX_WEIGHT = 0.85  # "auth" for "authorization": probably meant, less sure than typed in full.
_TYPO_WEIGHT = (1.0, 0.85, 0.7)  # By number of edits.
_SHORTENED_WEIGHT = 0.8
_SYNONYM_WEIGHT = 0.8
_NEGATIONS = ("non", "un", "in", "dis")
_LONG_WORD, _MIN_SHORTENED = 8, 4
_MAX_EXPANSIONS = 8
_MIN_PREFIX = 3
_MAX_QUERY_WORDS = 40


@dataclass(frozen=True)
class Alternative:
    term: str
    weight: float
    synonym: bool = False
    """Another word for what was typed, rather than the word itself (typed in full, in part or
    with a typo)."""


@dataclass(frozen=True)
class Group:
    """One typed word (or two joined) and the index terms it may stand for."""

    word: str
    alternatives: tuple[Alternative, ...]
    idf: float


MAX_REMEMBERED = 20_000  # Typed words' groups, and a search index's answers.


def _joined(words: list[str], i: int, df: Mapping[str, int], channel_terms: frozenset[str]) -> int:
    """How many typed words from the i-th the index has as one word: a channel's name ("app
    store channel", "seller central"), or two words the index has only together ("woo
    commerce", "big commerce"; "token revoked" stays two)."""
    for n in (3, 2):
        term = fold("".join(words[i : i + n]))
        if i + n <= len(words) and term in channel_terms and term in df:
            return n
    if i + 1 < len(words):
        word, following = words[i], words[i + 1]
        if fold(word + following) in df and not (fold(word) in df and fold(following) in df):
            return 2
    return 1


def _negated(word: str, surface: frozenset[str]) -> list[Alternative]:
    """A negated word stands for the base's "not" and the word: "invalid" for "not valid",
    "unable" for "not able"."""
    for prefix in _NEGATIONS:
        rest = word.removeprefix(prefix)
        if rest != word and len(rest) >= _MIN_SHORTENED and rest in surface:
            return [Alternative(fold(rest), _SHORTENED_WEIGHT)]
    return []


class TypedWords:
    """The index's vocabulary as typed words meet it: its terms and how many entries hold each,
    its channel names, and its surface words (unstemmed) for typos and prefixes."""

    def __init__(
        self,
        document_frequency: Mapping[str, int],
        channel_terms: frozenset[str],
        count: int,
        surface_words: Iterable[str],
        stopwords: frozenset[str],
    ) -> None:
        self._df = document_frequency
        self._channel_terms = channel_terms
        self._count = count
        self._stopwords = stopwords
        self._keep_surface(sorted(w for w in surface_words if fold(w) in document_frequency))

    def _keep_surface(self, surface: list[str]) -> None:
        self._surface = surface
        self._surface_set = frozenset(surface)
        self._by_length: dict[int, list[str]] = {}
        for word in surface:
            self._by_length.setdefault(len(word), []).append(word)
        self.forget()

    def forget(self) -> None:
        """Forget the words typed so far."""
        # Typed words seen before: the same words come back paste after paste (five in six in
        # bench/slope.py's pastes).
        self._typed_groups: dict[str, Group] = {}

    # Kept in the load cache as a few strings and an array rather than tens of thousands of
    # objects, which are quicker to unpickle rebuilt than read (terms and words never hold a
    # line break: they are cut from text at every space).
    def __getstate__(self) -> dict[str, object]:
        return {
            "terms": "\n".join(self._df),
            "frequencies": np.fromiter(self._df.values(), np.int32, len(self._df)),
            "surface": "\n".join(self._surface),
            "channel_terms": self._channel_terms,
            "count": self._count,
            "stopwords": self._stopwords,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        terms = state["terms"].split("\n") if state["terms"] else []
        self._df = dict(zip(terms, state["frequencies"].tolist(), strict=True))
        self._channel_terms = state["channel_terms"]
        self._count = state["count"]
        self._stopwords = state["stopwords"]
        self._keep_surface(state["surface"].split("\n") if state["surface"] else [])

    @property
    def df(self) -> Mapping[str, int]:  # How many entries hold each term.
        return self._df

    def knows(self, term: str) -> bool:
        return term in self._df

    def groups(self, text: str) -> list[Group]:
        words = [w for token in text_words(text) for w in self._typed(token)]
        words = [w for w in words if keep(w, self._stopwords)][:_MAX_QUERY_WORDS]
        groups: list[Group] = []
        seen: set[str] = set()
        i = 0
        while i < len(words):
            joined = _joined(words, i, self._df, self._channel_terms)
            word, i = "".join(words[i : i + joined]), i + joined
            if word in seen:
                continue
            seen.add(word)
            group = self._typed_groups.get(word)
            if group is None:
                group = self._group(word)
                remember(self._typed_groups, word, group, MAX_REMEMBERED)
            groups.append(group)
        return groups

    def _typed(self, token: tuple[str, ...]) -> tuple[str, ...]:
        """A typed token's words: a code typed whole ("QuotaExceeded", "e-bay") is looked up
        whole when the index has it whole, else word by word."""
        if len(token) > 1 and fold(token[0]) in self._df:
            return token[:1]
        return token[1:] if len(token) > 1 else token

    def _group(self, word: str) -> Group:
        term = fold(word)
        if term in self._df:
            alternatives = [Alternative(term, 1.0), *self._shortened(word, term)]
        elif word.isdigit() or not ALPHA.match(word):
            alternatives = []  # A code or number is right or a different code.
        else:
            alternatives = self._widen(word) + self._shortened(word, term)
        alternatives += [
            Alternative(other, _SYNONYM_WEIGHT, synonym=True)
            for other in sorted(SYNONYM_OF.get(term, ()))
            if other in self._df
        ]
        # A word weighs as rare as what was typed is, not as its rarest synonym ("time" is
        # not as rare as "timeout"). An unknown word weighs as much as the rarest known one:
        # it is what the person means, and the base does not have it.
        frequencies = [self._df[a.term] for a in alternatives if not a.synonym] or [
            self._df[a.term] for a in alternatives
        ]
        df = min(frequencies) if frequencies else 0
        if any(a.term in self._channel_terms for a in alternatives):
            df = 1  # A channel named is what the person means, however many entries it has.
        idf = math.log(1 + self._count / (max(df, 1) + 0.5))
        return Group(word, tuple(alternatives), idf)

    def _shortened(self, word: str, term: str) -> list[Alternative]:
        """Index words that are the start of a long typed word: the base's "sync" for a typed
        "synchronisation"."""
        if len(word) < _LONG_WORD:
            return _negated(word, self._surface_set)
        found = {
            fold(word[:end])
            for end in range(_MIN_SHORTENED, len(word) - 2)
            if word[:end] in self._surface_set
        }
        shortened = [Alternative(t, _SHORTENED_WEIGHT) for t in sorted(found - {term})]
        return shortened + _negated(word, self._surface_set)

    def _widen(self, word: str) -> list[Alternative]:
        """The index words a word not in the index may stand for: those it starts, and those
        one or two typos away (rapidfuzz's optimal string alignment distance)."""
        weights: dict[str, float] = {}
        if len(word) >= _MIN_PREFIX:
            start = bisect.bisect_left(self._surface, word)
            for candidate in self._surface[start : start + _MAX_EXPANSIONS]:
                if not candidate.startswith(word):
                    break
                term = fold(candidate)
                weights[term] = max(weights.get(term, 0.0), _PREFIX_WEIGHT)
        # Two typos only in a longer word: "collect" (not in the base) is two from "connect".
        edits = 0 if len(word) < 4 else 1 if len(word) < 8 else 2
        if edits:
            pool = [
                w
                for length in range(len(word) - edits, len(word) + edits + 1)
                for w in self._by_length.get(length, ())
            ]
            for candidate, distance, _ in process.extract(
                word, pool, scorer=OSA.distance, score_cutoff=edits, limit=_MAX_EXPANSIONS
            ):
                term = fold(candidate)
                weights[term] = max(weights.get(term, 0.0), _TYPO_WEIGHT[int(distance)])
        return [Alternative(t, w) for t, w in weights.items()]
