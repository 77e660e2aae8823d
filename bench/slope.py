"""Time per paste through the real command, `syncdoc explain --jsonl`, with start-up cancelled out.

    python bench/slope.py [--size 10000] [--counts 600,3000] [--write docs/benchmarks.md]

Each method runs as a whole process over the first 600 pastes and over the first 3,000 of the
same set; (time for 3,000 - time for 600) / 2,400 is the time one more paste costs, with process
start, imports and loading the same in both runs and so gone from the difference. Each run is
repeated and keeps its fastest time, since other work on a shared machine only ever adds time;
CPU time (user + system) is given beside the wall-clock time, as it suffers less from that work.
The naive baseline is `bench/naive_jsonl.py`: the same JSON lines in and out, answered with
rapidfuzz's `extractOne` (WRatio) over every canonical pattern. At about 0.1 s a paste, 3,000 of
them would take it most of an hour on two busy cores, so its slope is taken between 600 and 1,200
of the same pastes (`--naive-counts`). `--compare DIR` also runs syncdoc from another source tree
(`git archive main | tar -x -C DIR`), for a before and after in the same run. `--profile FILE`
writes cProfile statistics of the same paste loop run in process.
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
from dataclasses import dataclass
from pathlib import Path

import synth
from pastes import make_pastes
from run import MARK_END, machine_description, write_section

HERE = Path(__file__).resolve().parent
MARK_START = "<!-- slope:start -->"
SLOPE_MARK_END = "<!-- slope:end -->"
NAIVE = "naive `extractOne` (WRatio), same JSON lines in and out"


@dataclass(frozen=True)
class Method:
    """One way of answering a JSON lines file of pastes, run as a whole process."""

    label: str
    argv: tuple[str, ...]
    counts: tuple[int, ...]
    pythonpath: str | None = None


@dataclass(frozen=True)
class Slope:
    method: Method
    seconds: dict[int, float]  # Fastest wall-clock time of a whole run, by number of pastes.
    cpu: dict[int, float]  # Least CPU time (user + system) of a whole run.

    def per_paste(self, *, cpu: bool = False) -> float:
        times = self.cpu if cpu else self.seconds
        low, high = min(self.method.counts), max(self.method.counts)
        return (times[high] - times[low]) / (high - low)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    machine = machine_description()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="syncdoc-slope-") as tmp:
        root = Path(tmp)
        _, real = synth.real_entries_source(args.real_kb)
        built, sources = synth.build_base(root / "kb", args.size, real, args.seed)
        methods = _methods(args, built.path)
        counts = sorted({c for m in methods for c in m.counts})
        pastes = make_pastes(sources, max(counts), args.seed)
        inputs = {}
        for count in counts:
            inputs[count] = root / f"pastes-{count}.jsonl"
            inputs[count].write_text(
                "".join(json.dumps({"text": p.text}) + "\n" for p in pastes[:count]),
                encoding="utf-8",
            )
        print(f"# {built.synthetic} + {built.real} entries, {built.patterns} patterns", flush=True)
        if args.profile:
            profile(built.path, inputs[max(counts)], args.profile)
        slopes = []
        for number, method in enumerate(methods):
            env = {**os.environ, "SYNCDOC_CACHE_DIR": str(root / f"cache-{number}")}
            if method.pythonpath:
                env["PYTHONPATH"] = method.pythonpath
            slopes.append(measure(method, inputs, args.repeat, env))
    machine["load_after"] = "/".join(f"{x:.1f}" for x in os.getloadavg())
    distinct = len({p.text for p in pastes})
    markdown = render(slopes, built, distinct, machine, args, time.perf_counter() - started)
    print(markdown)
    if args.write:
        write_section(args.write, markdown, start=MARK_START, end=SLOPE_MARK_END, after=MARK_END)
    return 0


def _methods(args: argparse.Namespace, kb: Path) -> list[Method]:
    counts = tuple(sorted(int(c) for c in args.counts.split(",")))
    syncdoc = (sys.executable, "-m", "bot", "explain", "--jsonl", "--kb", str(kb))
    methods = [Method("`syncdoc explain --jsonl`", syncdoc, counts)]
    for tree in args.compare or ():
        label = f"`syncdoc explain --jsonl` as in `{tree.name}`"
        methods.append(Method(label, syncdoc, counts, str(tree.resolve())))
    if args.naive_counts != "0":
        naive_counts = tuple(sorted(int(c) for c in args.naive_counts.split(",")))
        naive = (sys.executable, str(HERE / "naive_jsonl.py"), str(kb))
        methods.append(Method(NAIVE, naive, naive_counts))
    return methods


def measure(method: Method, inputs: dict[int, Path], repeat: int, env: dict[str, str]) -> Slope:
    # One run first, untimed: it fills the load cache (the search index's too, which the first
    # "did you mean" builds) and the OS's file cache.
    _run(method.argv, inputs[min(method.counts)], env)
    best: dict[int, float] = {}
    best_cpu: dict[int, float] = {}
    for _ in range(repeat):
        for count in method.counts:
            seconds, cpu = _run(method.argv, inputs[count], env)
            best[count] = min(best.get(count, seconds), seconds)
            best_cpu[count] = min(best_cpu.get(count, cpu), cpu)
            print(f"#   {method.label} {count}: {seconds:.2f} s, CPU {cpu:.2f} s", flush=True)
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
    built: synth.BuiltBase,
    distinct: int,
    machine: dict[str, object],
    args: argparse.Namespace,
    elapsed: float,
) -> str:
    naive = next((s for s in slopes if s.method.label == NAIVE), None)
    high = max(c for s in slopes for c in s.method.counts)
    command = f"python bench/slope.py --size {args.size} --counts {args.counts}"
    command += f" --naive-counts {args.naive_counts} --repeat {args.repeat}"
    command += "".join(f" --compare {tree}" for tree in args.compare or ())
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
        command,
        "```",
        "",
        f"{built.synthetic:,} synthetic + {built.real} real entries ({built.patterns:,} patterns); "
        f"the first N pastes of one seeded set of {high:,} ({distinct:,} different texts); each "
        f"run's fastest of {args.repeat}.",
        "",
        "| method | pastes | whole runs s | per paste ms (slope) | speed-up vs naive "
        "| CPU: whole runs s | CPU per paste ms (slope) | speed-up on CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for slope in slopes:
        counts = " / ".join(f"{c:,}" for c in slope.method.counts)
        cells = [counts]
        for cpu in (False, True):
            times = slope.cpu if cpu else slope.seconds
            per = slope.per_paste(cpu=cpu)
            ratio = "1x" if slope is naive else "-"
            if naive is not None and slope is not naive and per > 0:
                ratio = f"{naive.per_paste(cpu=cpu) / per:.1f}x"
            whole = " / ".join(f"{times[c]:.2f}" for c in slope.method.counts)
            cells += [whole, f"{per * 1000:.2f}", ratio]
        lines.append(f"| {slope.method.label} | {' | '.join(cells)} |")
    lines += ["", SLOPE_MARK_END]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="synthetic entries")
    parser.add_argument("--counts", default="600,3000", help="syncdoc's two numbers of pastes")
    parser.add_argument(
        "--naive-counts",
        default="600,1200",
        help="the naive baseline's (0: do not run it); it takes about 0.1 s a paste here",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument(
        "--compare",
        type=Path,
        action="append",
        help="also run syncdoc from this source tree (e.g. `git archive main` unpacked)",
    )
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--real-kb", type=Path, help="knowledge base folder with the real entries")
    parser.add_argument("--write", type=Path, help="markdown file whose slope block to update")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of syncdoc's loop")
    return parser


if __name__ == "__main__":
    sys.exit(main())
