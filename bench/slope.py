"""Time per paste through the real command, `syncdoc explain --jsonl`, with start-up cancelled out.

    python bench/slope.py [--size 10000] [--counts 600,3000] [--write docs/benchmarks.md]

Each method runs as a whole process over the first 600 pastes and over the first 3,000 of the
same set; (time for 3,000 - time for 600) / 2,400 is the time one more paste costs, with process
start, imports and loading the same in both runs and so gone from the difference. Each run is
repeated and keeps its fastest time, since other work on a shared machine only ever adds time.
The naive baseline is `bench/naive_jsonl.py`: the same JSON lines in and out, answered with
rapidfuzz's `extractOne` (WRatio) over every canonical pattern. `--profile FILE` writes cProfile
statistics of the same paste loop run in process, to see where syncdoc's time per paste goes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import synth
from pastes import make_pastes
from run import MARK_END, machine_description

HERE = Path(__file__).resolve().parent
MARK_START = "<!-- slope:start -->"
SLOPE_MARK_END = "<!-- slope:end -->"
METHODS = {
    "syncdoc": "`syncdoc explain --jsonl`",
    "naive": "naive `extractOne` (WRatio), same JSON lines in and out",
}


@dataclass(frozen=True)
class Slope:
    method: str
    seconds: dict[int, float]  # Fastest wall-clock time of a whole run, by number of pastes.
    cpu: dict[int, float]  # Least CPU time (user + system) of a whole run.

    def per_paste(self, counts: Sequence[int], *, cpu: bool = False) -> float:
        times = self.cpu if cpu else self.seconds
        low, high = min(counts), max(counts)
        return (times[high] - times[low]) / (high - low)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    counts = sorted(int(c) for c in args.counts.split(","))
    methods = [m.strip() for m in args.methods.split(",")]
    machine = machine_description()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="syncdoc-slope-") as tmp:
        root = Path(tmp)
        _, real = synth.real_entries_source(args.real_kb)
        built, sources = synth.build_base(root / "kb", args.size, real, args.seed)
        pastes = make_pastes(sources, max(counts), args.seed)
        inputs = {}
        for count in counts:
            inputs[count] = root / f"pastes-{count}.jsonl"
            inputs[count].write_text(
                "".join(json.dumps({"text": p.text}) + "\n" for p in pastes[:count]),
                encoding="utf-8",
            )
        env = {**os.environ, "SYNCDOC_CACHE_DIR": str(root / "cache")}
        print(f"# {built.synthetic} + {built.real} entries, {built.patterns} patterns", flush=True)
        if args.profile:
            profile(built.path, inputs[max(counts)], args.profile)
        slopes = [measure(method, built.path, inputs, args.repeat, env) for method in methods]
    machine["load_after"] = "/".join(f"{x:.1f}" for x in os.getloadavg())
    distinct = len({p.text for p in pastes})
    markdown = render(slopes, counts, built, distinct, machine, args, time.perf_counter() - started)
    print(markdown)
    if args.write:
        write_section(args.write, markdown)
    return 0


def command(method: str, kb: Path) -> list[str]:
    if method == "syncdoc":
        return [sys.executable, "-m", "bot", "explain", "--jsonl", "--kb", str(kb)]
    return [sys.executable, str(HERE / "naive_jsonl.py"), str(kb)]


def measure(
    method: str, kb: Path, inputs: dict[int, Path], repeat: int, env: dict[str, str]
) -> Slope:
    # One run first, untimed: it fills the load cache and the OS's file cache for all the rest.
    _run(command(method, kb), inputs[min(inputs)], env)
    best: dict[int, float] = {}
    best_cpu: dict[int, float] = {}
    for _ in range(repeat):
        for count, file in inputs.items():
            seconds, cpu = _run(command(method, kb), file, env)
            best[count] = min(best.get(count, seconds), seconds)
            best_cpu[count] = min(best_cpu.get(count, cpu), cpu)
            print(f"#   {method} {count} pastes: {seconds:.2f} s, CPU {cpu:.2f} s", flush=True)
    return Slope(method, best, best_cpu)


def _run(argv: list[str], stdin: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one whole run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with stdin.open("rb") as source:
        started = time.perf_counter()
        done = subprocess.run(argv, stdin=source, capture_output=True, env=env, check=False)
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: nothing recognised in the whole batch.
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def profile(kb: Path, pastes: Path, out: Path) -> None:
    """cProfile of the --jsonl loop in this process, printed and written to `out`."""
    import cProfile
    import io
    import pstats

    from bot.cli import _explain_jsonl
    from bot.engine import Engine

    engine = Engine.from_path(kb)
    sink = io.StringIO()
    profiler = cProfile.Profile()
    stdout, sys.stdout = sys.stdout, sink
    try:
        with pastes.open(encoding="utf-8") as stdin:
            profiler.runcall(_explain_jsonl, engine, stdin)
    finally:
        sys.stdout = stdout
    profiler.dump_stats(out)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)


def render(
    slopes: list[Slope],
    counts: list[int],
    built: synth.BuiltBase,
    distinct: int,
    machine: dict[str, object],
    args: argparse.Namespace,
    elapsed: float,
) -> str:
    by_method = {s.method: s for s in slopes}
    naive = by_method.get("naive")
    low, high = min(counts), max(counts)
    lines = [
        MARK_START,
        "<!-- Generated by bench/slope.py; edit the text around this block, not inside it. -->",
        "",
        f"Run on {machine['date']}: {machine['cpu']}, {machine['nproc']} cores, Python "
        f"{machine['python']}, rapidfuzz {machine['rapidfuzz']}. Load average "
        f"{machine['load_before']} before and {machine['load_after']} after (other work shared "
        f"the machine when above zero). Whole run: {elapsed / 60:.1f} min.",
        "",
        "```",
        f"python bench/slope.py --size {args.size} --counts {args.counts} --repeat {args.repeat}",
        "```",
        "",
        f"{built.synthetic:,} synthetic + {built.real} real entries ({built.patterns:,} patterns); "
        f"the first {high:,} pastes of the seeded set ({distinct:,} different texts), the first "
        f"{low:,} of them for the shorter run; each run's fastest of {args.repeat}.",
        "",
        f"| method | {low:,} pastes s | {high:,} pastes s | per paste ms (slope) "
        "| speed-up vs naive | CPU per paste ms (slope) | speed-up on CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for slope in slopes:
        cells = []
        for cpu in (False, True):
            per = slope.per_paste(counts, cpu=cpu)
            ratio = "1x" if slope is naive else "-"
            if naive is not None and slope is not naive and per > 0:
                ratio = f"{naive.per_paste(counts, cpu=cpu) / per:.1f}x"
            cells += [f"{per * 1000:.2f}", ratio]
        lines.append(
            f"| {METHODS[slope.method]} | {slope.seconds[low]:.2f} | {slope.seconds[high]:.2f} "
            f"| {' | '.join(cells)} |"
        )
    lines += ["", SLOPE_MARK_END]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace this script's block of `path` (or add it after bench/run.py's), keeping the rest."""
    text = path.read_text(encoding="utf-8")
    if MARK_START in text and SLOPE_MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        text = before + section + rest.split(SLOPE_MARK_END, 1)[1]
    elif MARK_END in text:
        before, after = text.split(MARK_END, 1)
        text = before + MARK_END + "\n\n" + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="synthetic entries")
    parser.add_argument("--counts", default="600,3000", help="the two numbers of pastes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--real-kb", type=Path, help="knowledge base folder with the real entries")
    parser.add_argument("--write", type=Path, help="markdown file whose slope block to update")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of syncdoc's loop")
    return parser


if __name__ == "__main__":
    sys.exit(main())
