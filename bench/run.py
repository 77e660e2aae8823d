"""Benchmark syncdoc against naive rapidfuzz extractOne and difflib, on synthetic bases.

    python bench/run.py [--sizes 100,1000,10000] [--pastes N] [--write docs/benchmarks.md]

For each size it writes a knowledge base folder (synthetic entries plus the real ones), then runs
each method in a fresh process on the same pastes: start-up (imports, load, validation, index),
time per paste, peak RSS, and how often the answer was right. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import synth
from pastes import KINDS, Paste, make_pastes, stratified_order

HERE = Path(__file__).resolve().parent
BASELINE = "extractone-wratio"
METHOD_LABELS = {
    "syncdoc": "syncdoc `Engine.explain`",
    "extractone-wratio": "naive `extractOne` (WRatio)",
    "extractone-partial": "naive `extractOne` (partial_ratio)",
    "difflib": "difflib `get_close_matches`",
}
TARGET_SPEEDUP, TARGET_STARTUP_S, TARGET_PEAK_MB, TARGET_SIZE = 20.0, 5.0, 300.0, 10_000
TARGET_WARM_S, TARGET_COLD_S = 1.5, 6.0
STARTUP_KINDS = {
    "none": "syncdoc, no load cache",
    "cold": "syncdoc, cache empty (load, index, write the cache)",
    "warm": "syncdoc, cache written by an earlier start (read it back)",
    "naive": "naive `extractOne` (load, canonicalise the patterns)",
}
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass(frozen=True)
class Outcome:
    """One method at one size: its figures, and its answers to the pastes it was given."""

    method: str
    size: int
    startup_s: float
    load_s: float
    peak_mb: float
    loaded_mb: float
    wall: dict[int, float]
    cpu: dict[int, float]
    claimed: dict[int, str | None]
    extra: dict[str, float]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    methods = [m.strip() for m in args.methods.split(",")]
    started = time.perf_counter()
    machine = machine_description()
    print(f"# {machine['cpu']} x{machine['nproc']}, Python {machine['python']}", file=sys.stderr)

    source, real = synth.real_entries_source(args.real_kb)
    outcomes: list[Outcome] = []
    startups: dict[int, dict[str, tuple[float, float]]] = {}
    bases: dict[int, synth.BuiltBase] = {}
    with tempfile.TemporaryDirectory(prefix="syncdoc-bench-") as tmp:
        root = Path(tmp)
        paste_file = root / "pastes.json"
        paste_set: list[Paste] = []
        for size in sorted(sizes):
            built, sources = synth.build_base(root / f"kb-{size}", size, real, args.seed)
            bases[size] = built
            if not paste_set:  # From the smallest base: every larger base has the same answers.
                paste_set = make_pastes(sources, args.pastes, args.seed)
                order = stratified_order(paste_set)
                paste_file.write_text(
                    json.dumps({"pastes": [p.to_json() for p in paste_set], "order": order}),
                    encoding="utf-8",
                )
            print(
                f"# {size}: {built.synthetic} synthetic + {built.real} real entries, "
                f"{built.patterns} patterns, {built.files} files",
                file=sys.stderr,
            )
            for method in methods:
                budget = args.difflib_budget if method == "difflib" else 0.0
                profile = None
                if args.profile and method == "syncdoc":
                    profile = args.profile / f"syncdoc-{size}.prof"
                    args.profile.mkdir(parents=True, exist_ok=True)
                repeat = 1 if method == "difflib" else args.repeat
                outcome = run_worker(method, size, built.path, paste_file, budget, repeat, profile)
                outcomes.append(outcome)
                print(f"#   {_progress_line(outcome, paste_set)}", file=sys.stderr)
            if "syncdoc" in methods and args.startup_repeat:
                startups[size] = startup_kinds(
                    built.path, paste_file, root / f"cache-{size}", args.startup_repeat
                )
                print(f"#   start-up (wall s, CPU s): {startups[size]}", file=sys.stderr)

    machine["load_after"] = _loadavg()
    real_words = synth.distinct_words(p for item in real for p in item["patterns"])
    elapsed = time.perf_counter() - started
    markdown = render(outcomes, paste_set, bases, machine, source, real_words, args, elapsed)
    if startups:
        body, end = markdown.rsplit(MARK_END, 1)
        markdown = body + "\n".join([*_startup_table(startups, bases), "", MARK_END]) + end
    print(markdown)
    if args.misses:
        write_misses(args.misses, outcomes, paste_set)
    if args.write:
        write_section(args.write, markdown)
        print(f"# figures written to {args.write}", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="synthetic entries per base")
    parser.add_argument("--pastes", type=int, default=300, help="pastes in the set (default 300)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="passes over the pastes; each paste's best time counts (difflib: one pass)",
    )
    parser.add_argument(
        "--methods", default=",".join(METHOD_LABELS), help="comma-separated subset to run"
    )
    parser.add_argument(
        "--difflib-budget",
        type=float,
        default=40.0,
        help="seconds of pastes difflib gets per size; it takes the set in interleaved order",
    )
    parser.add_argument("--real-kb", type=Path, help="knowledge base folder with the real entries")
    parser.add_argument("--write", type=Path, help="markdown file whose figures section to update")
    parser.add_argument("--profile", type=Path, help="folder for cProfile stats of syncdoc pastes")
    parser.add_argument(
        "--misses", type=Path, help="JSON lines file of every paste a method got wrong, to study"
    )
    parser.add_argument(
        "--startup-repeat",
        type=int,
        default=3,
        help="start-up-only runs of each kind (no cache, cold, warm, naive); 0 skips them",
    )
    return parser


def startup_kinds(
    kb: Path, paste_file: Path, cache: Path, repeat: int
) -> dict[str, tuple[float, float]]:
    """Best (wall-clock, CPU) start-up of `repeat` fresh processes of each kind."""
    best: dict[str, tuple[float, float]] = {}
    for attempt in range(repeat):
        folder = cache / f"run-{attempt}"
        kinds = {
            "none": ["syncdoc"],
            "cold": ["syncdoc", "--cache", str(folder)],
            "warm": ["syncdoc", "--cache", str(folder)],  # Right after cold: same folder.
            "naive": [BASELINE],
        }
        for kind, (method, *options) in kinds.items():
            command = [sys.executable, str(HERE / "worker.py"), method, str(kb), str(paste_file)]
            done = subprocess.run(
                [*command, *options, "--startup-only"], capture_output=True, text=True, check=True
            )
            data = json.loads(done.stdout)
            wall, cpu = data["startup_s"], data["startup_cpu_s"]
            previous = best.get(kind, (wall, cpu))
            best[kind] = (min(previous[0], wall), min(previous[1], cpu))
    return best


def _startup_table(
    startups: dict[int, dict[str, tuple[float, float]]], bases: dict[int, synth.BuiltBase]
) -> list[str]:
    rows = [
        "Start-up with the load cache: from the start of the process to a ready engine, the "
        "best of several fresh processes of each kind (wall-clock s / CPU s):",
        "",
        "| entries | " + " | ".join(STARTUP_KINDS.values()) + " |",
        "|---|" + "---:|" * len(STARTUP_KINDS),
    ]
    for size, kinds in sorted(startups.items()):
        base = bases[size]
        cells = [f"{kinds[k][0]:.2f} / {kinds[k][1]:.2f}" for k in STARTUP_KINDS]
        rows.append(f"| {base.synthetic:,} + {base.real} | " + " | ".join(cells) + " |")
    at_target = startups.get(TARGET_SIZE)
    if at_target:
        warm, cold = at_target["warm"][0], at_target["cold"][0]
        met = {True: "**met**", False: "**NOT met**"}
        rows += [
            "",
            f"At {TARGET_SIZE:,} entries: a restart with the same base at most "
            f"{TARGET_WARM_S} s: {met[warm <= TARGET_WARM_S]}: {warm:.2f} s; a cold start at "
            f"most {TARGET_COLD_S:.0f} s: {met[cold <= TARGET_COLD_S]}: {cold:.2f} s.",
        ]
    return rows


def run_worker(
    method: str,
    size: int,
    kb: Path,
    paste_file: Path,
    budget: float,
    repeat: int,
    profile: Path | None,
) -> Outcome:
    command = [sys.executable, str(HERE / "worker.py"), method, str(kb), str(paste_file)]
    command += ["--repeat", str(repeat)]
    if budget:
        command += ["--budget", str(budget)]
    if profile:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} at {size} failed:\n{done.stderr}")
    data = json.loads(done.stdout)
    results = {int(k): v for k, v in data.pop("results").items()}
    mib = 1024 * 1024 / 1e6
    return Outcome(
        method=method,
        size=size,
        startup_s=data["startup_s"],
        load_s=data["load_s"],
        peak_mb=data["peak_rss_mib"] * mib,
        loaded_mb=data["rss_loaded_mib"] * mib,
        wall={k: v["wall_s"] for k, v in results.items()},
        cpu={k: v["cpu_s"] for k, v in results.items()},
        claimed={k: v["claimed"] for k, v in results.items()},
        extra={k: v for k, v in data.items() if isinstance(v, float)},
    )


# --- Figures ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accuracy:
    known: int
    correct: int
    wrong: int
    unknown: int
    false_claims: int

    @property
    def correct_share(self) -> float:
        return self.correct / self.known if self.known else 0.0


def accuracy(outcome: Outcome, pastes: list[Paste], kind: str | None = None) -> Accuracy:
    known = correct = wrong = unknown = false_claims = 0
    for index, claimed in outcome.claimed.items():
        paste = pastes[index]
        if kind and paste.kind != kind:
            continue
        if paste.answers:
            known += 1
            correct += claimed in paste.answers
            wrong += claimed is not None and claimed not in paste.answers
        else:
            unknown += 1
            false_claims += claimed is not None
    return Accuracy(known, correct, wrong, unknown, false_claims)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Speedup:
    """How many times faster than the baseline, over the pastes both answered."""

    mean: float
    median: float
    cpu_mean: float


def speedup(outcome: Outcome, baseline: Outcome | None) -> Speedup | None:
    if baseline is None:
        return None
    shared = sorted(set(outcome.wall) & set(baseline.wall))
    if not shared:
        return None

    def ratio(times: dict[int, float], other: dict[int, float], average: Any) -> float:
        return average([other[i] for i in shared]) / average([times[i] for i in shared])

    return Speedup(
        mean=ratio(outcome.wall, baseline.wall, statistics.fmean),
        median=ratio(outcome.wall, baseline.wall, statistics.median),
        cpu_mean=ratio(outcome.cpu, baseline.cpu, statistics.fmean),
    )


def _times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}"


def _progress_line(outcome: Outcome, pastes: list[Paste]) -> str:
    walls = list(outcome.wall.values())
    acc = accuracy(outcome, pastes)
    return (
        f"{outcome.method}: start-up {outcome.startup_s:.2f} s, "
        f"mean {_ms(statistics.fmean(walls))} ms over {len(walls)} pastes, "
        f"peak {outcome.peak_mb:.0f} MB, correct {acc.correct}/{acc.known}, "
        f"false claims {acc.false_claims}/{acc.unknown}"
    )


def render(
    outcomes: list[Outcome],
    pastes: list[Paste],
    bases: dict[int, synth.BuiltBase],
    machine: dict[str, Any],
    source: str,
    real_words: int,
    args: argparse.Namespace,
    elapsed: float,
) -> str:
    by_key = {(o.method, o.size): o for o in outcomes}
    lines = [
        MARK_START,
        "<!-- Generated by bench/run.py; edit the text around this block, not inside it. -->",
        "",
        f"Run on {machine['date']}: {machine['cpu']}, {machine['nproc']} cores, "
        f"{machine['memory']}, Linux {machine['kernel']}, Python {machine['python']}, "
        f"rapidfuzz {machine['rapidfuzz']}, PyYAML {machine['pyyaml']} "
        f"(libyaml {'available' if machine['libyaml'] else 'missing'}), "
        f"jsonschema {machine['jsonschema']}. Load average {machine['load_before']} before the "
        f"run and {machine['load_after']} after it (other work was sharing the machine when it "
        "is above zero). Whole run: "
        f"{elapsed / 60:.1f} min.",
        "",
        "```",
        _command(args),
        "```",
        "",
        f"Real entries from `{_short_source(source)}`. Pastes: {len(pastes)} "
        f"({_kind_counts(pastes)}), seed {args.seed}.",
        "",
        "| entries (synthetic + real) | patterns | method | start-up s | per paste p50 ms "
        "| p95 ms | mean ms | speed-up vs naive extractOne (mean / p50 / CPU mean) | peak RSS MB "
        "| top-1 correct | wrong claims | false claims on unknown |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sorted(bases):
        base = bases[size]
        baseline = by_key.get((BASELINE, size))
        for method in METHOD_LABELS:
            outcome = by_key.get((method, size))
            if outcome is None:
                continue
            walls = list(outcome.wall.values())
            acc = accuracy(outcome, pastes)
            ratio = speedup(outcome, baseline)
            ratio_text = "1x" if method == BASELINE else "-"
            if ratio and method != BASELINE:
                ratio_text = " / ".join(
                    _times(x) for x in (ratio.mean, ratio.median, ratio.cpu_mean)
                )
            measured = "" if len(walls) == len(pastes) else f" ({len(walls)} of {len(pastes)})"
            lines.append(
                f"| {base.synthetic:,} + {base.real} | {base.patterns:,} "
                f"| {METHOD_LABELS[method]}{measured} "
                f"| {outcome.startup_s:.2f} | {_ms(percentile(walls, 0.5))} "
                f"| {_ms(percentile(walls, 0.95))} | {_ms(statistics.fmean(walls))} "
                f"| {ratio_text} | {outcome.peak_mb:.0f} "
                f"| {acc.correct}/{acc.known} ({acc.correct_share:.0%}) | {acc.wrong} "
                f"| {acc.false_claims}/{acc.unknown} |"
            )
    words = ", ".join(f"{bases[size].words:,} at {size:,}" for size in sorted(bases))
    lines += [
        "",
        f"Distinct words in the patterns: {words} (the real entries alone: {real_words:,}).",
        "",
        *_startup_breakdown(outcomes, bases),
        "",
        *_targets(by_key),
    ]
    largest = max(bases)
    lines += ["", *_by_kind(by_key, pastes, largest), "", MARK_END]
    return "\n".join(lines)


def _startup_breakdown(outcomes: list[Outcome], bases: dict[int, synth.BuiltBase]) -> list[str]:
    rows = [
        "Where syncdoc's start-up goes (load and index timed again, separately, after the run):",
        "",
        "| entries | imports s | load + schema validation s | index (Matcher) s "
        "| RSS after load MB | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for outcome in outcomes:
        if outcome.method != "syncdoc":
            continue
        base = bases[outcome.size]
        rows.append(
            f"| {base.synthetic:,} + {base.real} | {outcome.extra.get('import_s', 0):.2f} "
            f"| {outcome.extra.get('kb_load_validate_s', 0):.2f} "
            f"| {outcome.extra.get('index_s', 0):.2f} | {outcome.loaded_mb:.0f} "
            f"| {outcome.peak_mb:.0f} |"
        )
    return rows


def _targets(by_key: dict[tuple[str, int], Outcome]) -> list[str]:
    mine, baseline = by_key.get(("syncdoc", TARGET_SIZE)), by_key.get((BASELINE, TARGET_SIZE))
    if mine is None:
        return [f"Targets: not judged (the run did not include {TARGET_SIZE:,} entries)."]
    ratio = speedup(mine, baseline)

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**NOT met**"

    speed = (
        f"{verdict(ratio.mean >= TARGET_SPEEDUP)}: {ratio.mean:.1f}x on the mean wall-clock "
        f"time ({ratio.median:.1f}x on the median, {ratio.cpu_mean:.1f}x on mean CPU time)"
        if ratio
        else "not measured (the naive extractOne baseline was not run)"
    )
    return [
        f"Targets at {TARGET_SIZE:,} synthetic entries:",
        "",
        f"- at least {TARGET_SPEEDUP:.0f}x faster per paste than naive extractOne: {speed}",
        f"- start-up with loading at most {TARGET_STARTUP_S:.0f} s: "
        f"{verdict(mine.startup_s <= TARGET_STARTUP_S)}: {mine.startup_s:.2f} s",
        f"- peak memory at most {TARGET_PEAK_MB:.0f} MB: "
        f"{verdict(mine.peak_mb <= TARGET_PEAK_MB)}: {mine.peak_mb:.0f} MB",
    ]


def _by_kind(by_key: dict[tuple[str, int], Outcome], pastes: list[Paste], size: int) -> list[str]:
    present = [m for m in METHOD_LABELS if (m, size) in by_key]
    rows = [
        f"Top-1 correct by kind of paste at {size:,} entries (unknown: false claims):",
        "",
        "| kind | " + " | ".join(METHOD_LABELS[m] for m in present) + " |",
        "|---|" + "---:|" * len(present),
    ]
    for kind in KINDS:
        cells = []
        for method in present:
            acc = accuracy(by_key[(method, size)], pastes, kind)
            if kind == "unknown":
                cells.append(f"{acc.false_claims}/{acc.unknown}")
            else:
                cells.append(f"{acc.correct}/{acc.known}")
        rows.append(f"| {kind} | " + " | ".join(cells) + " |")
    return rows


def _kind_counts(pastes: list[Paste]) -> str:
    counts = {k: sum(p.kind == k for p in pastes) for k in KINDS}
    return ", ".join(f"{n} {k}" for k, n in counts.items() if n)


def _short_source(source: str) -> str:
    try:
        return str(Path(source).resolve().relative_to(HERE.parent))
    except ValueError:
        return source


def _command(args: argparse.Namespace) -> str:
    parts = ["python bench/run.py", f"--sizes {args.sizes}", f"--pastes {args.pastes}"]
    if args.seed != _parser().get_default("seed"):
        parts.append(f"--seed {args.seed}")
    if args.repeat != _parser().get_default("repeat"):
        parts.append(f"--repeat {args.repeat}")
    if args.difflib_budget != _parser().get_default("difflib_budget"):
        parts.append(f"--difflib-budget {args.difflib_budget:g}")
    if args.write:
        parts.append(f"--write {args.write}")
    return " ".join(parts)


# --- Machine and output -------------------------------------------------------------------------
def machine_description() -> dict[str, Any]:
    import yaml

    cpu = platform.processor() or "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "nproc": len(os.sched_getaffinity(0)),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "rapidfuzz": metadata.version("rapidfuzz"),
        "pyyaml": metadata.version("pyyaml"),
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "jsonschema": metadata.version("jsonschema"),
        "load_before": _loadavg(),
    }


def _loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def write_misses(path: Path, outcomes: list[Outcome], pastes: list[Paste]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for outcome in outcomes:
            for index, claimed in sorted(outcome.claimed.items()):
                paste = pastes[index]
                if claimed in paste.answers or (claimed is None and not paste.answers):
                    continue
                row = {"method": outcome.method, "size": outcome.size, "claimed": claimed}
                out.write(json.dumps({**row, **paste.to_json()}) + "\n")


def write_section(
    path: Path,
    section: str,
    *,
    start: str = MARK_START,
    end: str = MARK_END,
    after: str | None = None,
) -> None:
    """Replace the block of `path` between `start` and `end` with `section`, keeping the prose
    around it; without such a block, add `section` after the marker `after` if given and there,
    else at the end (every bench script that writes into docs/benchmarks.md uses this)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Benchmarks\n\n" + section + "\n", encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    elif after is not None and after in text:
        before, rest = text.split(after, 1)
        text = before + after + "\n\n" + section + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
