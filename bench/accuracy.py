"""Recognition accuracy of `syncdoc explain` on labelled paste sets (run by hand).

    python bench/accuracy.py [FILE.yaml ...]

Each file has `recognised` (paste + expected entry id) and `not_recognised` (pastes that must not
be claimed). Default: bench/heldout.yaml (written blind, without reading the matcher or the
knowledge base) and tests/data/pastes.yaml. Prints, per file: recognised as the right entry,
claimed as a wrong entry, missed, and false claims on the negatives, with each failure listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bot.engine import Engine
from bot.knowledge import bundled_kb_path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [ROOT / "bench" / "heldout.yaml", ROOT / "tests" / "data" / "pastes.yaml"]


def evaluate(engine: Engine, path: Path) -> dict[str, int]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    right = wrong = missed = false_claims = 0
    for case in data["recognised"]:
        ids = [f.entry.id for f in engine.explain(case["paste"]).matches]
        if ids == [case["expect"]]:
            right += 1
            continue
        if ids:
            wrong += 1
        else:
            missed += 1
        print(f"  {'wrong ' if ids else 'missed'} {case['expect']}: got {ids} for {_short(case)}")
    negatives = data["not_recognised"]
    for case in negatives:
        text = case["paste"] if isinstance(case, dict) else case
        ids = [f.entry.id for f in engine.explain(text).matches]
        if ids:
            false_claims += 1
            print(f"  false claim {ids} for {text[:100]!r}")
    return {
        "pastes": len(data["recognised"]),
        "right": right,
        "wrong": wrong,
        "missed": missed,
        "negatives": len(negatives),
        "false_claims": false_claims,
    }


def _short(case: dict[str, str]) -> str:
    return repr(" ".join(case["paste"].split())[:100])


def main(argv: list[str]) -> int:
    engine = Engine.from_path(bundled_kb_path())
    for path in [Path(a) for a in argv] or DEFAULT_FILES:
        print(f"{path}:")
        r = evaluate(engine, path)
        print(
            f"  recognised {r['right']}/{r['pastes']} ({100 * r['right'] / r['pastes']:.1f}%), "
            f"wrong entry {r['wrong']}, missed {r['missed']}; "
            f"false claims {r['false_claims']}/{r['negatives']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
