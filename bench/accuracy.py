"""Recognition accuracy of `syncdoc explain` on labelled paste sets (run by hand).

    python bench/accuracy.py [FILE.yaml ...]

A file holds one or more YAML documents, each with any of three sections:

- `recognised`: pastes with the entry they must be answered with (`expect`);
- `not_recognised`: pastes that must not be claimed (chat, other systems' errors);
- `logs`: sync logs with the entry they show (`expect`, or null), how many `failures` and
  `successes` they hold, the `longest_run` of failures with no success between, and whether a
  person must act (`worrying`).

Default: bench/heldout.yaml (written blind, without reading the matcher or the knowledge base),
bench/blind-slack.yaml (the same, written the way people write in Slack) and
tests/data/pastes.yaml. Prints, per file and section, what was right with each failure listed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.engine import Engine
from bot.kb_yaml import SafeLoader
from bot.knowledge import bundled_kb_path
from bot.triage import Report, failure_ratio

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [
    ROOT / "bench" / "heldout.yaml",
    ROOT / "bench" / "blind-slack.yaml",
    ROOT / "tests" / "data" / "pastes.yaml",
]
LOG_CHECKS = ("entry", "failures", "successes", "longest_run", "worrying", "ratio")


def load_cases(path: Path) -> dict[str, list[Any]]:
    """Every document's sections of `path`, concatenated section by section."""
    cases: dict[str, list[Any]] = {"recognised": [], "not_recognised": [], "logs": []}
    # libyaml's parser when there is one: the test suite's workers each read these files.
    for document in yaml.load_all(path.read_text(encoding="utf-8"), Loader=SafeLoader):
        for section, items in (document or {}).items():
            cases.setdefault(section, []).extend(items or [])
    return cases


def ids(report: Report) -> list[str]:
    return [f.entry.id for f in report.matches]


def evaluate(engine: Engine, path: Path) -> dict[str, int]:
    cases = load_cases(path)
    right = wrong = missed = false_claims = 0
    for case in cases["recognised"]:
        got = ids(engine.explain(case["paste"]))
        if got == [case["expect"]]:
            right += 1
            continue
        if got:
            wrong += 1
        else:
            missed += 1
        print(f"  {'wrong ' if got else 'missed'} {case['expect']}: got {got} for {_short(case)}")
    negatives = cases["not_recognised"]
    for case in negatives:
        text = case["paste"] if isinstance(case, dict) else case
        got = ids(engine.explain(text))
        if got:
            false_claims += 1
            system = f" ({case['system']})" if isinstance(case, dict) and "system" in case else ""
            print(f"  false claim {got}{system} for {_short({'paste': text})}")
    result = {
        "pastes": len(cases["recognised"]),
        "right": right,
        "wrong": wrong,
        "missed": missed,
        "negatives": len(negatives),
        "false_claims": false_claims,
        "logs": len(cases["logs"]),
    }
    result.update(evaluate_logs(engine, cases["logs"]))
    return result


def evaluate_logs(engine: Engine, logs: list[dict[str, Any]]) -> dict[str, int]:
    """Per check, how many logs got it right; a log is right when every check is."""
    counts = dict.fromkeys(("logs_right", "with_successes", *LOG_CHECKS), 0)
    for case in logs:
        report = engine.explain(case["paste"])
        checks = dict(log_checks(report, case))
        counts["with_successes"] += case["successes"] > 0
        for name, ok in checks.items():
            counts[name] += ok
        if all(checks.values()):
            counts["logs_right"] += 1
            continue
        wrong = ", ".join(name for name, ok in checks.items() if not ok)
        print(
            f"  log {case['expect']}: {wrong} wrong (got {ids(report)}, failures "
            f"{report.failures}/{case['failures']}, successes {report.successes}/"
            f"{case['successes']}, run {_run(report, case)}/{case['longest_run']}, worrying "
            f"{report.worrying}/{case['worrying']}) for {_short(case)}"
        )
    return counts


def log_checks(report: Report, case: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    expect = case["expect"]
    yield "entry", ids(report) == ([expect] if expect else [])
    yield "failures", report.failures == case["failures"]
    yield "successes", report.successes == case["successes"]
    yield "longest_run", _run(report, case) == case["longest_run"]
    yield "worrying", report.worrying == bool(case["worrying"])
    # A log with successes is judged by its failure ratio, which the verdict must give.
    ratio = failure_ratio(report.failures, report.successes)
    yield "ratio", not case["successes"] or bool(ratio and ratio in report.verdict)


def _run(report: Report, case: dict[str, Any]) -> int:
    found = [f.longest_run for f in report.matches if f.entry.id == case["expect"]]
    return found[0] if found else 0


def _short(case: dict[str, Any]) -> str:
    return repr(" ".join(case["paste"].split())[:100])


def main(argv: list[str]) -> int:
    engine = Engine.from_path(bundled_kb_path())
    for path in [Path(a) for a in argv] or [p for p in DEFAULT_FILES if p.exists()]:
        print(f"{path}:")
        r = evaluate(engine, path)
        if r["pastes"]:
            print(
                f"  recognised {r['right']}/{r['pastes']} ({100 * r['right'] / r['pastes']:.1f}%),"
                f" wrong entry {r['wrong']}, missed {r['missed']}; "
                f"false claims {r['false_claims']}/{r['negatives']}"
            )
        if r["logs"]:
            checks = ", ".join(f"{name} {r[name]}" for name in LOG_CHECKS)
            print(
                f"  logs right in every check {r['logs_right']}/{r['logs']} "
                f"({r['with_successes']} with successes); per check: {checks}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
