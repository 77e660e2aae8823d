"""Building the search index's arrays (bot/search.py ranks with them) at the cost of a base's
distinct words rather than of all its words.

A base of 10,000 entries holds about a million words but some 18,000 distinct raw tokens. So each
text is cut into tokens once, all texts in one pass; what a token stands for in each field (its
terms) is worked out once per distinct token; and everything done per word of an entry (counting
it per entry and field, how many entries hold each term, the BM25 scores, the sparse columns a
lookup reads) is done by numpy over arrays of ids, never by Python per word.

The scores are those of bm25s's `BM25()` (its defaults: the "lucene" variant, k1 1.5, b 0.75),
worked out for every (entry, word) pair at once where bm25s works one entry at a time;
tests/test_search_build.py holds them to bm25s's own, value for value.

Python's own work per word of the base is two passes in C (`str.split` of the texts joined, each
chunk numbered by a dictionary as it is first seen); per distinct token or word it is a few passes
over them joined or mapped by string methods (bot.search_terms' `many_*`), since a call of a
Python function or expression per token cost more than the rest of the build.

Why this module is long: it is one pipeline (texts, their chunks and raw tokens, the tokens'
words and terms, the keys, the postings) whose steps hand each other id arrays laid out for the
next; split into modules, each would have to explain the others' layouts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, count
from typing import Protocol

import numpy as np

from bot.knowledge import Entry
from bot.search_terms import (
    fold_many,
    letters_only,
    many_code_terms,
    many_token_words,
    one_word,
    raw_tokens,
    runs_tokens,
    stop_words,
)

K1, B = 1.5, 0.75
"""bm25s's defaults."""

# An entry's texts by source. A field (bot/search.py's FIELDS) is made of one or more sources;
# "channel" is the entry's channel names, each one word (see `one_word`).
_TEXTS: dict[str, Callable[[Entry], Sequence[str]]] = {
    "id": lambda e: (e.id,),
    "title": lambda e: (e.title,),
    "patterns": lambda e: e.patterns,
    "meaning": lambda e: (e.meaning,),
    "article": lambda e: (e.article.title,) if e.article else (),
    "tags": lambda e: e.tags,
}
CHANNEL = "channel"
SOURCES = (*_TEXTS, CHANNEL)
SURFACE = ("title", "patterns", "meaning", CHANNEL)
"""The sources whose words a typed word may be a typo or the start of."""

_MARK = "\x00"
# Every ASCII character that cannot be part of a raw token becomes a space, so that `split()` cuts
# text into runs of letters, digits, dots, underscores and hyphens ("chunks"): a chunk holds the
# same raw tokens whether it is tokenised alone or in its text. The mark between texts stays.
_SPACES = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c in "._-" + _MARK)}
)


class Field(Protocol):
    """Where a field's words come from (`SOURCES`), and whether they are error codes
    (`code_terms`) rather than words (`token_terms`)."""

    @property
    def sources(self) -> tuple[str, ...]: ...

    @property
    def codes(self) -> bool: ...


@dataclass(frozen=True)
class Built:
    terms: dict[str, int]
    """Every term, with how many entries hold it in any field; its position is its id."""
    columns: np.ndarray
    """(term id, field) -> the term's column in that field, -1 where the field lacks it."""
    postings: tuple[np.ndarray, np.ndarray, np.ndarray]
    """The columns as a sparse matrix (indptr, entry indices, BM25 scores), as bm25s keeps them."""
    surface: set[str]
    """The words of `SURFACE` (unstemmed, letters only)."""


