"""How long hostile input takes: every regular expression alone, the whole engine, the command.

    python bench/hostile.py                 # all three parts (about two minutes)
    python bench/hostile.py --part regex    # or: engine, cli
    python bench/hostile.py --json figures.json

1. regex: every compiled pattern in bot/ (module level, including those in tuples) is searched
   (`finditer`, which tries every start position, the worst way a pattern is used) through
   strings made by repeating one or two of the characters it mentions, or its words, and the
   worst family found is timed at two lengths. The growth exponent says how time scales with
   length: about 1 is linear, 2 quadratic, 3 cubic. Each pattern runs in a child process with a
   time limit, so a catastrophic one is reported, not waited for.
2. engine: `Engine.explain` on long runs of what the normaliser's regexes loop on, at 10,000,
   40,000 (Slack's limit) and 200,000 characters (the normaliser's cap).
3. cli: `syncdoc explain` wall time on the fixed hostile cases of tests/test_hostile_input.py.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import math
import multiprocessing
import pkgutil
import random
import re
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import bot
from bot.engine import Engine
from bot.knowledge import bundled_kb_path
from bot.testing.process import syncdoc_executable

REGEX_SMALL, REGEX_LARGE = 500, 2_000
"""2,000 is the longest text most patterns ever see (a segment); a few see whole lines."""
REGEX_TIME_LIMIT = 60.0
BASE_CHARS = " \t\n\u00a0a1x#:'\"<>[]()*~`.-_@/\\|!?&="
TAILS = ("a", "x", "1", "!", "\n", "\x00")


# --- 1. Each pattern alone ---------------------------------------------------------------------
def patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for module_info in pkgutil.walk_packages(bot.__path__, "bot."):
        if module_info.name.startswith("bot.testing") or module_info.name == "bot.__main__":
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append((f"{module_info.name}.{name}", value))
            elif isinstance(value, tuple):
                for n, item in enumerate(value):
                    if isinstance(item, tuple) and item and isinstance(item[0], re.Pattern):
                        found.append((f"{module_info.name}.{name}[{n}]", item[0]))
    return found


def families(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(piece, tail) pairs: the text is `piece` repeated, then `tail`. Pieces are single characters
    and pairs from the pattern and a base set, and the pattern's words followed by a space or a
    colon; a tail of one other character is the classic way to make a backtracking match fail
    only at the very end."""
    chars = sorted({c for c in pattern.pattern if not c.isalnum() and not c.isspace()})
    alphabet = sorted(set(chars) | set(BASE_CHARS))
    words = sorted(set(re.findall(r"[a-z]{2,}", pattern.pattern)))
    pieces = alphabet + ["".join(p) for p in itertools.permutations(alphabet, 2)]
    pieces += [w + end for w in words for end in ("", " ", ":", ". ")]
    found = [(piece, "") for piece in pieces]
    found += [(c, tail) for c in alphabet for tail in TAILS if tail != c]
    return found


