"""The bundled knowledge base tests itself: every pattern and example, one test each."""

from __future__ import annotations

import pytest

from bot.knowledge import bundled_kb_path, load_knowledge_base
from bot.lint import self_test
from bot.match import Context, Matcher
from bot.normalise import normalise

KB = load_knowledge_base(bundled_kb_path())
TEXTS = [(e.id, kind, t) for e in KB for kind in ("patterns", "examples") for t in getattr(e, kind)]
MATCHER = Matcher(KB)
COUNTER = [(e.id, t) for e in KB for t in e.counter_examples]


def _generic_alone(entry_id: str, kind: str, text: str) -> bool:
    """A text that only a generic pattern recognises, and that names no system."""
    entry = KB.by_id[entry_id]
    if not entry.generic_patterns or not MATCHER.systems.named(text).empty:
        return False
    # Read with no system named: only what the entry's other patterns recognise is claimed.
    shown = [
        c
        for record in normalise(text).records
        for c in MATCHER.rank_all(record.segments, Context())
        if c.entry.id == entry_id
    ]
    return not any(c.confident for c in shown)


ALONE = [t for t in TEXTS if _generic_alone(*t)]
TEXTS = [t for t in TEXTS if t not in ALONE]


@pytest.mark.parametrize(("entry_id", "kind", "text"), TEXTS)
def test_pattern_or_example_is_recognised_as_its_own_entry(engine, entry_id, kind, text):
    report = engine.explain(text)
    assert [f.entry.id for f in report.matches] == [entry_id]


@pytest.mark.parametrize(("entry_id", "kind", "text"), ALONE)
def test_generic_text_is_claimed_where_its_channel_is_named(engine, entry_id, kind, text):
    label = KB.settings.channels[KB.by_id[entry_id].channel][0]
    report = engine.explain(f"{label}: {text}")
    assert [f.entry.id for f in report.matches] == [entry_id]


@pytest.mark.parametrize(("entry_id", "kind", "text"), ALONE)
def test_generic_text_naming_no_channel_is_only_a_did_you_mean(engine, entry_id, kind, text):
    report = engine.explain(text)
    assert report.matches == ()
    assert report.candidates[0].entry.id == entry_id


@pytest.mark.parametrize(("entry_id", "text"), COUNTER)
def test_counter_example_is_not_claimed_by_its_entry(engine, entry_id, text):
    report = engine.explain(text)
    assert entry_id not in [f.entry.id for f in report.matches]


def test_bundled_knowledge_base_passes_its_self_test(engine):
    assert [str(p) for p in self_test(engine.kb, engine.matcher)] == []
