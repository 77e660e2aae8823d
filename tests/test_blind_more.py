"""The second blind set (bench/blind-more.yaml, the 40 errors of issue 9) as a regression suite.

The set was opened only after those entries were written; its first-run figures are in the
README. Its known failures are listed here with the reason, as strict xfails: fixing one turns
its test red until it is removed from this list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import labelled_cases, load_yaml

DATA = load_yaml(Path(__file__).parents[1] / "bench" / "blind-more.yaml")

KNOWN_MISSES: dict[str, str] = {}
KNOWN_FALSE_CLAIMS: dict[str, str] = {}


@pytest.mark.parametrize(
    "case", labelled_cases(DATA["recognised"], KNOWN_MISSES, lambda c: f"{c['expect']}-{c['kind']}")
)
def test_blind_paste_is_recognised(engine, case):
    assert [f.entry.id for f in engine.explain(case["paste"]).matches] == [case["expect"]]


@pytest.mark.parametrize(
    "case", labelled_cases(DATA["not_recognised"], KNOWN_FALSE_CLAIMS, lambda c: c["system"][:40])
)
def test_blind_negative_is_not_claimed(engine, case):
    assert engine.explain(case["paste"]).matches == ()
