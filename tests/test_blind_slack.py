"""The blind Slack-style sets of issue 8 as regression suites: bench/blind-slack.yaml (session 2)
and bench/blind-slack-3.yaml (session 3).

Each set was written without reading the matcher or the knowledge base (the third also without
the earlier sets); their first-run figures are in the README. What they still get wrong is listed
here with the reason, as strict xfails: fixing one turns its test red until it is removed from
this list.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from accuracy import load_cases, log_checks  # noqa: E402

SETS = {"set1": "blind-slack.yaml", "set3": "blind-slack-3.yaml"}
DATA = {name: load_cases(BENCH / file) for name, file in SETS.items()}

# Nothing of either set is still wrong; a new miss is listed here with its reason.
KNOWN_MISSES: dict[str, str] = {}
KNOWN_FALSE_CLAIMS: dict[str, str] = {}
KNOWN_WRONG_LOGS: dict[str, str] = {}


def _cases(
    section: str, known: dict[str, str], name_of: Callable[[dict[str, Any]], str]
) -> list[Any]:
    return [
        pytest.param(
            case,
            marks=[
                pytest.mark.xfail(reason=why, strict=True)
                for key, why in known.items()
                if key in case["paste"]
            ],
            id=f"{name}-{name_of(case)}"[:70],
        )
        for name, data in DATA.items()
        for case in data[section]
    ]


@pytest.mark.parametrize(
    "case", _cases("recognised", KNOWN_MISSES, lambda c: f"{c['expect']}-{c['kind']}")
)
def test_blind_slack_paste_is_answered_with_its_entry(engine, case):
    assert [f.entry.id for f in engine.explain(case["paste"]).matches] == [case["expect"]]


@pytest.mark.parametrize(
    "case", _cases("not_recognised", KNOWN_FALSE_CLAIMS, lambda c: f"{c['kind']}-{c['system']}")
)
def test_blind_slack_other_systems_text_is_not_claimed(engine, case):
    assert engine.explain(case["paste"]).matches == ()


@pytest.mark.parametrize("case", _cases("logs", KNOWN_WRONG_LOGS, lambda c: c["expect"] or "none"))
def test_blind_slack_log_is_judged_by_its_runs_and_ratio(engine, case):
    report = engine.explain(case["paste"])
    assert [name for name, ok in log_checks(report, case) if not ok] == []
