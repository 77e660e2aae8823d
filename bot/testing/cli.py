"""Running `syncdoc` in this process, as its console script runs it, for tests.

`bot.cli.main()` gets the arguments, standard input as bytes, the environment and the working
folder the command would get, and writes to a UTF-8 stdout and stderr like a real process's
(strict on stdout, so text a terminal could not take fails here as it would there). Without a
new Python per command a test costs milliseconds instead of a second of imports; the commands that
run a server (`serve`, `run`) install signal handlers and logging, so tests start those as real
processes (bot/testing/process.py), unless the command stops before it serves (missing settings,
a token Slack rejects): `clean=True` then gives it the environment such a process would get.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.cli import main
from bot.testing.process import clean_env


@dataclass(frozen=True)
class Result:
    """What a person running the command sees: exit code, standard output and error."""

    code: int
    out: str
    err: str


def run_syncdoc(
    *args: str,
    stdin: str | bytes = b"",
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    clean: bool = False,
) -> Result:
    """`syncdoc ARGS` with `stdin`, in `cwd`, with this process's environment less SYNCDOC_KB
    (a test names its knowledge base) plus `env`; with `clean`, less every Slack and syncdoc
    setting but the suite's load cache, as `bot.testing.process.syncdoc` starts a process. A
    command still running after `timeout` seconds fails the test (AssertionError) instead of
    hanging the suite."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    given = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
    codes: list[int] = []
    failures: list[BaseException] = []

    def command() -> None:
        try:
            codes.append(main(list(args), stdin=given))
        except SystemExit as exit:  # argparse's usage errors exit 2
            codes.append(exit.code if isinstance(exit.code, int) else 1)
        except BaseException as exc:  # the traceback a person would see: the test's failure
            failures.append(exc)

    with _environment(env or {}, clean), _working_folder(cwd), _streams(out, err):
        runner = threading.Thread(target=command, name="syncdoc-in-process", daemon=True)
        runner.start()
        runner.join(timeout)
        if runner.is_alive():
            raise AssertionError(f"syncdoc {' '.join(args)[:80]} still running after {timeout}s")
    if failures:
        raise failures[0]
    return Result(codes[0], _written(out), _written(err))


def _written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode("utf-8")


@contextmanager
def _environment(extra: Mapping[str, str], clean: bool) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.pop("SYNCDOC_KB", None)
    if clean:
        cache = {k: v for k, v in saved.items() if k == "SYNCDOC_CACHE_DIR"}
        wanted = clean_env({**cache, **extra})
        os.environ.clear()
        os.environ.update(wanted)
    os.environ.update(extra)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _working_folder(folder: Path | str | None) -> Iterator[None]:
    saved = Path.cwd()
    if folder is not None:
        os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


@contextmanager
def _streams(out: io.TextIOWrapper, err: io.TextIOWrapper) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
