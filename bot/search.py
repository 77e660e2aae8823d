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

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from bot.knowledge import Entry, KnowledgeBase
from bot.normalise import strip_slack_markup
from bot.search_rank import Found, rerank, typed_terms
from bot.search_terms import (
    ALPHA,
    EntryTexts,
    channel_terms,
    code_terms,
    fold_all,
    stop_words,
    token_terms,
    token_words,
)
from bot.search_typed import TypedWords, remember

DEFAULT_LIMIT = 5
MIN_COVERAGE = 0.55
"""The least share of what was typed an entry must cover to be offered at all."""


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
_ALL_FIELDS = (1 << len(FIELDS)) - 1
_TYPED = len(FIELDS)
_TYPED_NAMING = (_ALL_FIELDS & ~(1 << _FIELD_INDEX["meaning"])) << _TYPED
"""A word found as typed (not as a synonym) in a field other than the meaning."""
_NAMING_FIELDS = sum(1 << _FIELD_INDEX[name] for name in ("id", "title"))
"""Fields that name the error: an entry found by none of them must be found by its error text."""
# A score: how much of what was typed the entry covers, how well BM25 ranks it against the best
# (and, from bot/search_rank.py, how much of its title the words are).
_COVERAGE_SHARE, _BM25_SHARE = 0.7, 0.15
_RERANKED = 50
"""How many of the best candidates are ranked again by their own texts (bot/search_rank.py)."""


@dataclass(frozen=True)
class Hit:
    """One entry that fits a lookup: its score (0-100) and the fields the words were found in."""

    entry: Entry
    score: float
    fields: tuple[str, ...]


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


def _field_documents(
    texts: list[EntryTexts],
) -> tuple[list[list[int]], dict[tuple[int, str], int]]:
    """Each entry's words as bm25s's word ids, and the vocabulary: (field, term) -> id.

    Each field's terms become word ids here ("1:feed" is "feed" in a title), a distinct raw token
    at a time, instead of bm25s building its vocabulary word by word."""
    vocabulary: dict[tuple[int, str], int] = {}
    fields = [
        _FieldIds(i, code_terms if f.name == "code" else token_terms, vocabulary)
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
    return documents, vocabulary


def _document_frequency(
    documents: list[list[int]], vocabulary: dict[tuple[int, str], int], count: int
) -> dict[str, int]:
    """How many entries hold each term, whatever its field: the distinct (entry, term) pairs."""
    names: dict[str, int] = {}
    term_of = np.array(
        [names.setdefault(term, len(names)) for _, term in vocabulary], dtype=np.int64
    )
    lengths = [len(d) for d in documents]
    flat = np.fromiter(chain.from_iterable(documents), dtype=np.int64, count=sum(lengths))
    width = max(len(names), 1)
    pairs = np.repeat(np.arange(count, dtype=np.int64), lengths) * width + term_of[flat]
    frequencies = np.bincount(np.unique(pairs) % width, minlength=len(names))
    return dict(zip(names, frequencies.tolist(), strict=True))


def _bm25_postings(
    documents: list[list[int]], vocabulary: dict[tuple[int, str], int]
) -> tuple[tuple[np.ndarray, ...], dict[str, int]]:
    """What a lookup reads: each word's entries and scores, as sparse columns, and each
    "field:term" word's column."""
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
    return tuple(bm25.scores[k] for k in ("indptr", "indices", "data")), bm25.vocab_dict


class SearchIndex:
    """Everything a lookup needs about one knowledge base, built once per base (the engine
    builds it on the first lookup)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries = kb.entries
        self._count = count = len(self.entries)
        texts = [
            EntryTexts.of(entry, kb.settings.channels.get(entry.channel, ()))
            for entry in self.entries
        ]
        # Every distinct raw token's words folded in one go, rather than word by word.
        fold_all(
            {word for raw in {r for t in texts for r in t.raws()} for word in token_words(raw)}
        )
        documents, vocabulary = _field_documents(texts)
        document_frequency = _document_frequency(documents, vocabulary, count)
        self._postings, self._vocabulary = _bm25_postings(documents, vocabulary)
        # The typed-word side: surface words (unstemmed) for typos and prefixes, mapped to terms.
        surface = {
            raw
            for text in texts
            for raw in (*text.title, *text.patterns, *text.meaning, *text.channel)
        }
        self._typed = TypedWords(
            document_frequency,
            channel_terms(kb.settings.channels),
            count,
            {w for raw in surface for w in token_words(raw) if ALPHA.match(w)},
            stop_words(),
        )
        self._ids = {e.id: i for i, e in enumerate(self.entries)}
        self._forget_answers()

    def forget(self) -> None:
        """Forget every lookup answered and word typed so far (a benchmark times the work, not
        the memory); what is looked up next is worked out again."""
        self._forget_answers()
        self._typed.forget()

    def _forget_answers(self) -> None:
        # Answers seen before. "Did you mean" looks up a paste's unknown lines, and the same
        # lines come back paste after paste (two lookups in five in bench/slope.py's pastes).
        self._answers: dict[tuple[str, int], tuple[Hit, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k != "_answers"}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self._forget_answers()

    def __len__(self) -> int:
        return self._count

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """The entries that fit `text`, best first, at most `limit`; empty when none does."""
        key = (text, limit)
        hits = self._answers.get(key)
        if hits is None:
            hits = tuple(self._search(text, limit))
            remember(self._answers, key, hits)
        return list(hits)

    def _search(self, text: str, limit: int) -> list[Hit]:
        text = strip_slack_markup(text)
        whole = text.strip().casefold()
        if whole in self._ids:
            entry = self.entries[self._ids[whole]]
            return [Hit(entry, 100.0, ("id",))][:limit]
        groups = self._typed.groups(text)
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
                    # A field's bit, and the same bit shifted when the word was found as typed.
                    fields_hit[docs] |= (1 << f) | (0 if alternative.synonym else 1 << f + _TYPED)
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
        # A word found only in an entry's meaning is a hint, not enough on its own; nor are
        # other words for what was typed ("thanks, that worked": "success").
        as_typed = (fields_hit & _TYPED_NAMING) != 0
        candidates = np.flatnonzero((coverage >= MIN_COVERAGE) & as_typed)
        if not len(candidates):
            return []
        top_total = float(total[candidates].max()) or 1.0
        base = _COVERAGE_SHARE * coverage[candidates] + _BM25_SHARE * total[candidates] / top_total
        order = np.lexsort((candidates, -base))[:_RERANKED]
        top = candidates[order]
        masks = (fields_hit[top] & _ALL_FIELDS).tolist()
        found = (
            Found(self.entries[i], b, not m & _NAMING_FIELDS, m)
            for i, b, m in zip(top.tolist(), base[order].tolist(), masks, strict=True)
        )
        hits: list[Hit] = []
        for score, hit in rerank(found, typed_terms(text, groups), self._typed.df, count, limit):
            fields = tuple(f.name for i, f in enumerate(FIELDS) if hit.fields & (1 << i))
            hits.append(Hit(hit.entry, round(min(100 * score, 100.0), 1), fields))
        return hits