def build(
    entries: Sequence[Entry], channels: Mapping[str, Sequence[str]], fields: Sequence[Field]
) -> Built:
    """The index's arrays for `entries`, whose channels have the names in `channels`."""
    count = max(len(entries), 1)  # An empty base has nothing to divide by, and no words.
    width = len(fields)
    texts = _Texts(entries, channels)
    tokens = _Tokens(texts)
    words = _Words(tokens.raws)
    terms = _numbering()
    kinds = {False: words.terms(terms), True: _sparse(many_code_terms(tokens.raws), terms)}
    # Every (term, entry, field) that occurs, once per occurrence, as one sortable key: each
    # chunk of each text gives the terms of its raw tokens in the fields of its text's source,
    # its entry and field as its owner (entry * width + field).
    source = texts.source[tokens.text]
    entry = texts.entry[tokens.text] * width
    keys = [np.zeros(0, dtype=np.int64)]
    for codes, (starts, flat) in kinds.items():
        starts, flat = tokens.chunk_terms(starts, flat)
        has_terms = (np.diff(starts) > 0)[tokens.chunk]
        for f, field in enumerate(fields):
            if field.codes == codes:
                chosen = np.flatnonzero(_of(field.sources)[source] & has_terms)
                owner, term = _spread(starts, flat, tokens.chunk[chosen], entry[chosen] + f)
                keys.append(term * (count * width) + owner)
    return Built(
        *_postings(np.concatenate(keys), count, width, terms),
        words.alpha(tokens.raws_of(_of(SURFACE)[source])),
    )


