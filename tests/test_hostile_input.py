"""Whatever people paste, syncdoc answers: no exception, no hang, nothing unsafe echoed back.

Fixed cases go through the real `syncdoc explain` console command in a subprocess. Time limits
here are hang guards, generous against the measured times, not speed claims.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SYNCDOC = shutil.which("syncdoc", path=str(Path(sys.executable).parent)) or "syncdoc"
HANG_GUARD_SECONDS = 10


def explain(stdin: bytes, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "SYNCDOC_KB"}
    result = subprocess.run(
        [SYNCDOC, "explain", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=environment,
        timeout=HANG_GUARD_SECONDS,
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


NOT_RECOGNISED = {
    # Columns were split with a regex that took seconds per line of such spaces (now linear).
    "long runs of no-break spaces": ("A" + "\u00a0" * 19_998 + "A\n").encode() * 10,
}


@pytest.mark.parametrize("stdin", NOT_RECOGNISED.values(), ids=NOT_RECOGNISED.keys())
def test_hostile_paste_without_a_known_error_gets_a_plain_answer(stdin):
    code, out, err = explain(stdin)
    assert (code, err) == (1, "")
    assert out.startswith("No known Linnworks error recognised.")
    assert "\nVerdict: " in out
