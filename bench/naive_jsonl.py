"""The naive baseline as a command: `syncdoc explain --jsonl`'s input and output, answered by
rapidfuzz's `extractOne` (WRatio) over every canonical pattern of the knowledge base.

    python bench/naive_jsonl.py KB_DIR < pastes.jsonl

It loads the base with syncdoc's own loader (so start-up is alike) and prints one JSON object per
line, `{"match": ID or null}`, so its output costs about what syncdoc's does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from worker import setup_baseline


def main(argv: list[str]) -> int:
    answer, _ = setup_baseline("extractone-wratio", Path(argv[0]))
    for line in sys.stdin:
        if line.strip():
            print(json.dumps({"match": answer(json.loads(line)["text"])}), flush=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