def _postings(
    keys: np.ndarray, count: int, width: int, terms: dict[str, int]
) -> tuple[dict[str, int], np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Document frequencies, columns and BM25 postings from the (term, entry, field) keys."""
    lengths = np.bincount(keys // width % count, minlength=count)  # Words per entry.
    keys = np.sort(keys)
    starts = np.flatnonzero(_first_of_runs(keys))
    frequency = np.diff(np.append(starts, len(keys)))  # How often each word is in its entry.
    unique = keys[starts]
    field = (unique % width).astype(np.int8)
    entry = unique // width % count
    term = unique // (width * count)
    # How many entries hold each term, whatever the field: its distinct (term, entry) pairs.
    held = np.bincount(term[_first_of_runs(unique // width)], minlength=len(terms))
    names = list(terms)
    frequencies = held.tolist()
    terms = dict(compress(zip(names, frequencies, strict=True), frequencies))
    # A column per (field, term), in that order; within one, entries in order (as bm25s has them).
    order = np.argsort(field, kind="stable")
    field, entry, term, frequency = field[order], entry[order], term[order], frequency[order]
    new_column = _first_of_runs(term) | _first_of_runs(field)
    column = np.cumsum(new_column) - 1
    starts = np.flatnonzero(new_column)
    columns = np.full((len(names), width), -1, dtype=np.int32)
    columns[term[starts], field[starts]] = np.arange(len(starts), dtype=np.int32)
    # Only the terms some entry holds, in `terms`' order.
    columns = columns[held > 0]
    holders = np.diff(np.append(starts, len(term)))
    scores = _bm25(frequency, lengths, entry, holders, column, count)
    indptr = np.zeros(len(starts) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(holders)
    return terms, columns, (indptr, entry.astype(np.int32), scores)


def _first_of_runs(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values in `values` starts."""
    first = np.ones(len(values), dtype=bool)
    first[1:] = values[1:] != values[:-1]
    return first


def _bm25(
    frequency: np.ndarray,
    lengths: np.ndarray,
    entry: np.ndarray,
    holders: np.ndarray,
    column: np.ndarray,
    count: int,
) -> np.ndarray:
    """bm25s's scores ("lucene"), in its arithmetic: the IDF in Python floats stored as float32,
    the rest in float64, the product stored as float32, so every score is bm25s's to the bit."""
    distinct, position = np.unique(holders, return_inverse=True)
    idf = np.array(
        [math.log(1 + (count - df + 0.5) / (df + 0.5)) for df in distinct.tolist()],
        dtype=np.float32,
    )[position][column]
    tf = frequency.astype(np.float32)
    average = lengths.mean() if len(frequency) else 1.0
    norm = K1 * ((1 - B) + B * lengths / average)
    return (idf * (tf / (norm[entry] + tf))).astype(np.float32)


class _Texts:
    """Every entry's texts, source after source, with the entry and source of each; the texts to
    cut into tokens, and the channels' names (each one word, shared by many entries)."""

    def __init__(self, entries: Sequence[Entry], channels: Mapping[str, Sequence[str]]) -> None:
        names = {
            c: [one_word(name) for name in (c, *channels.get(c, ()))]
            for c in {e.channel for e in entries}
        }
        texts: list[str] = []
        counts = np.zeros((len(SOURCES), len(entries)), dtype=np.int64)
        for s, source in enumerate(SOURCES):
            by_entry = (
                [names[e.channel] for e in entries]
                if source == CHANNEL
                else list(map(_TEXTS[source], entries))
            )
            texts += chain.from_iterable(by_entry)
            counts[s] = list(map(len, by_entry))
        every_entry = np.tile(np.arange(len(entries)), len(SOURCES))
        self.entry = np.repeat(every_entry, counts.ravel())
        self.source = np.repeat(np.arange(len(SOURCES), dtype=np.int8), counts.sum(axis=1))
        # The texts to cut (not made distinct: reading every text once more, scattered through
        # memory after a load, costs more than cutting the few repeated ones again), and where
        # each is among all texts; the names are each one chunk already.
        whole = self.source == SOURCES.index(CHANNEL)
        self.cut = list(compress(texts, (~whole).tolist()))
        self.cut_position = np.flatnonzero(~whole)
        self.names = list(compress(texts, whole.tolist()))
        self.name_position = np.flatnonzero(whole)


class _Tokens:
    """Every text cut into chunks (runs of the characters a raw token is made of): each chunk's
    text and distinct chunk, one after another; the distinct raw tokens, and each distinct
    chunk's."""

    def __init__(self, texts: _Texts) -> None:
        cut = texts.cut
        # All texts but a few are ASCII, cut into chunks in one pass.
        plain = list(map(str.isascii, cut))
        joined = f" {_MARK} ".join(compress(cut, plain))
        if joined.count(_MARK) > max(sum(plain) - 1, 0):  # A text holds the mark: cut it alone.
            plain = [p and _MARK not in text for p, text in zip(plain, cut, strict=True)]
            joined = f" {_MARK} ".join(compress(cut, plain))
        joined = joined.translate(_SPACES)
        chunk_ids = _numbering(_MARK)
        chunk = _ids(joined.split(), chunk_ids)
        # The mark ends a text: a chunk's text is the number of marks before it.
        marks = chunk == 0
        text = np.flatnonzero(plain)[np.cumsum(marks)[~marks]]
        chunk = chunk[~marks]
        # The others (texts with other than ASCII characters) one by one; a channel's name is
        # a chunk of its own.
        others = [i for i, p in enumerate(plain) if not p]
        found = [raw_tokens(cut[i]) for i in others]
        chunk = np.append(chunk, _ids(list(chain.from_iterable(found)), chunk_ids))
        text = np.append(text, np.repeat(np.array(others, dtype=np.int64), list(map(len, found))))
        self.chunk = np.append(chunk, _ids(texts.names, chunk_ids))
        self.text = np.append(texts.cut_position[text], texts.name_position)
        # A chunk cut from ASCII text holds the raw tokens of bot.search_terms' ASCII expression
        # (most hold one: the chunk itself); any other chunk is a raw token already.
        names = list(chunk_ids)
        of_chunk: list[Sequence[str]] = [(c,) for c in names]
        runs = np.flatnonzero(_every(str.isascii, names) & ~_every(str.isalnum, names))
        rows = runs.tolist()
        for i, tokens in zip(rows, runs_tokens([names[i] for i in rows]), strict=True):
            of_chunk[i] = tokens
        of_chunk[0] = ()  # The mark.
        raw_ids = _numbering()
        self._starts, self._raws = _sparse(of_chunk, raw_ids)
        self.raws = list(raw_ids)

    def raws_of(self, chosen: np.ndarray) -> np.ndarray:
        """Which distinct raw tokens the chosen chunks (a mask of `chunk`) hold (a mask)."""
        held = np.zeros(len(self._starts) - 1, dtype=bool)
        held[self.chunk[chosen]] = True
        rows = np.flatnonzero(held)
        raws = np.zeros(len(self.raws), dtype=bool)
        raws[_spread(self._starts, self._raws, rows, rows)[1]] = True
        return raws

    def chunk_terms(self, starts: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each distinct chunk's terms as a sparse row, the terms of a raw token being its row of
        (`starts`, `flat`): worked out once per distinct chunk rather than per chunk of a text."""
        rows = np.arange(len(self._starts) - 1)
        chunk, raws = _spread(self._starts, self._raws, rows, rows)
        chunk, terms = _spread(starts, flat, raws, chunk)
        chunk_starts = np.zeros_like(self._starts)
        np.cumsum(np.bincount(chunk, minlength=len(rows)), out=chunk_starts[1:])
        return chunk_starts, terms


class _Words:
    """The raw tokens' words (`token_words`), each distinct word folded once."""

    def __init__(self, raws: list[str]) -> None:
        word_ids = _numbering()
        self._starts, self._words = _sparse(many_token_words(raws), word_ids)
        self.names = list(word_ids)

    def terms(self, ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """Each raw token's terms as `token_terms` has them (its words but stop words, folded)
        as a sparse row; a new term gets the next id in `ids`."""
        names = self.names
        lengths = np.fromiter(map(len, names), np.int64, len(names))
        stopwords = np.fromiter(map(stop_words().__contains__, names), bool, len(names))
        # `keep`, for all words at once.
        kept = _every(str.isdigit, names) | ((lengths >= 2) & ~stopwords)
        term = np.full(len(names), -1, dtype=np.int64)
        term[kept] = _ids(fold_many(list(compress(names, kept.tolist()))), ids)
        flat = term[self._words]
        kept = flat >= 0
        row = np.repeat(np.arange(len(self._starts) - 1), np.diff(self._starts))
        starts = np.zeros_like(self._starts)
        np.cumsum(np.bincount(row[kept], minlength=len(starts) - 1), out=starts[1:])
        return starts, flat[kept]

    def alpha(self, raws: np.ndarray) -> set[str]:
        """The words of the chosen raw tokens (a mask) made of letters only."""
        rows = np.flatnonzero(raws)
        held = np.zeros(len(self.names), dtype=bool)
        held[_spread(self._starts, self._words, rows, rows)[1]] = True
        words = list(compress(self.names, held.tolist()))
        return set(compress(words, letters_only(words)))


def _of(sources: Sequence[str]) -> np.ndarray:
    """Which of `SOURCES` are among `sources` (a mask, to be indexed by source)."""
    return np.isin(np.arange(len(SOURCES)), [SOURCES.index(s) for s in sources])


def _every(test: Callable[[str], bool], texts: list[str]) -> np.ndarray:
    """`test` of each of `texts`, as an array."""
    return np.fromiter(map(test, texts), bool, len(texts))


def _numbering(*first: str) -> dict[str, int]:
    """Ids for names, `first` first: a new name gets the next id when it is first looked up."""
    numbers = count()
    ids: defaultdict[str, int] = defaultdict(numbers.__next__)
    ids.update(zip(first, numbers, strict=False))  # As many numbers as names.
    return ids


def _ids(names: list[str], ids: dict[str, int]) -> np.ndarray:
    """Each name's id in `ids` (from `_numbering`), in one pass."""
    return np.fromiter(map(ids.__getitem__, names), np.int64, len(names))


def _sparse(rows: Sequence[Sequence[str]], ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """`rows` of names as a sparse matrix of their ids in `ids` (from `_numbering`): where each
    row starts, every row's ids one after another."""
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, rows), np.int64, len(rows)), out=starts[1:])
    return starts, _ids(list(chain.from_iterable(rows)), ids)


def _spread(
    starts: np.ndarray, flat: np.ndarray, rows: np.ndarray, owners: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ids of each of `rows` one after another, each with the owner of its row."""
    sizes = starts[rows + 1] - starts[rows]
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(owners, sizes), flat[np.repeat(starts[rows], sizes) + offsets]
