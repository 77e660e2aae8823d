"""Looking errors up by the words people remember: "feed rejected", "ebay token expird",
"what does error 931 mean?".

Matching (bot/match.py) compares a paste with an error's full text; a lookup is a few words, so
it is ranked like a search engine does instead: BM25 over each field of an entry (id, title, the
error texts, error codes, tags, channel, meaning), computed by `bm25s`, a maintained library that
precomputes every word's score per entry in sparse arrays, so a lookup only sums a few slices.
What people type is brought to the index's words first: spelling folded as the matcher folds it
(authorisation/authorization, despatch/dispatch), words stemmed (feeds, throttling), a word that is
not in the index widened to the index words it starts (partial words) or is one or two typos away
from (rapidfuzz over the vocabulary), and two typed words that the index has as one ("woo
commerce") joined.

BM25 only orders; it does not say whether anything fits. An entry is offered only when it covers
most of what was typed (each word weighed by how rare it is in the base, and by where it was
found: a title counts more than a word in the meaning), so words the base does not know
("etsy", "printer") make a lookup find nothing rather than something.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TypeVar

import numpy as np
import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge import Entry, KnowledgeBase
from bot.normalise import canonical, clean_unicode, strip_slack_markup

DEFAULT_LIMIT = 5
MIN_COVERAGE = 0.55
"""The least share of what was typed an entry must cover to be offered at all."""
RELATIVE_FLOOR = 0.75
"""Results scoring below this share of the best one are left out: they are not what was meant."""


@dataclass(frozen=True)
class Field:
    name: str
    weight: float
    """How much a word found here adds to the BM25 ranking."""
    strength: float
    """How much a word found here counts as covered (a title is better evidence than a meaning)."""


FIELDS = (
    Field("id", 1.0, 1.0),
    Field("title", 3.0, 1.0),
    Field("error_text", 2.0, 1.0),
    Field("code", 3.0, 1.0),
    Field("tags", 1.0, 0.9),
    Field("channel", 1.0, 1.0),
    Field("meaning", 1.0, 0.7),
)
_FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}

_PREFIX_WEIGHT = 0.85  # "auth" for "authorization": probably meant, less sure than typed in full.
_TYPO_WEIGHT = (1.0, 0.85, 0.7)  # By number of edits.
_SHORTENED_WEIGHT = 0.8
_SYNONYM_WEIGHT = 0.8
_NEGATIONS = ("non", "un", "in", "dis")
_LONG_WORD, _MIN_SHORTENED = 8, 4
_MAX_EXPANSIONS = 8
_MIN_PREFIX = 3
_MAX_QUERY_WORDS = 40

_RAW_TOKEN = re.compile(r"[^\W_]+(?:[._-][^\W_]+)*")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_PIECE_SEPARATOR = re.compile(r"[._-]")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ALPHA = re.compile(r"^[a-z]+$")
# Identifiers: joined by dots or underscores, or camelCase with two humps ("QuotaExceeded";
# not "eBay").
_CODE_SHAPE = re.compile(
    r"^[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+$|^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$|^[a-z]+(?:[A-Z][a-z0-9]*){2,}$"
)

# Words that carry no meaning in a lookup: English grammar (bm25s's list, less the words that
# name an error: "not found", "below standard", "too many"), contractions typed without their
# apostrophe, how people ask ("what does ... mean?", "how do I fix ...", "thanks, that fixed it"),
# and words every entry of an error catalogue shares.
_NAMING_WORDS = {"below", "above", "down", "off", "same", "too", "under", "up"}
_OWN_STOPWORDS = {
    *"""
    cant cannot dont doesnt didnt isnt arent wasnt werent wont wouldnt couldnt shouldnt havent
    hasnt hadnt im ive id youre theyre thats whats its
    a an the is are was were be been do does did can could should would will shall may might
    must it this that these those i we our us you your they their them my me
    what why how when where which who whom whose mean means meaning meant explain explains
    tell know knows anyone anybody someone please help thanks thank hi hello hey keep keeps
    kept getting get gets got seeing see saw seen saying says said say show shows showing
    just still again also any anything some all very really now today yesterday always
    sometimes every each after before since while need needs wrong going go goes went thing
    things something lot lots happen happens happening happened
    error errors issue issues problem problems message messages
    fix fixes fixed fixing solve solves solved
    """.split(),
}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    # bm25s is imported only to build an index: an index read back from the load cache keeps
    # its stop words and postings, so a lookup does not import it (a tenth of a restart).
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) - _NAMING_WORDS | _OWN_STOPWORDS


# Words people use for the same thing as the base's words. A typed word also stands for the
# others of its set, with less weight than the word itself.
_SYNONYMS = (
    "image images picture pictures photo photos pic pics img imgs",
    "quantity quantities qty",
    "negative minus",
    "inventory stock",
    "rejected refused bounced declined",
    "denied forbidden blocked",
    "success successful succeeded ok okay worked",
    "permission permissions scope scopes access rights",
    "expired lapsed expiry",
    "limit cap quota maximum max",
    "duplicate duplicated duplicates identical repeated",
    "catalogue catalog",
    "notify notification notified",
    "policy restricted prohibited banned",
    "performance metrics",
    "corrupt corrupted broken malformed",
    "missing lacks lacking",
    "canada ca",
    "timeout timed",
    "throttled throttling ratelimited",
)


@dataclass(frozen=True)
class Hit:
    """One entry that fits a lookup: its score (0-100) and the fields the words were found in."""

    entry: Entry
    score: float
    fields: tuple[str, ...]


@dataclass(frozen=True)
class _Alternative:
    term: str
    weight: float


@dataclass(frozen=True)
class _Group:
    """One typed word (or two joined) and the index terms it may stand for."""

    word: str
    alternatives: tuple[_Alternative, ...]
    idf: float


_stemmer = Stemmer.Stemmer("english")


_FOLDED: dict[str, str] = {}
"""Word -> term, shared by every index and lookup of the process."""
_MAX_FOLDED = 500_000


def _fold(word: str) -> str:
    """A lowercase word in the matcher's spelling (authorization, dispatch), then stemmed."""
    term = _FOLDED.get(word)
    if term is None:
        _fold_all({word})
        term = _FOLDED[word]
    return term


