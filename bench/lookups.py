"""How well `syncdoc search` finds errors by words, on a labelled lookup set (run by hand).

    python bench/lookups.py [FILE.yaml ...]

The file has `lookups` (query + expected entry id) and `uncovered` (queries about things the
knowledge base does not cover, which must find nothing). Default: bench/lookups.yaml, written
blind (from the entries' titles only, without reading the search code or the knowledge YAML);
tests/data/lookups-dev.yaml and lookups-dev-2.yaml are development sets (not blind).
Prints top-1, right entry in the top 3, and uncovered lookups that found nothing, with every
failure listed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.engine import Engine
from bot.knowledge import bundled_kb_path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "bench" / "lookups.yaml"


@dataclass(frozen=True)
class Figures:
    lookups: int
    top1: int
    top3: int
    uncovered: int
    found_nothing: int


def evaluate(engine: Engine, path: Path, *, show: bool = True) -> Figures:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    top1 = top3 = 0
    for case in data["lookups"]:
        found = [hit.entry.id for hit in engine.search(case["query"])]
        top1 += found[:1] == [case["expect"]]
        top3 += case["expect"] in found[:3]
        if show and found[:1] != [case["expect"]]:
            where = f"#{found.index(case['expect']) + 1}" if case["expect"] in found else "absent"
            print(f"  {where:6} {case['expect']}: got {found[:3]} for {case['query']!r}")
    nothing = 0
    for case in data["uncovered"]:
        found = [hit.entry.id for hit in engine.search(case["query"])]
        nothing += not found
        if show and found:
            print(f"  found  {found[:3]} for uncovered {case['query']!r}")
    return Figures(len(data["lookups"]), top1, top3, len(data["uncovered"]), nothing)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/lookups.py",
        description="How well `syncdoc search` finds errors, on labelled lookup sets.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        default=[DEFAULT_FILE],
        metavar="FILE.yaml",
        help="lookup sets (`lookups` with `query` and `expect`, `uncovered` with `query`); "
        "default: bench/lookups.yaml",
    )
    args = parser.parse_args(argv)
    engine = Engine.from_path(bundled_kb_path())
    for path in args.files:
        print(f"{path}:")
        f = evaluate(engine, path)
        print(
            f"  top-1 {f.top1}/{f.lookups} ({100 * f.top1 / f.lookups:.1f}%), "
            f"top-3 {f.top3}/{f.lookups} ({100 * f.top3 / f.lookups:.1f}%), "
            f"uncovered found nothing {f.found_nothing}/{f.uncovered} "
            f"({100 * f.found_nothing / f.uncovered:.1f}%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
