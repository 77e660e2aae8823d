"""Every paste of every labelled set as JSON lines (`{"text": ...}`) for `syncdoc explain --jsonl`;
with `--sets`, the sets' paths.

Its output holds each whole answer (ids, scores, triage), so two trees that give byte-identical
output answer every paste alike: the check a change meant only for speed must pass
(`bench/answers.sh`).
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

SETS = [
    "tests/data/pastes.yaml",
    "bench/heldout.yaml",
    "bench/blind-slack.yaml",
    *(f"bench/blind-slack-{n}.yaml" for n in range(3, 10)),
    "bench/blind-more.yaml",
    "bench/probes-matcher.yaml",
    "bench/probes-general.yaml",
]


def pastes_in(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("paste"), str):
            yield node["paste"]
        for value in node.values():
            yield from pastes_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from pastes_in(value)


def main() -> None:
    if sys.argv[1:] == ["--sets"]:  # The sets' paths, for bench/answers.sh's accuracy run.
        print(" ".join(SETS))
        return
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    count = 0
    for name in SETS:
        text = (root / name).read_text(encoding="utf-8")
        for document in yaml.load_all(text, Loader=yaml.CSafeLoader):  # SafeLoader, in C
            for paste in pastes_in(document):
                print(json.dumps({"text": paste}, ensure_ascii=False))
                count += 1
    print(f"{count} pastes", file=sys.stderr)


if __name__ == "__main__":
    main()
