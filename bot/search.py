"""Looking errors up by the words people remember: "feed rejected", "ebay token expird",
"what does error 931 mean?".

Matching (bot/match.py) compares a paste with an error's full text; a lookup is a few words, so
it is ranked like a search engine does instead: BM25 over each field of an entry (id, title, the
error texts, error codes, tags, channel, meaning), scored as `bm25s` scores it (a maintained
library: every word's score per entry precomputed in sparse arrays, so a lookup only sums a few
slices; bot/search_build.py does its arithmetic for all words at once, checked against it).
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

from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.collector import collector_paused
from bot.knowledge import Entry, KnowledgeBase
from bot.memory import remember
from bot.normalise import strip_slack_markup
from bot.search_rank import Found, rerank, typed_terms
from bot.search_terms import channel_terms, stop_words
from bot.search_typed import MAX_REMEMBERED, TypedWords

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
    sources: tuple[str, ...]
    """The entry's texts the field's words come from (bot/search_build.py's sources)."""
    codes: bool = False
    """Whether its words are the texts' error codes (numbers, identifiers), not their words."""


FIELDS = (
    Field("id", 1.0, 1.0, ("id",)),
    Field("title", 3.0, 1.0, ("title",)),
    Field("error_text", 2.0, 1.0, ("patterns",)),
    Field("code", 3.0, 1.0, ("title", "patterns"), codes=True),
    Field("tags", 1.0, 0.9, ("tags",)),
    Field("channel", 1.0, 1.0, ("channel",)),
    Field("meaning", 1.0, 0.7, ("meaning", "article")),
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


class SearchIndex:
    """Everything a lookup needs about one knowledge base, built once per base (the engine
    builds it on the first lookup)."""

    @collector_paused()  # Nothing it makes is garbage (bot/collector.py).
    def __init__(self, kb: KnowledgeBase) -> None:
        # Imported only to build: an index read back from the load cache does not compile it.
        from bot.search_build import build

        built = build(kb.entries, kb.settings.channels, FIELDS)
        # The typed-word side: surface words (unstemmed) for typos and prefixes, mapped to terms.
        typed = TypedWords(
            built.terms,
            channel_terms(kb.settings.channels),
            len(kb.entries),
            built.surface,
            stop_words(),
        )
        # One BM25 index whose words are tagged with their field (a column per field and term):
        # the price is that a field's length is normalised against the whole entry's, not
        # against that field's.
        self._lookup_tables(kb, built.postings, built.columns, typed)

    def _lookup_tables(
        self,
        kb: KnowledgeBase,
        postings: tuple[np.ndarray, np.ndarray, np.ndarray],
        columns: np.ndarray,
        typed: TypedWords,
    ) -> None:
        """What a lookup reads, from the index built or read back from the load cache."""
        self.kb = kb
        self.entries = kb.entries
        self._count = len(self.entries)
        self._postings, self._columns, self._typed = postings, columns, typed
        # Each term's row of `columns`: the terms are in the typed words' order.
        self._term_ids = dict(zip(typed.df, range(len(typed.df)), strict=True))
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

    # In the load cache: the arrays and the typed words' own lean form; the look-up tables are
    # rebuilt from them (quicker than unpickling them) and nothing remembered is kept.
    def __getstate__(self) -> dict[str, object]:
        return {
            "kb": self.kb,
            "postings": self._postings,
            "columns": self._columns,
            "typed": self._typed,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._lookup_tables(state["kb"], state["postings"], state["columns"], state["typed"])

    def __len__(self) -> int:
        return self._count

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """The entries that fit `text`, best first, at most `limit`; empty when none does."""
        key = (text, limit)
        hits = self._answers.get(key)
        if hits is None:
            hits = tuple(self._search(text, limit))
            remember(self._answers, key, hits, MAX_REMEMBERED)
        return list(hits)

    def _search(self, text: str, limit: int) -> list[Hit]:
        text = strip_slack_markup(text)
        whole = text.strip().casefold()
        entry = self.kb.by_id.get(whole)
        if entry is not None:
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
        term_ids, columns = self._term_ids, self._columns
        for group in groups:
            idf_sum += group.idf
            # Each alternative the index knows, with its column in each field (-1: none).
            known = [
                (alternative, columns[term].tolist())
                for alternative in group.alternatives
                if (term := term_ids.get(alternative.term)) is not None
            ]
            if not known:
                continue  # A word the base lacks (a time, an order number) covers nothing.
            strength = np.zeros(count, dtype=np.float32)
            for f, field in enumerate(FIELDS):
                # Only the entries that hold the word are touched: a lookup costs what its
                # words' postings cost, not the size of the base.
                best: dict[int, tuple[np.ndarray, np.ndarray]] = {}
                for alternative, row in known:
                    column = row[f]
                    if column < 0:
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
