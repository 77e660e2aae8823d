"""Store faults against the real `syncdoc serve`: the database stopped, frozen or unreachable, the
SQLite disk full, read-only or damaged, while signed events keep arriving.

    python bench/store_faults.py                          # every fault, the issue's durations
    python bench/store_faults.py --fault pg-freeze --duration 30
    python bench/store_faults.py --fault sqlite-full --json faults.json

Faults (each with a fresh server and data):

- `pg-stop`: PostgreSQL stopped (pg_ctl stop -m fast) for `--duration` (default 25 s), then
  started again on the same port;
- `pg-freeze`: every PostgreSQL process stopped with SIGSTOP for `--duration` (default 90 s),
  then SIGCONT: connections stay open and never answer;
- `pg-unreachable`: DATABASE_URL names a port nothing listens on, from the start;
- `sqlite-full`: the data folder is a 16 MiB tmpfs, filled to the last byte mid-traffic, freed
  after `--duration`;
- `sqlite-readonly`: the server is stopped, its data folder (a tmpfs) remounted read-only, and
  the server started again; writable again after `--duration`;
- `sqlite-damaged`: the server is stopped, pages of its SQLite file are overwritten, and it is
  started again.

PostgreSQL comes from `.ci/postgres` (a throw-away server in a temporary folder); the tmpfs faults
need root (mount). Reported per fault: events offered, HTTP statuses, replies lost and duplicated,
what `/healthz` said during the fault, how many times the server warned about the store, and
whether it logged any traceback. Exit 0 when every event was acknowledged and answered once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from bot.engine import Engine
from bot.knowledge import bundled_kb_path
from bot.slack.http import EVENTS_PATH
from bot.store import SQLITE_FILE
from bot.testing.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender, message_event
from bot.testing.process import SyncdocProcess, syncdoc

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = {"pg-stop": 25.0, "pg-freeze": 90.0, "pg-unreachable": 20.0}
DEFAULT_DURATION = 20.0
BEFORE, AFTER = 5.0, 15.0


class Traffic:
    """Signed events offered at a steady rate from a thread, each remembered by its thread ts."""

    def __init__(self, base: str, pastes: list[str], rate: float) -> None:
        self.sender = SlackSender(base + EVENTS_PATH, timeout=10)
        self.pastes = pastes
        self.rate = rate
        self.statuses: Counter[int] = Counter()
        self.acked: list[str] = []
        self.slowest_ack = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.paused = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with ThreadPoolExecutor(50) as pool:
            started = time.monotonic()
            n = 0
            while not self._stop.is_set():
                time.sleep(max(0.0, started + n / self.rate - time.monotonic()))
                if not self.paused.is_set():  # no server to send to while it restarts
                    pool.submit(self._send, n)
                n += 1

    def _send(self, n: int) -> None:
        event = message_event(self.pastes[n % len(self.pastes)])
        try:
            response = self.sender.event(event)
            status, seconds = response.status, response.seconds
        except OSError:
            status, seconds = 0, 10.0
        with self._lock:
            self.statuses[status] += 1
            self.slowest_ack = max(self.slowest_ack, seconds)
            if status == 200:
                self.acked.append(event["event"]["ts"])


def health(base: str) -> str:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
            store = json.loads(answer.read())["store"]
    except OSError as exc:
        return f"no answer ({exc})"
    return store["state"] + (f": {store['reason']}" if store.get("reason") else "")


# --- PostgreSQL -----------------------------------------------------------------------------------


@contextmanager
def postgres() -> Iterator[tuple[str, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="syncdoc-pg-"))
    out = subprocess.run(
        [str(ROOT / ".ci" / "postgres"), "start", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    url = out.strip().split("=", 1)[1]
    try:
        yield url, folder
    finally:
        subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", str(folder)], capture_output=True)


def pg_ctl(folder: Path, *args: str) -> None:
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(binary), "--pgdata", str(folder / "data"), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    # Not captured: a started server would hold the pipes open, and run() would wait for it.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pg_processes(folder: Path) -> list[int]:
    postmaster = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True
    ).stdout.split()
    return [postmaster, *map(int, children)]


def pg_restart_options(url: str, folder: Path) -> list[str]:
    port = urlsplit(url).port
    return [
        "-o",
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c full_page_writes=off -c synchronous_commit=off",
        "--log",
        str(folder / "server.log"),
        "--wait",
        "start",
    ]


# --- tmpfs ----------------------------------------------------------------------------------------


@contextmanager
def tmpfs(size: str = "16m") -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="syncdoc-tmpfs-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    # Unbuffered: a buffered file would try to write what did not fit again when it is closed,
    # and fail there, outside the suppress.
    with open(filler, "wb", buffering=0) as out, suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
    return filler


# --- One fault ------------------------------------------------------------------------------------


def run_fault(
    name: str, duration: float, rate: float, pastes: list[str], fake: FakeSlack
) -> dict[str, object]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    with fault_setup(name, env) as (begin, end, restart):
        serve = ["serve", "--host", "127.0.0.1", "--port", "0"]
        seen_health: Counter[str] = Counter()
        outputs: list[str] = []
        with ExitStack() as running:
            process = running.enter_context(syncdoc(serve, env))
            base = started(process)
            traffic = running.enter_context(Traffic(base, pastes, rate))
            time.sleep(BEFORE)
            if restart:  # the fault is found at start: stop, break the store, start again
                traffic.paused.set()
                time.sleep(2)  # answers in flight finish
                process.stop()
                outputs.append(process.output)
                restart()
                process = running.enter_context(syncdoc(serve, env))
                base = started(process)
                traffic.sender.url = base + EVENTS_PATH
                traffic.paused.clear()
            begin()
            deadline = time.monotonic() + duration
            while time.monotonic() < deadline:
                seen_health[health(base)] += 1
                time.sleep(1)
            end()
            time.sleep(AFTER)
            traffic.stop()
            settle_replies(fake, traffic.acked)
            seen_health[f"at the end: {health(base)}"] += 1
        outputs.append(process.output)
    log = "".join(outputs)
    posts = Counter(
        c.params.get("thread_ts") for c in fake.drain() if c.ok and c.method == "chat.postMessage"
    )
    return {
        "fault": name,
        "seconds": duration,
        "events": sum(traffic.statuses.values()),
        "statuses": dict(traffic.statuses),
        "slowest_ack_s": round(traffic.slowest_ack, 2),
        "replies_expected": len(traffic.acked),
        "replies_lost": sum(1 for ts in traffic.acked if not posts[ts]),
        "replies_duplicated": sum(posts[ts] - 1 for ts in traffic.acked if posts[ts] > 1),
        "healthz_store": dict(seen_health),
        "store_warnings": sum(
            "WARNING" in line and "answering without it" in line for line in log.splitlines()
        ),
        "store_recoveries": log.count("answers again after"),
        "moved_aside": log.count("is damaged"),
        "tracebacks": log.count("Traceback"),
        "log_bytes": len(log),
    }


def started(process: SyncdocProcess) -> str:
    return process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events", 60).group(1)


def settle_replies(fake: FakeSlack, acked: list[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivered = {c.params.get("thread_ts") for c in fake.calls_to("chat.postMessage") if c.ok}
        if all(ts in delivered for ts in acked):
            break
        time.sleep(0.5)
    time.sleep(2)


Step = Callable[[], None]


@contextmanager
def fault_setup(name: str, env: dict[str, str]) -> Iterator[tuple[Step, Step, Step | None]]:
    """(begin the fault, end it, restart step or None), with `env` pointed at the store."""
    nothing: Step = lambda: None  # noqa: E731
    if name.startswith("pg-"):
        with postgres() as (url, folder):
            if name == "pg-unreachable":
                port = urlsplit(url).port
                env["DATABASE_URL"] = url.replace(f":{port}/", ":9/")
                yield nothing, nothing, None
                return
            env["DATABASE_URL"] = url
            if name == "pg-stop":
                yield (
                    lambda: pg_ctl(folder, "-m", "fast", "stop"),
                    lambda: pg_ctl(folder, *pg_restart_options(url, folder)),
                    None,
                )
            else:
                frozen: list[int] = []

                def freeze() -> None:
                    frozen[:] = pg_processes(folder)
                    for pid in frozen:
                        os.kill(pid, signal.SIGSTOP)

                def thaw() -> None:
                    for pid in frozen:
                        with suppress(ProcessLookupError):  # a backend whose client went away
                            os.kill(pid, signal.SIGCONT)

                try:
                    yield freeze, thaw, None
                finally:
                    thaw()
        return
    with tmpfs() as folder:
        env["SYNCDOC_DATA_DIR"] = str(folder)
        if name == "sqlite-full":
            filler: list[Path] = []
            yield lambda: filler.append(fill(folder)), lambda: filler[0].unlink(), None
        elif name == "sqlite-readonly":
            # tmpfs refuses to become read-only while a file is open for writing: the server is
            # stopped first, as after a restart on a volume that came back read-only.
            def remount(mode: str) -> Step:
                return lambda: subprocess.run(
                    ["mount", "-o", f"remount,{mode}", str(folder)], check=True
                )

            yield nothing, remount("rw"), remount("ro")
        else:

            def damage() -> None:
                path = folder / SQLITE_FILE
                size = path.stat().st_size
                with open(path, "r+b") as data:
                    data.seek(2 * 4096)
                    data.write(b"\xa5" * max(0, size - 2 * 4096))

            yield nothing, nothing, damage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    faults = [
        "pg-stop", "pg-freeze", "pg-unreachable",
        "sqlite-full", "sqlite-readonly", "sqlite-damaged",
    ]  # fmt: skip
    parser.add_argument("--fault", choices=faults, action="append", help="default: all")
    parser.add_argument("--duration", type=float, help="seconds each fault lasts")
    parser.add_argument("--rate", type=float, default=20, help="events offered per second")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    # Only examples a channel gets an answer to (as in bench/load.py): a generic text naming no
    # channel ("Error: Access denied") is rightly met with silence there, not a lost answer.
    engine = Engine.from_path(bundled_kb_path())
    pastes = [ex for entry in engine.kb for ex in entry.examples if engine.explain(ex).recognised]
    results = []
    with FakeSlack() as fake:
        for name in args.fault or faults:
            duration = args.duration or DURATIONS.get(name, DEFAULT_DURATION)
            print(f"--- {name} for {duration:.0f} s", flush=True)
            result = run_fault(name, duration, args.rate, pastes, fake)
            print(json.dumps(result), flush=True)
            results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    bad = [
        r for r in results
        if r["replies_lost"] or r["replies_duplicated"] or set(r["statuses"]) != {200}
    ]  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
