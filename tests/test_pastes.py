"""Realistic pastes (tests/data/pastes.yaml) through the whole engine: what people really send."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import load_yaml

PASTES = load_yaml(Path(__file__).parent / "data" / "pastes.yaml")


@pytest.mark.parametrize(
    "case", PASTES["recognised"], ids=[c["expect"] for c in PASTES["recognised"]]
)
def test_realistic_paste_is_recognised_as_its_error(engine, case):
    report = engine.explain(case["paste"])
    assert [f.entry.id for f in report.matches] == [case["expect"]]


@pytest.mark.parametrize("paste", PASTES["not_recognised"])
def test_chat_and_other_systems_errors_are_not_claimed(engine, paste):
    report = engine.explain(paste)
    assert report.matches == ()
