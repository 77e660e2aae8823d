"""Running the real `syncdoc` command in a subprocess, as a deployment runs it, for tests."""

from __future__ import annotations

import os
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def syncdoc_executable() -> str:
    """The `syncdoc` console script installed next to this Python."""
    return shutil.which("syncdoc", path=str(Path(sys.executable).parent)) or "syncdoc"


class SyncdocProcess:
    """A running `syncdoc`: its output lines as they come, and a way to stop it politely."""

    def __init__(
        self, args: Sequence[str], env: Mapping[str, str], *, file_size_limit: int | None = None
    ) -> None:
        self._popen = subprocess.Popen(
            [syncdoc_executable(), *args],
            env=dict(env),
            preexec_fn=_limit_file_size(file_size_limit) if file_size_limit else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._popen.stdout is not None
        with self._popen.stdout:
            for line in self._popen.stdout:
                self.lines.append(line)
                self._new.put(line)
        self._new.put(None)

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(
        self, pattern: str, timeout: float = 20.0, *, count: int = 1
    ) -> re.Match[str]:
        """The `count`-th output line (old or new) matching `pattern` (for example one per
        gunicorn worker); AssertionError on timeout."""
        regex = re.compile(pattern)
        seen = 0
        for line in list(self.lines):
            if (match := regex.search(line)) and (seen := seen + 1) == count:
                return match
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                new = self._new.get(timeout=left)
            except queue.Empty:
                break
            if new is None:
                break
            if (match := regex.search(new)) and (seen := seen + 1) == count:
                return match
        raise AssertionError(
            f"{seen} of {count} line(s) matching {pattern!r}; output so far:\n{self.output}"
        )

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as a platform stops a process; the exit code."""
        if self._popen.poll() is None:
            self._popen.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            raise

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the process has ended and all its output has been read."""
        code = self._popen.wait(timeout)
        self._reader.join(timeout)
        return code


def _limit_file_size(limit: int) -> Callable[[], None]:
    def limit_in_child() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG (SQLite: "database or
        # disk is full") instead of killing the process.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_in_child


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any Slack or syncdoc setting (DATABASE_URL included:
    a developer's own database is never a test's), plus `extra`."""
    ours = ("SLACK_", "SYNCDOC_", "PORT", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(extra)
    return env


@contextmanager
def syncdoc(
    args: Sequence[str], env: Mapping[str, str], *, file_size_limit: int | None = None
) -> Iterator[SyncdocProcess]:
    """`syncdoc ARGS` with exactly `env` settings; stopped (SIGTERM) on the way out. Its data
    folder (the SQLite store) is a fresh temporary one unless `env` names it, and so is its load
    cache folder, unless `env` or this process (the test suite's own, tests/conftest.py) names
    one: a test never writes to the real per-user folders, and processes started by one test run
    read the knowledge base their predecessors cached. `file_size_limit` (bytes) makes every
    file it writes stop growing there, as a full disk does."""
    with tempfile.TemporaryDirectory(prefix="syncdoc-data-") as data_dir:
        cache_dir = os.environ.get("SYNCDOC_CACHE_DIR") or f"{data_dir}/cache"
        folders = {"SYNCDOC_DATA_DIR": data_dir, "SYNCDOC_CACHE_DIR": cache_dir}
        process = SyncdocProcess(
            args, clean_env({**folders, **env}), file_size_limit=file_size_limit
        )
        try:
            yield process
        finally:
            process.stop()