def _fill(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def _text(family: tuple[str, str], length: int) -> str:
    piece, tail = family
    return _fill(piece, length - len(tail)) + tail


def _time(pattern: re.Pattern[str], text: str, repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in pattern.finditer(text):
            pass
        best = min(best, time.perf_counter() - started)
    return best


def _scan_one(pattern: re.Pattern[str], connection: Connection) -> None:
    screened = sorted(
        ((_time(pattern, _text(f, REGEX_SMALL), 1), f) for f in families(pattern)), reverse=True
    )
    worst = None
    for _, family in screened[:3]:
        small = _time(pattern, _text(family, REGEX_SMALL))
        large = _time(pattern, _text(family, REGEX_LARGE))
        if worst is None or large > worst[2]:
            worst = (family, small, large)
    connection.send(worst)


def scan_patterns() -> list[dict[str, Any]]:
    context = multiprocessing.get_context("fork")
    rows = []
    for name, pattern in patterns():
        parent, child = context.Pipe()
        process = context.Process(target=_scan_one, args=(pattern, child))
        process.start()
        if parent.poll(REGEX_TIME_LIMIT):
            family, small, large = parent.recv()
            exponent = math.log(max(large, 1e-7) / max(small, 1e-7)) / math.log(
                REGEX_LARGE / REGEX_SMALL
            )
            row = {
                "pattern": name,
                "worst_input": f"{family[0]!r} repeated, then {family[1]!r}",
                f"ms_at_{REGEX_LARGE}": round(large * 1000, 3),
                "growth_exponent": round(exponent, 2),
            }
        else:
            process.kill()
            row = {"pattern": name, "worst_input": "?", f"ms_at_{REGEX_LARGE}": None}
            row["growth_exponent"] = f"over {REGEX_TIME_LIMIT:.0f}s"
        process.join()
        rows.append(row)
        print(json.dumps(row, ensure_ascii=True), flush=True)
    return rows


# --- 2. The engine --------------------------------------------------------------------------------
ENGINE_FAMILIES = {
    "runs of spaces in lines": lambda n: _lines(lambda i: f"A{i}" + " " * 1_998 + "A", n),
    "runs of no-break spaces in lines": lambda n: _lines(
        lambda i: f"A{i}" + "\u00a0" * 1_998 + "A", n
    ),
    "unclosed quotes": lambda n: _fill("' " + "a " * 350, n),
    "nested brackets": lambda n: _fill("[<(", n // 2) + _fill(")>]", n - n // 2),
    "open Slack links": lambda n: _fill("<http://", n),
    "emphasis markers": lambda n: _fill("*a~", n),
    "escaped JSON": lambda n: _fill('"message": "' + "\\a" * 600, n),
    "dotted names": lambda n: _fill("a.", n - 9) + "Exception",
    "log prefixes": lambda n: _fill("Error: ", n),
    "lines of dotted words": lambda n: _lines(lambda i: f"Error {i} " + "a." * 1_000, n),
    "unclosed curly quotes": lambda n: _lines(
        lambda i: f"Error {i}: " + "\u201c" * 1_000 + "\u201d", n
    ),
    "mention padded with spaces": lambda n: "<@U0001BOT>" + " " * (n - 12) + "x",
    "short lines": lambda n: _lines(lambda i: f"ok {i}", n),
    "one word": lambda n: "A" * n,
    "random code points": lambda n: _random_text(n),
    "lines of digits": lambda n: _lines(lambda i: f"Error {i} " + "1" * 1_985 + "a", n),
}
ENGINE_SIZES = (10_000, 40_000, 200_000)


def _random_text(n: int) -> str:
    rng = random.Random(n)
    return (
        "".join(chr(rng.randrange(0x110000)) for _ in range(n))
        .encode("utf-8", "replace")
        .decode("utf-8", "replace")
    )


def _lines(line: Any, n: int) -> str:
    """Distinct lines (`line(i)`), so the engine's memory of identical records does not help."""
    text, size, i = [], 0, 0
    while size < n:
        text.append(line(i) + "\n")
        size += len(text[-1])
        i += 1
    return "".join(text)[:n]


def time_engine() -> list[dict[str, Any]]:
    engine = Engine.from_path(bundled_kb_path())
    engine.explain("warm up: Request is throttled")
    rows = []
    for name, make in ENGINE_FAMILIES.items():
        row: dict[str, Any] = {"input": name}
        for size in ENGINE_SIZES:
            text = make(size)
            started = time.perf_counter()
            engine.explain(text)
            row[f"s_at_{size}"] = round(time.perf_counter() - started, 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


# --- 3. The command -------------------------------------------------------------------------------
TOKEN = (
    b"Authorisation token is hard expired. User needs to generate a new token for this application."
)
CLI_CASES = {
    "1 MB of random bytes": lambda: random.Random(1).randbytes(1_000_000),
    "100,000 short lines": lambda: b"ok\n" * 100_000,
    "100,000 lines of one error": lambda: b"Request is throttled\n" * 100_000,
    "a 300,000-character word": lambda: TOKEN + b" " + b"x" * 300_000,
    "NUL bytes": lambda: b"\x00" * 100_000,
    "runs of no-break spaces": lambda: ("A" + "\u00a0" * 19_998 + "A\n").encode() * 10,
    "lines of dotted words": lambda: ("Error " + "a." * 1_000 + "\n").encode() * 99,
    "lines of digits": lambda: "".join(
        f"Error {n} " + "1" * 1_985 + "a\n" for n in range(99)
    ).encode(),
    "one short error (baseline)": lambda: TOKEN,
}


def time_cli() -> list[dict[str, Any]]:
    rows = []
    for name, make in CLI_CASES.items():
        data = make()
        started = time.perf_counter()
        result = subprocess.run(
            [syncdoc_executable(), "explain"], input=data, capture_output=True, timeout=120
        )
        row = {
            "input": name,
            "seconds": round(time.perf_counter() - started, 2),
            "exit": result.returncode,
            "traceback": b"Traceback" in result.stderr,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("regex", "engine", "cli"), action="append")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    parts = args.part or ["regex", "engine", "cli"]
    results: dict[str, Any] = {}
    for part, run in (("regex", scan_patterns), ("engine", time_engine), ("cli", time_cli)):
        if part in parts:
            print(f"--- {part}", flush=True)
            results[part] = run()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