def _fold_all(words: set[str]) -> None:
    """Fold many words at once. The matcher's folding (`canonical`) is a chain of regular
    expressions: called once per word, it took longer than the rest of building an index."""
    if len(_FOLDED) > _MAX_FOLDED:
        _FOLDED.clear()
    alpha = [w for w in words if w not in _FOLDED and _ALPHA.match(w)]
    folded = canonical(" ".join(alpha)).split() if alpha else []
    if len(folded) != len(alpha):  # A mask took a word ("xxx"): fold them one by one.
        folded = [canonical(w) for w in alpha]
    spelled = [f if _ALPHA.match(f) else w for w, f in zip(alpha, folded, strict=True)]
    _FOLDED.update(zip(alpha, _stemmer.stemWords(spelled), strict=True))
    _FOLDED.update((w, w) for w in words if w not in _FOLDED)


def _synonym_map() -> dict[str, frozenset[str]]:
    mapping: dict[str, set[str]] = {}
    for line in _SYNONYMS:
        terms = {_fold(word) for word in line.split()}
        for term in terms:
            mapping.setdefault(term, set()).update(terms - {term})
    return {term: frozenset(others) for term, others in mapping.items()}


def _pieces(raw: str) -> list[str]:
    """A raw token's words: split at dots, underscores, hyphens and camelCase humps."""
    words: list[str] = []
    for piece in _PIECE_SEPARATOR.split(raw):
        words.extend(_CAMEL.findall(piece) or [piece])
    return [w.lower() for w in words]


