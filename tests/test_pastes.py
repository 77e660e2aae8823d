"""Realistic pastes (tests/data/pastes.yaml) through the whole engine: what people really send."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

PASTES = yaml.safe_load((Path(__file__).parent / "data" / "pastes.yaml").read_text("utf-8"))


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
