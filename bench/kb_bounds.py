"""What a hostile knowledge base file costs to load: peak memory and time, each in a fresh process.

    python bench/kb_bounds.py               # every case, three runs each (about half a minute)
    python bench/kb_bounds.py --runs 1 --json figures.json

Each case is the shipped knowledge base plus one hostile file, loaded the two ways the bot loads:
`syncdoc lint --kb DIR` (the console command, as a maintainer runs it) and the live-reload path
(`KnowledgeWatcher.check()` until it has reported, in a child Python process serving the shipped
base). The figure is the child's peak resident memory (`ru_maxrss` from `wait4`) and its wall
time; the baseline is the same with no hostile file. Targets: the alias bomb costs < 100 MB and
every case ends with one `FILE:LINE` problem while the last good base keeps serving.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.kb_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from bot.knowledge import bundled_kb_path
from bot.testing.hostile_kb import ALIAS_BOMB
from bot.testing.process import syncdoc_executable

TARGET_MB = 100
TIME = shutil.which("time", path="/usr/bin:/bin") or "/usr/bin/time"


def cases() -> dict[str, bytes | None]:
    """Name -> the hostile file's bytes (None: the shipped base alone)."""
    flood = "- [" + "1," * (MAX_FILE_BYTES // 2 - 4) + "1]\n"
    return {
        "shipped base alone": None,
        f"alias bomb ({len(ALIAS_BOMB)} bytes, expands to gigabytes)": ALIAS_BOMB.encode(),
        f"one value per 2 bytes, just under {MAX_FILE_BYTES // 1024} kB": flood.encode(),
        f"nested {MAX_DEPTH + 1} deep": ("- fix: " + "[" * 21 + "]" * 21 + "\n").encode(),
        "nested 5,000 deep (past libyaml's limit)": ("- fix: " + "[" * 5000 + "]" * 5000).encode(),
        "a 50 MB file": b"# " + b"x" * 50_000_000 + b"\n",
        f"{MAX_NODES + 1:,} values": ("- [" + "1," * MAX_NODES + "1]\n").encode(),
    }


WATCH = """
import shutil
import sys
from bot.engine import Engine
from bot.reload import KnowledgeWatcher
engine = Engine.from_path(sys.argv[1])
reports = []
watcher = KnowledgeWatcher(engine, sys.argv[1], on_problems=reports.append)
if len(sys.argv) > 2:
    shutil.copyfile(sys.argv[3], sys.argv[2])
for _ in range(5):
    watcher.check()
print(len(engine.kb), len(reports), len(reports[0]) if reports else 0)
"""


def measure(command: list[str]) -> tuple[float, float, str]:
    """(peak RSS in MB, wall seconds, stdout) of one child process.

    GNU time runs it: Linux carries a process's peak RSS across fork and exec, so a child of this
    (large) process would report this process's peak, not its own."""
    started = time.monotonic()
    done = subprocess.run([TIME, "-f", "%M", *command], capture_output=True, timeout=600)
    seconds = time.monotonic() - started
    peak_kb = int(done.stderr.decode().strip().splitlines()[-1])
    return peak_kb / 1024, seconds, done.stdout.decode()


def run_case(name: str, content: bytes | None, work: Path) -> dict[str, Any]:
    folder = work / "kb"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(bundled_kb_path(), folder)
    hostile = work / "hostile.yaml"
    hostile.write_bytes(content or b"")
    if content is not None:
        shutil.copy(hostile, folder / "hostile.yaml")
    lint_mb, lint_s, lint_out = measure([syncdoc_executable(), "lint", "--kb", str(folder)])
    command = [sys.executable, "-c", WATCH, str(folder)]
    if content is not None:
        (folder / "hostile.yaml").unlink()
        command += [str(folder / "hostile.yaml"), str(hostile)]
    watch_mb, watch_s, watch_out = measure(command)
    serving, reports, problems = (int(n) for n in watch_out.split())
    return {
        "case": name,
        "lint_problems": [line[:160] for line in lint_out.splitlines()],
        "lint_peak_mb": lint_mb,
        "lint_seconds": lint_s,
        "reload_peak_mb": watch_mb,
        "reload_seconds": watch_s,
        "serving_after": serving,
        "reports": reports,
        "problems_reported": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="syncdoc-kb-bounds-") as tmp:
        for name, content in cases().items():
            runs = [run_case(name, content, Path(tmp)) for _ in range(args.runs)]
            worst = {
                key: max(r[key] for r in runs)
                for key in ("lint_peak_mb", "lint_seconds", "reload_peak_mb", "reload_seconds")
            }
            results.append({**runs[0], **worst, "runs": args.runs})

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {load[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; worst of {args.runs} run(s)\n"
    )
    print("| case | `syncdoc lint` peak MB | s | live reload peak MB | s | problems | serving |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for r in results:
        told = r["lint_problems"][0] if r["lint_problems"] else "clean"
        told = told.split(": ", 1)[-1] if r["lint_problems"] else told
        print(
            f"| {r['case']} | {r['lint_peak_mb']:.0f} | {r['lint_seconds']:.2f} "
            f"| {r['reload_peak_mb']:.0f} | {r['reload_seconds']:.2f} | {told} "
            f"| {r['serving_after']} |"
        )
    bomb = results[1]
    worst_mb = max(bomb["lint_peak_mb"], bomb["reload_peak_mb"])
    met = worst_mb < TARGET_MB and bomb["reports"] == 1 and bomb["problems_reported"] == 1
    print(
        f"\nalias bomb: peak {worst_mb:.0f} MB (target < {TARGET_MB} MB), reported "
        f"{bomb['reports']} time(s) with {bomb['problems_reported']} problem(s), "
        f"{bomb['serving_after']} entries still served: {'met' if met else 'NOT MET'}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