@lru_cache(maxsize=200_000)
def _token_words(raw: str) -> tuple[str, ...]:
    """A raw token's lowercase words; the first is the whole token when it has several
    ("SubmitInventoryChange": submitinventorychange, submit, inventory, change)."""
    words = _pieces(raw)
    return ("".join(words), *words) if len(words) > 1 else tuple(words)


def _words(text: str) -> list[tuple[str, ...]]:
    """Each raw token's words, in order."""
    return [_token_words(raw) for raw in _RAW_TOKEN.findall(clean_unicode(text))]


def _keep(word: str, stopwords: frozenset[str]) -> bool:
    if word.isdigit():
        return True
    return len(word) >= 2 and word not in stopwords


@lru_cache(maxsize=200_000)
def _token_terms(raw: str) -> tuple[str, ...]:
    # A base of 10,000 entries has a million raw tokens but only tens of thousands distinct.
    stopwords = _stopwords()
    return tuple(_fold(w) for w in _token_words(raw) if _keep(w, stopwords))


@lru_cache(maxsize=200_000)
def _token_codes(raw: str) -> tuple[str, ...]:
    if not _CODE_SHAPE.match(raw):
        return ()
    parts = [p for p in raw.split(".") if p]
    return tuple(_fold("".join(_pieces(p))) for p in [raw, *parts])


def _raw_tokens(text: str) -> list[str]:
    # Nearly all of a base is ASCII, which has nothing to fold; NFKC over every text of a large
    # base costs as much as the rest of the tokenising.
    if text.isascii():
        return _ASCII_TOKEN.findall(text)  # The same tokens, several times faster.
    return _RAW_TOKEN.findall(clean_unicode(text))


@dataclass(frozen=True)
class _Texts:
    """One entry's texts as raw tokens, each text tokenised once for everything built from it."""

    id: list[str]
    title: list[str]
    patterns: list[str]
    meaning: list[str]
    article: list[str]
    tags: list[list[str]]
    channel: list[str]

    @classmethod
    def of(cls, entry: Entry, channel_names: Sequence[str]) -> _Texts:
        return cls(
            id=_raw_tokens(entry.id),
            title=_raw_tokens(entry.title),
            patterns=[raw for p in entry.patterns for raw in _raw_tokens(p)],
            meaning=_raw_tokens(entry.meaning),
            article=_raw_tokens(entry.article.title) if entry.article else [],
            tags=[_raw_tokens(tag) for tag in entry.tags],
            channel=_raw_tokens(" ".join([entry.channel, *channel_names])),
        )

    def raws(self) -> Iterable[str]:
        yield from self.id
        yield from self.title
        yield from self.patterns
        yield from self.meaning
        yield from self.article
        for tag in self.tags:
            yield from tag
        yield from self.channel

    def field_raws(self) -> list[list[str]]:
        """The raw tokens each field's terms come from, in the order of `FIELDS`."""
        return [
            self.id,
            self.title,
            self.patterns,
            [*self.title, *self.patterns],
            [raw for tag in self.tags for raw in tag],
            self.channel,
            [*self.meaning, *self.article],
        ]


def _code_terms(raw: str) -> tuple[str, ...]:
    """Error codes: numbers (eBay's and Amazon's, HTTP statuses) and identifiers."""
    return (raw,) if raw.isdigit() and len(raw) >= 3 else _token_codes(raw)


class _FieldIds(dict):
    """A raw token's word ids in one field, worked out once per distinct raw token: a base of
    10,000 entries has a million raw tokens but only tens of thousands distinct."""

    def __init__(
        self,
        field: int,
        terms_of: Callable[[str], tuple[str, ...]],
        vocabulary: dict[tuple[int, str], int],
    ) -> None:
        super().__init__()
        self.field, self.terms_of, self.vocabulary = field, terms_of, vocabulary

    def __missing__(self, raw: str) -> tuple[int, ...]:
        vocabulary, field = self.vocabulary, self.field
        ids = self[raw] = tuple(
            vocabulary.setdefault((field, term), len(vocabulary)) for term in self.terms_of(raw)
        )
        return ids


