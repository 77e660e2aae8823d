"""CPU time per paste of `syncdoc explain --jsonl`'s loop, in process, for a before and after on a
busy machine.

    python bench/paste_cpu.py [--size 10000] [--warm 100] [--pastes 1000] [--rounds 3] \
        [--compare DIR]

Builds the seeded base and pastes (bench/synth.py, bench/pastes.py, as bench/slope.py does), then
for each round starts this tree and, with `--compare`, the other tree in fresh processes at the
same time, so that both share whatever else loads the machine. Each process loads the base (from
a load cache filled beforehand), answers `--warm` pastes, then times the next `--pastes` in CPU
time (one pass: answers a process remembers would flatter a second one). Start-up is not in it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import synth
from pastes import make_pastes


def worker(kb: Path, pastes: Path, warm: int, count: int, cache: Path) -> float:
    """CPU seconds per paste over `count` pastes after `warm` of them, in this process."""
    from bot.cli import _explain_jsonl
    from bot.engine import Engine
    from bot.loadcache import LoadCache

    engine = Engine.from_path(kb, cache=LoadCache(cache))
    lines = pastes.read_text(encoding="utf-8").splitlines()
    stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        _explain_jsonl(engine, io.StringIO("\n".join(lines[:warm])))
        started = time.process_time()
        _explain_jsonl(engine, io.StringIO("\n".join(lines[warm : warm + count])))
        return (time.process_time() - started) / count
    finally:
        sys.stdout = stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--pastes", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--compare", type=Path, help="another source tree, run alongside")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kb, pastes = args.worker
        print(json.dumps(worker(kb, pastes, args.warm, args.pastes, args.cache)))
        return 0

    with tempfile.TemporaryDirectory(prefix="syncdoc-paste-cpu-") as tmp:
        root = Path(tmp)
        _, real = synth.real_entries_source()
        built, sources = synth.build_base(root / "kb", args.size, real, args.seed)
        texts = make_pastes(sources, args.warm + args.pastes, args.seed)
        pastes = root / "pastes.jsonl"
        pastes.write_text("".join(json.dumps({"text": p.text}) + "\n" for p in texts))
        trees = {"this tree": None}
        if args.compare:
            trees[str(args.compare)] = str(args.compare.resolve())
        commands = {}
        for number, (label, path) in enumerate(trees.items()):
            env = {**os.environ, **({"PYTHONPATH": path} if path else {})}
            command = [sys.executable, __file__, "--worker", str(built.path), str(pastes)]
            command += ["--warm", str(args.warm), "--pastes", str(args.pastes)]
            command += ["--cache", str(root / f"cache-{number}")]
            # Fills the load cache (and the search index's) for the timed processes.
            fill = [*command[:-4], "--pastes", "1", *command[-2:]]
            subprocess.run(fill, env=env, check=True, capture_output=True)
            commands[label] = (command, env)
        results: dict[str, list[float]] = {label: [] for label in trees}
        for _ in range(args.rounds):
            running = {
                label: subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
                for label, (command, env) in commands.items()
            }
            for label, process in running.items():
                results[label].append(json.loads(process.communicate()[0]))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{built.synthetic} + {built.real} entries; pastes {args.warm + 1} to "
        f"{args.warm + args.pastes} of the seeded set; load average now {load}"
    )
    for label, values in results.items():
        shown = ", ".join(f"{v * 1000:.2f}" for v in values)
        print(f"{label}: CPU ms per paste by round {shown}; best {min(values) * 1000:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
