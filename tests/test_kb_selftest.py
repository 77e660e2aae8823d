"""The bundled knowledge base tests itself: every pattern and example, one test each."""

from __future__ import annotations

import pytest

from bot.knowledge import bundled_kb_path, load_knowledge_base
from bot.lint import self_test

KB = load_knowledge_base(bundled_kb_path())
TEXTS = [(e.id, kind, t) for e in KB for kind in ("patterns", "examples") for t in getattr(e, kind)]
COUNTER = [(e.id, t) for e in KB for t in e.counter_examples]


@pytest.mark.parametrize(("entry_id", "kind", "text"), TEXTS)
def test_pattern_or_example_is_recognised_as_its_own_entry(engine, entry_id, kind, text):
    report = engine.explain(text)
    assert [f.entry.id for f in report.matches] == [entry_id]


@pytest.mark.parametrize(("entry_id", "text"), COUNTER)
def test_counter_example_is_not_claimed_by_its_entry(engine, entry_id, text):
    report = engine.explain(text)
    assert entry_id not in [f.entry.id for f in report.matches]


def test_bundled_knowledge_base_passes_its_self_test(engine):
    assert [str(p) for p in self_test(engine.kb, engine.matcher)] == []