_SYNONYM_OF = _synonym_map()
_MAX_REMEMBERED = 20_000
_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(memory: dict[_K, _V], key: _K, value: _V) -> None:
    """Keep `value`, forgetting everything first once there is a lot to forget (bounded memory;
    answers are the same either way)."""
    if len(memory) >= _MAX_REMEMBERED:
        memory.clear()
    memory[key] = value


class SearchIndex:
    """Everything a lookup needs about one knowledge base, built once per base (the engine
    builds it on the first lookup)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries = kb.entries
        count = len(self.entries)
        texts = [
            _Texts.of(entry, kb.settings.channels.get(entry.channel, ())) for entry in self.entries
        ]
        # Every distinct raw token's words folded in one go, rather than word by word.
        _fold_all(
            {word for raw in {r for t in texts for r in t.raws()} for word in _token_words(raw)}
        )
        # Each field's terms become bm25s's word ids here ("1:feed" is "feed" in a title), a
        # distinct raw token at a time, instead of bm25s building its vocabulary word by word.
        vocabulary: dict[tuple[int, str], int] = {}
        fields = [
            _FieldIds(i, _code_terms if f.name == "code" else _token_terms, vocabulary)
            for i, f in enumerate(FIELDS)
        ]
        documents = [
            list(
                chain.from_iterable(
                    chain.from_iterable(map(ids.__getitem__, raws))
                    for ids, raws in zip(fields, text.field_raws(), strict=True)
                )
            )
            for text in texts
        ]
        # Document frequency of each term, whatever its field: the distinct (entry, term) pairs.
        names: dict[str, int] = {}
        term_of = np.array(
            [names.setdefault(term, len(names)) for _, term in vocabulary], dtype=np.int64
        )
        lengths = [len(d) for d in documents]
        flat = np.fromiter(chain.from_iterable(documents), dtype=np.int64, count=sum(lengths))
        width = max(len(names), 1)
        pairs = np.repeat(np.arange(count, dtype=np.int64), lengths) * width + term_of[flat]
        frequencies = np.bincount(np.unique(pairs) % width, minlength=len(names))
        document_frequency = dict(zip(names, frequencies.tolist(), strict=True))
        self._df = document_frequency
        channel = _FIELD_INDEX["channel"]
        self._channel_terms = frozenset(t for f, t in vocabulary if f == channel)
        self._count = count
        # One BM25 index whose words are tagged with their field: bm25s spends most of its
        # indexing time per document, so one index of all fields builds several times faster
        # than one index per field. The price: a field's length is normalised against the whole
        # entry's, not against that field's.
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(
            (documents, {f"{f}:{t}": n for (f, t), n in vocabulary.items()}),
            show_progress=False,
        )
        # What a lookup reads: each word's entries and scores, as sparse columns.
        self._postings = tuple(bm25.scores[k] for k in ("indptr", "indices", "data"))
        self._vocabulary: dict[str, int] = bm25.vocab_dict
        self._stopwords = _stopwords()
        # The typed-word side: surface words (unstemmed) for typos and prefixes, mapped to terms.
        surface = {raw for text in texts for raw in (*text.title, *text.patterns, *text.meaning)}
        words = {w for raw in surface for w in _token_words(raw) if _ALPHA.match(w)}
        self._surface = sorted(w for w in words if _fold(w) in document_frequency)
        self._surface_set = frozenset(self._surface)
        self._by_length: dict[int, list[str]] = {}
        for word in self._surface:
            self._by_length.setdefault(len(word), []).append(word)
        self._ids = {e.id: i for i, e in enumerate(self.entries)}
        self._forget()

    def _forget(self) -> None:
        # Answers and typed words seen before. "Did you mean" looks up a paste's unknown lines,
        # and the same lines and words come back paste after paste (in bench/slope.py's pastes,
        # two lookups in five and five words in six).
        self._answers: dict[tuple[str, int], tuple[Hit, ...]] = {}
        self._typed_groups: dict[str, _Group] = {}

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k not in ("_answers", "_typed_groups")}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self._forget()

    def __len__(self) -> int:
        return self._count

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """The entries that fit `text`, best first, at most `limit`; empty when none does."""
        key = (text, limit)
        hits = self._answers.get(key)
        if hits is None:
            hits = tuple(self._search(text, limit))
            _remember(self._answers, key, hits)
        return list(hits)

    def _search(self, text: str, limit: int) -> list[Hit]:
        text = strip_slack_markup(text)
        whole = text.strip().casefold()
        if whole in self._ids:
            entry = self.entries[self._ids[whole]]
            return [Hit(entry, 100.0, ("id",))][:limit]
        groups = self._groups(text)
        if not groups or not self._count or limit < 1:
            return []
        count = self._count
        total = np.zeros(count, dtype=np.float32)
        covered = np.zeros(count, dtype=np.float32)
        fields_hit = np.zeros(count, dtype=np.int32)
        idf_sum = 0.0
        indptr, indices, data = self._postings
        vocabulary = self._vocabulary
        for group in groups:
            idf_sum += group.idf
            strength = np.zeros(count, dtype=np.float32)
            for f, field in enumerate(FIELDS):
                # Only the entries that hold the word are touched: a lookup costs what its
                # words' postings cost, not the size of the base.
                best: dict[int, tuple[np.ndarray, np.ndarray]] = {}
                for alternative in group.alternatives:
                    column = vocabulary.get(f"{f}:{alternative.term}")
                    if column is None:
                        continue
                    start, end = indptr[column], indptr[column + 1]
                    docs = indices[start:end]
                    best[column] = (docs, data[start:end] * alternative.weight)
                    strength[docs] = np.maximum(strength[docs], alternative.weight * field.strength)
                    fields_hit[docs] |= 1 << f
                if len(best) == 1:
                    ((docs, values),) = best.values()
                    total[docs] += field.weight * values
                elif best:
                    merged = np.zeros(count, dtype=np.float32)
                    for docs, values in best.values():
                        merged[docs] = np.maximum(merged[docs], values)
                    total += field.weight * merged
            covered += group.idf * strength
        coverage = covered / idf_sum
        # A word found only in an entry's meaning is a hint, not enough on its own.
        named = (fields_hit & ~(1 << _FIELD_INDEX["meaning"])) != 0
        candidates = np.flatnonzero((coverage >= MIN_COVERAGE) & named)
        if not len(candidates):
            return []
        top_total = float(total[candidates].max()) or 1.0
        scores_0_100 = 100 * (0.75 * coverage[candidates] + 0.25 * total[candidates] / top_total)
        order = np.lexsort((candidates, -scores_0_100))
        best_score = float(scores_0_100[order[0]])
        hits = []
        for position in order[:limit]:
            score = float(scores_0_100[position])
            if score < RELATIVE_FLOOR * best_score:
                break
            index = int(candidates[position])
            mask = int(fields_hit[index])
            fields = tuple(f.name for i, f in enumerate(FIELDS) if mask & (1 << i))
            hits.append(Hit(self.entries[index], round(min(score, 100.0), 1), fields))
        return hits

    # --- From typed words to index terms -------------------------------------------------------

    def _groups(self, text: str) -> list[_Group]:
        words = [w for token in _words(text) for w in self._typed(token)]
        words = [w for w in words if _keep(w, self._stopwords)][:_MAX_QUERY_WORDS]
        groups: list[_Group] = []
        seen: set[str] = set()
        skip = False
        for i, word in enumerate(words):
            if skip:
                skip = False
                continue
            if i + 1 < len(words) and self._joins(word, words[i + 1]):
                word, skip = word + words[i + 1], True
            if word in seen:
                continue
            seen.add(word)
            group = self._typed_groups.get(word)
            if group is None:
                group = self._group(word)
                _remember(self._typed_groups, word, group)
            groups.append(group)
        return groups

    def _joins(self, word: str, following: str) -> bool:
        """Two typed words the index has as one word ("woo commerce", "big commerce"), when
        they are not both words of the index on their own ("token revoked" stays two)."""
        df = self._df
        return _fold(word + following) in df and not (_fold(word) in df and _fold(following) in df)

    def _typed(self, token: tuple[str, ...]) -> tuple[str, ...]:
        """A typed token's words: a code typed whole ("QuotaExceeded", "e-bay") is looked up
        whole when the index has it whole, else word by word."""
        if len(token) > 1 and _fold(token[0]) in self._df:
            return token[:1]
        return token[1:] if len(token) > 1 else token

    def _group(self, word: str) -> _Group:
        term = _fold(word)
        if term in self._df:
            alternatives = [_Alternative(term, 1.0), *self._shortened(word, term)]
        elif word.isdigit() or not _ALPHA.match(word):
            alternatives = []  # A code or number is right or a different code.
        else:
            alternatives = self._widen(word) + self._shortened(word, term)
        alternatives += [
            _Alternative(other, _SYNONYM_WEIGHT)
            for other in sorted(_SYNONYM_OF.get(term, ()))
            if other in self._df
        ]
        frequencies = [self._df[a.term] for a in alternatives]
        df = min(frequencies) if frequencies else 0
        # An unknown word weighs as much as the rarest known one: it is what the person means,
        # and the base does not have it.
        if any(a.term in self._channel_terms for a in alternatives):
            df = 1  # A channel named is what the person means, however many entries it has.
        idf = math.log(1 + self._count / (max(df, 1) + 0.5))
        return _Group(word, tuple(alternatives), idf)

    def _shortened(self, word: str, term: str) -> list[_Alternative]:
        """Index words that are the start of a long typed word: the base's "sync" for a typed
        "synchronisation"."""
        if len(word) < _LONG_WORD:
            return self._negated(word)
        found = {
            _fold(word[:end])
            for end in range(_MIN_SHORTENED, len(word) - 2)
            if word[:end] in self._surface_set
        }
        shortened = [_Alternative(t, _SHORTENED_WEIGHT) for t in sorted(found - {term})]
        return shortened + self._negated(word)

    def _negated(self, word: str) -> list[_Alternative]:
        """A negated word stands for the base's "not" and the word: "invalid" for "not valid",
        "unable" for "not able"."""
        for prefix in _NEGATIONS:
            rest = word.removeprefix(prefix)
            if rest != word and len(rest) >= _MIN_SHORTENED and rest in self._surface_set:
                return [_Alternative(_fold(rest), _SHORTENED_WEIGHT)]
        return []

    def _widen(self, word: str) -> list[_Alternative]:
        """The index words a word not in the index may stand for: those it starts, and those
        one or two typos away (rapidfuzz's optimal string alignment distance)."""
        weights: dict[str, float] = {}
        if len(word) >= _MIN_PREFIX:
            start = bisect.bisect_left(self._surface, word)
            for candidate in self._surface[start : start + _MAX_EXPANSIONS]:
                if not candidate.startswith(word):
                    break
                term = _fold(candidate)
                weights[term] = max(weights.get(term, 0.0), _PREFIX_WEIGHT)
        edits = 0 if len(word) < 4 else 1 if len(word) < 7 else 2
        if edits:
            pool = [
                w
                for length in range(len(word) - edits, len(word) + edits + 1)
                for w in self._by_length.get(length, ())
            ]
            for candidate, distance, _ in process.extract(
                word, pool, scorer=OSA.distance, score_cutoff=edits, limit=_MAX_EXPANSIONS
            ):
                term = _fold(candidate)
                weights[term] = max(weights.get(term, 0.0), _TYPO_WEIGHT[int(distance)])
        return [_Alternative(t, w) for t, w in weights.items()]
