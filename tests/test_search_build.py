"""Building the search index's arrays (bot/search_build.py): every field word's entries and BM25
scores are bm25s's own for the same words, value for value, and the words are those each entry's
texts give one text and one token at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bm25s
import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot import search_terms
from bot.knowledge import KnowledgeBase, bundled_kb_path, load_knowledge_base
from bot.search import FIELDS
from bot.search_build import Built, build
from bot.search_terms import ALPHA, code_terms, one_word, raw_tokens, token_terms, token_words

from conftest import kb_entry

# Texts the one-pass tokeniser must cut as the per-text one does: other than ASCII characters,
# runs of separators, codes with dots, underscores and humps, numbers, a NUL character.
ODD_TEXTS = [
    "Café naïve İstanbul ① réf. 2²: «quoted» — ǅemal",
    "a..b -leading trailing- __x__ .dot. a-b_c.d 409 4O9 v2.1.0-rc1",
    "FEED.PRICE_REJECTED SubmitInventoryChange QuotaExceeded eBay SKU's HTTP403",
    "a NUL\x00character and\ttab",
]


def reference(kb: KnowledgeBase) -> Iterator[tuple[list[str], set[str]]]:
    """Each entry's field words ("field:term") and surface words, worked out text by text."""
    for entry in kb:
        texts = {
            "id": [entry.id],
            "title": [entry.title],
            "patterns": list(entry.patterns),
            "meaning": [entry.meaning],
            "article": [entry.article.title] if entry.article else [],
            "tags": list(entry.tags),
        }
        raws = {
            source: [r for t in found for r in raw_tokens(t)] for source, found in texts.items()
        }
        names = (entry.channel, *kb.settings.channels.get(entry.channel, ()))
        raws["channel"] = [one_word(name) for name in names]
        words = []
        for f, field in enumerate(FIELDS):
            terms_of = code_terms if field.codes else token_terms
            words += [f"{f}:{t}" for s in field.sources for r in raws[s] for t in terms_of(r)]
        surface = {
            w
            for s in ("title", "patterns", "meaning", "channel")
            for r in raws[s]
            for w in token_words(r)
            if ALPHA.match(w)
        }
        yield words, surface


def columns(built: Built) -> dict[str, tuple[list[int], list[float]]]:
    indptr, indices, data = built.postings
    found = {}
    for term, row in zip(built.terms, built.columns.tolist(), strict=True):
        for f, column in enumerate(row):
            if column >= 0:
                start, end = indptr[column], indptr[column + 1]
                found[f"{f}:{term}"] = (indices[start:end].tolist(), data[start:end].tolist())
    return found


@pytest.fixture(params=["bundled", "odd texts"])
def kb(request: pytest.FixtureRequest, tmp_path: Path) -> KnowledgeBase:
    if request.param == "bundled":
        return load_knowledge_base(bundled_kb_path())
    odd, plain = (
        yaml.safe_load(kb_entry(entry_id, "Demo", "Rejected"))[0]
        for entry_id in ("odd-texts-00001", "plain-texts")
    )
    odd.update(title="Odd texts: café ①", patterns=ODD_TEXTS, meaning=" ".join(ODD_TEXTS))
    odd.update(tags=["odd-one", "v2-rc1"], article={"title": ODD_TEXTS[0], "url": "https://x.io"})
    plain.update(channel="other", title="Café rejected", patterns=["SKU 409 rejected"])
    (tmp_path / "odd.yaml").write_text(yaml.safe_dump([odd, plain]), encoding="utf-8")
    settings = {"channels": {"demo": ["Démo Shop", "D-Shop!", "$$$"]}}
    (tmp_path / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return load_knowledge_base(tmp_path)


def test_every_field_words_entries_and_scores_are_bm25s_own(kb: KnowledgeBase):
    documents = [words for words, _ in reference(kb)]
    bm25 = bm25s.BM25()
    bm25.index(documents, show_progress=False)
    indptr, indices, data = (bm25.scores[k] for k in ("indptr", "indices", "data"))
    expected = {
        word: (
            indices[indptr[c] : indptr[c + 1]].tolist(),
            data[indptr[c] : indptr[c + 1]].tolist(),
        )
        for word, c in bm25.vocab_dict.items()
        if word
    }
    assert columns(build(kb.entries, kb.settings.channels, FIELDS)) == expected


def test_each_term_counts_the_entries_that_hold_it_in_any_field(kb: KnowledgeBase):
    held: dict[str, int] = {}
    for words, _ in reference(kb):
        for term in {w.split(":", 1)[1] for w in words}:
            held[term] = held.get(term, 0) + 1
    assert build(kb.entries, kb.settings.channels, FIELDS).terms == held


def test_typos_are_corrected_towards_the_words_of_titles_error_texts_meanings_and_channels(
    kb: KnowledgeBase,
):
    expected = set().union(*(surface for _, surface in reference(kb)))
    assert build(kb.entries, kb.settings.channels, FIELDS).surface == expected


def test_an_empty_base_has_no_words():
    built = build((), {}, FIELDS)
    assert (built.terms, built.surface, len(built.postings[1])) == ({}, set(), 0)
    assert np.array_equal(built.postings[0], [0])


# Texts of the characters tokens are made of and split at, in the shapes a base has them: words,
# ids, codes with dots and underscores, humps, numbers, letters next to digits, odd separators.
_TOKEN_TEXT = st.text("abzAZ09._- \u00e9\u0130\u00b2", max_size=24)


@given(texts=st.lists(_TOKEN_TEXT, max_size=30))
def test_the_index_cuts_words_and_codes_of_many_tokens_as_a_lookup_cuts_one(texts: list[str]):
    raws = [raw for text in texts for raw in raw_tokens(text)]
    assert search_terms.many_token_words(raws) == [token_words(raw) for raw in raws]
    assert search_terms.many_code_terms(raws) == [code_terms(raw) for raw in raws]
    assert search_terms.letters_only(raws) == [bool(ALPHA.match(raw)) for raw in raws]


@given(runs=st.lists(st.from_regex(r"[a-zA-Z0-9._-]+", fullmatch=True), max_size=30))
def test_a_run_of_letters_digits_and_separators_holds_the_tokens_of_the_expression(
    runs: list[str],
):
    found = [list(tokens) for tokens in search_terms.runs_tokens(runs)]
    assert found == [search_terms.ASCII_TOKEN.findall(run) for run in runs]
