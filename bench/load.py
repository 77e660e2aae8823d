"""Load and soak: the real `syncdoc serve` (gunicorn, as deployed) driven with signed Slack
requests over loopback, answering to the fake Slack Web API.

    python bench/load.py                          # 10, 50 and 200 in flight, 2,000 requests each
    python bench/load.py --soak 600               # then a 10-minute soak at 50 in flight
    python bench/load.py --levels 50 --requests 500 --json figures.json
    python bench/load.py --levels '' --rate 100 --duration 60   # open loop: 100 events/s offered
    python bench/load.py --workers 1              # one gunicorn worker (default: one per core)
    python bench/load.py --check-payloads         # the fake checks every payload, as in tests

Everything runs on 127.0.0.1: the fake Slack (bot.testing.fake_slack) in a process of its own,
standing in for Slack's servers (so, unless `--check-payloads`, without checking each payload
against Slack's rules as it does in tests), `syncdoc serve` in a subprocess with a throw-away data
folder. Every request is a signed `message` event whose text is one of the knowledge base's own
examples that a channel is answered on, so each must get exactly one threaded reply; every tenth is
delivered again as Slack redelivers (X-Slack-Retry-Num), which must not get a second. Reported per
level: acknowledgement latency (what Slack waits for; p50, p99, max), HTTP statuses, replies
delivered, lost and duplicated, how many events per second were both acknowledged and answered, and
the CPU time each event cost the server, the fake Slack and this driver (the figure that decides
throughput when they share the cores).

Closed loop (`--levels`): N senders each send the next event as soon as the last is
acknowledged, so the server is saturated and latency is what queueing gives. Open loop
(`--rate`): events are offered on a fixed schedule whatever the server does, as Slack offers
them; an event's latency counts from the moment it was due, so a server that falls behind is not
flattered by senders that wait for it. The soak also samples the server's resident
memory (gunicorn arbiter and worker) every `--sample` seconds.

Bounded: `--requests` per level, `--soak` seconds, and `--max-seconds` for the whole run, after
which the server is killed and the script exits 3.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.knowledge import bundled_kb_path
from bot.slack.http import EVENTS_PATH
from bot.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    Response,
    message_event,
    sign,
)
from bot.testing.process import SyncdocProcess, syncdoc

LOOPBACK = "127.0.0.1"
REDELIVER_EVERY = 10
DRAIN_SECONDS = 60.0


def fake_slack_process(connection: Connection, check_payloads: bool = False) -> None:
    """The fake Slack in a process of its own, so that the load driver's threads do not slow it
    down: sends its Web API URL, then every successful reply as (thread_ts, time), until told to
    stop. It stands in for Slack's servers, which do not share syncdoc's cores, so by default it
    does not check each payload against Slack's rules (the test suite does that, on every
    message): that checking cost it about 1 ms of CPU per answer, taken from syncdoc's cores."""
    # Slack never refuses a connection for being busy; the standard library's server keeps only 5
    # waiting, and beyond that the kernel drops or resets connections whose request was already
    # written, which syncdoc must then count as possibly posted and never send again.
    ThreadingHTTPServer.request_queue_size = 1024
    with FakeSlack(check_payloads=check_payloads) as fake:
        connection.send(fake.api_url)
        while not connection.poll(0.2):
            replies = [
                (str(c.params.get("thread_ts")), c.at)
                for c in fake.drain()
                if c.method == "chat.postMessage" and c.ok
            ]
            if replies:
                connection.send(replies)
    with contextlib.suppress(OSError):  # the driver may be gone (its time limit)
        connection.send([])


@dataclass
class Tally:
    """Replies the fake Slack received, per thread they answered."""

    replies: Counter[str] = field(default_factory=Counter)
    first_reply_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, connection: Connection) -> None:
        """Record what the fake reports until it stops (run in a thread)."""
        while batch := connection.recv():
            with self.lock:
                for thread, at in batch:
                    self.replies[thread] += 1
                    self.first_reply_at.setdefault(thread, at)

    def count(self, keys: set[str]) -> tuple[int, int]:
        """(delivered, duplicated) among the threads `keys`."""
        with self.lock:
            counts = [self.replies.get(k, 0) for k in keys]
        return sum(1 for c in counts if c), sum(c - 1 for c in counts if c > 1)


@dataclass
class Run:
    in_flight: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    expected: set[str] = field(default_factory=set)
    acked_at: dict[str, float] = field(default_factory=dict)
    redelivered: int = 0
    seconds: float = 0.0
    started_wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float, status: int) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.statuses[status] += 1


class Deliveries:
    """Slack's event deliveries as the load driver sends them: the bytes `SlackSender` sends (one
    connection per event, signed as Slack signs, Slack's headers and retry headers), written on a
    plain socket and the answer read by its Content-Length. `SlackSender` goes through
    http.client, whose request objects and header parsing (the email package) cost this driver
    about as much CPU as signing and the exchange themselves, on the cores the server shares."""

    def __init__(self, url: str, *, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self._address = (parts.hostname or LOOPBACK, parts.port or 80)
        self._head = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Accept-Encoding: identity\r\nContent-Type: application/json\r\n"
            "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
        )
        self._timeout = timeout

    def event(self, payload: dict[str, Any], *, retry: int = 0) -> Response:
        body = json.dumps(payload).encode()
        headers = sign(body, SIGNING_SECRET)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        request = (
            self._head
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.monotonic()
        with socket.create_connection(self._address, self._timeout) as connection:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client
            connection.sendall(request)
            status, answer = _read_answer(connection)
        return Response(status, {}, answer, time.monotonic() - started)


def _read_answer(connection: socket.socket) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 answer (the server says its Content-Length)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError(f"the server closed the connection after {received!r}")
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    length = int({k.lower(): v for k, v in fields.items()}.get("content-length", 0))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), body


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def send_one(
    run: Run, sender: Deliveries, pastes: list[str], n: int, due: float | None = None
) -> None:
    """Send event `n` (and every tenth again, as a redelivery) and record what happened. With
    `due`, latency counts from that moment (open loop) rather than from the send."""
    event = message_event(pastes[n % len(pastes)])
    response = sender.event(event)
    run.add(time.monotonic() - due if due else response.seconds, response.status)
    if response.status == 200:
        with run.lock:
            run.expected.add(event["event"]["ts"])
            run.acked_at[event["event"]["ts"]] = time.time()
    if n % REDELIVER_EVERY == 0:
        again = sender.event(event, retry=1)
        run.add(again.seconds, again.status)
        with run.lock:
            run.redelivered += 1


def drive(
    sender: Deliveries,
    pastes: list[str],
    in_flight: int,
    *,
    requests: int | None,
    seconds: float | None,
    on_tick: Callable[[], None] = lambda: None,
) -> Run:
    """`in_flight` threads sending events back to back until `requests` were sent or `seconds`
    passed."""
    run = Run(in_flight)
    run.started_wall = time.time()
    numbers = itertools.count()
    deadline = time.monotonic() + seconds if seconds else float("inf")

    def worker() -> None:
        while time.monotonic() < deadline:
            n = next(numbers)
            if requests is not None and n >= requests:
                return
            send_one(run, sender, pastes, n)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(in_flight)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        on_tick()
        time.sleep(0.5)
    run.seconds = time.monotonic() - started
    return run


def drive_open(sender: Deliveries, pastes: list[str], rate: float, seconds: float) -> Run:
    """Offer `rate` events a second for `seconds`, each on its own schedule (open loop)."""
    run = Run(f"{rate:g}/s open loop")  # type: ignore[arg-type]
    count = int(rate * seconds)
    pool = ThreadPoolExecutor(max_workers=400, thread_name_prefix="sender")
    started = time.monotonic()
    run.started_wall = time.time()

    for n in range(count):
        due = started + n / rate
        time.sleep(max(0.0, due - time.monotonic()))
        pool.submit(send_one, run, sender, pastes, n, due)
    pool.shutdown(wait=True)
    run.seconds = time.monotonic() - started
    return run


def settle(tally: Tally, run: Run) -> dict[str, object]:
    """Wait for the replies to `run` (at most DRAIN_SECONDS) and summarise it."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        delivered, duplicated = tally.count(run.expected)
        if delivered == len(run.expected) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # a late duplicate, were there one, would arrive now
    delivered, duplicated = tally.count(run.expected)
    ms = [s * 1000 for s in run.latencies]
    with tally.lock:
        lags = [
            tally.first_reply_at[ts] - run.acked_at[ts]
            for ts in run.expected
            if ts in tally.first_reply_at
        ]
        last_reply = max(
            (tally.first_reply_at[ts] for ts in run.expected if ts in tally.first_reply_at),
            default=run.started_wall,
        )
    answered_seconds = last_reply - run.started_wall
    return {
        "in_flight": run.in_flight,
        "requests": len(run.latencies),
        "redeliveries": run.redelivered,
        "seconds": round(run.seconds, 1),
        "requests_per_second": round(len(run.latencies) / run.seconds, 1) if run.seconds else 0,
        "statuses": dict(run.statuses),
        "ack_ms_p50": round(percentile(ms, 0.50), 1),
        "ack_ms_p99": round(percentile(ms, 0.99), 1),
        "ack_ms_max": round(max(ms), 1) if ms else None,
        "reply_s_p50": round(percentile(lags, 0.50), 2),
        "reply_s_p99": round(percentile(lags, 0.99), 2),
        "reply_s_max": round(max(lags), 2) if lags else None,
        "replies_expected": len(run.expected),
        "replies_delivered": delivered,
        "replies_lost": len(run.expected) - delivered,
        "replies_duplicated": duplicated,
        # Events both acknowledged and answered, per second from the first send to the last reply.
        "answered_per_second": round(delivered / answered_seconds, 1) if answered_seconds else 0,
    }


# --- Memory ---------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_memory(process: SyncdocProcess) -> dict[str, int]:
    """Resident memory in KiB of the gunicorn arbiter and its worker(s)."""
    sample = {"arbiter": rss_kib(process.pid)}
    for n, child in enumerate(_children(process.pid)):
        sample[f"worker{n}"] = rss_kib(child)
    return sample


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """CPU time used by each process of the benchmark since `start`: on a busy machine a steadier
    figure than throughput, and what decides throughput on a quiet one (2 cores give 2,000 ms of
    CPU a second to share among the server, the fake Slack and this driver)."""

    server: SyncdocProcess
    fake_pid: int
    started: dict[str, float] = field(default_factory=dict)

    def sample(self) -> dict[str, float]:
        workers = [self.server.pid, *_children(self.server.pid)]
        return {
            "server": sum(cpu_seconds(pid) for pid in workers),
            "fake_slack": cpu_seconds(self.fake_pid),
            "driver": time.process_time(),
        }

    def start(self) -> CpuMeter:
        self.started = self.sample()
        return self

    def per_event(self, events: int) -> dict[str, float]:
        """Milliseconds of CPU per event since `start`, per process and in all."""
        used = {k: v - self.started[k] for k, v in self.sample().items()}
        used["total"] = sum(used.values())
        return {k: round(v * 1000 / max(events, 1), 2) for k, v in used.items()}


def slope_mib_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, KiB) points, in MiB per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 60 / 1024


def soak(
    sender: Deliveries,
    tally: Tally,
    process: SyncdocProcess,
    pastes: list[str],
    *,
    in_flight: int,
    seconds: float,
    sample_every: float,
) -> dict[str, object]:
    samples: list[dict[str, float]] = []
    started = time.monotonic()
    next_sample = started

    def tick() -> None:
        nonlocal next_sample
        now = time.monotonic()
        if now >= next_sample:
            memory = server_memory(process)
            samples.append({"t": round(now - started, 1), **memory})
            print(f"  soak {now - started:6.0f}s  RSS {memory}", flush=True)
            next_sample += sample_every

    run = drive(sender, pastes, in_flight, requests=None, seconds=seconds, on_tick=tick)
    tick()
    summary = settle(tally, run)
    worker = [k for k in samples[-1] if k.startswith("worker")]
    key = worker[0] if worker else "arbiter"
    warm = [s for s in samples if s["t"] >= 60] or samples
    kib = [s[key] for s in warm]
    summary["memory"] = {
        "process": key,
        "samples": samples,
        "rss_mib_first": round(samples[0][key] / 1024, 1),
        "rss_mib_after_warmup": round(warm[0][key] / 1024, 1),
        "rss_mib_last": round(samples[-1][key] / 1024, 1),
        "rss_mib_max": round(max(s[key] for s in samples) / 1024, 1),
        "slope_mib_per_minute_after_warmup": round(
            slope_mib_per_minute([(s["t"], s[key]) for s in warm]), 2
        ),
        "growth_mib_after_warmup": round((kib[-1] - kib[0]) / 1024, 1),
    }
    return summary


# --- Main -----------------------------------------------------------------------------------------


def watchdog(limit: float, process: list[SyncdocProcess]) -> None:
    def expire() -> None:
        print(f"load.py: hard time limit of {limit:.0f}s reached; stopping", file=sys.stderr)
        for each in process:
            os.kill(each.pid, signal.SIGKILL)
        os._exit(3)

    timer = threading.Timer(limit, expire)
    timer.daemon = True
    timer.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10,50,200", help="requests in flight, comma-separated")
    parser.add_argument("--requests", type=int, default=2000, help="requests per level")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS", help="soak duration")
    parser.add_argument("--soak-in-flight", type=int, default=50)
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--max-seconds", type=float, default=None, help="hard limit for the run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--server-log", type=Path, help="write the server's output to this file")
    parser.add_argument(
        "--rate", type=float, default=0, help="open loop: events offered per second (0: none)"
    )
    parser.add_argument("--duration", type=float, default=60, help="open loop: seconds")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: one per core)"
    )
    parser.add_argument(
        "--check-payloads",
        action="store_true",
        help="have the fake Slack check every payload against Slack's rules (costs it CPU)",
    )
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",") if n]
    limit = args.max_seconds or (
        len(levels) * 300 + args.soak * 1.5 + (args.duration + 120 if args.rate else 0) + 300
    )

    # Only examples a channel gets an answer to: a generic text naming no channel ("Error:
    # Access denied") is rightly met with silence there, and would count as a lost answer.
    engine = Engine.from_path(bundled_kb_path())
    pastes = [
        example
        for entry in engine.kb
        for example in entry.examples
        if engine.explain(example).recognised
    ]
    results: dict[str, object] = {"levels": [], "pastes": len(pastes)}
    started = time.monotonic()
    parent, child = multiprocessing.get_context("spawn").Pipe()
    fake = multiprocessing.get_context("spawn").Process(
        target=fake_slack_process, args=(child, args.check_payloads)
    )
    fake.start()
    api_url = parent.recv()
    assert urllib.parse.urlsplit(api_url).hostname == LOOPBACK
    tally = Tally()
    reader = threading.Thread(target=tally.read, args=(parent,), daemon=True)
    reader.start()
    try:
        with tempfile.TemporaryDirectory() as data:
            results.update(measure(args, levels, limit, pastes, api_url, data, tally, fake.pid))
    finally:
        parent.send("stop")
        reader.join(10)
        fake.join(10)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render_table(results))
    return 0


def measure(
    args: argparse.Namespace,
    levels: list[int],
    limit: float,
    pastes: list[str],
    api_url: str,
    data: str,
    tally: Tally,
    fake_pid: int,
) -> dict[str, object]:
    results: dict[str, object] = {"levels": []}
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SYNCDOC_DATA_DIR": data,
        "SYNCDOC_LOG_LEVEL": "INFO",  # the address is announced at INFO
        **({"SYNCDOC_WORKERS": str(args.workers)} if args.workers else {}),
    }
    with syncdoc(["serve", "--host", LOOPBACK, "--port", "0"], env) as process:
        watchdog(limit, [process])
        base = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)
        assert urllib.parse.urlsplit(base).hostname == LOOPBACK
        sender = Deliveries(base + EVENTS_PATH, timeout=30)
        settle(tally, drive(sender, pastes, 5, requests=50, seconds=60))  # warm up
        for level in levels:
            cpu = CpuMeter(process, fake_pid).start()
            run = drive(sender, pastes, level, requests=args.requests, seconds=240)
            summary = settle(tally, run)
            summary["cpu_ms_per_event"] = cpu.per_event(len(run.expected))
            summary["rss_mib"] = {k: round(v / 1024, 1) for k, v in server_memory(process).items()}
            results["levels"].append(summary)  # type: ignore[attr-defined]
            print(json.dumps(summary), flush=True)
        if args.rate:
            cpu = CpuMeter(process, fake_pid).start()
            run = drive_open(sender, pastes, args.rate, args.duration)
            summary = settle(tally, run)
            summary["cpu_ms_per_event"] = cpu.per_event(len(run.expected))
            summary["rss_mib"] = {k: round(v / 1024, 1) for k, v in server_memory(process).items()}
            results["levels"].append(summary)  # type: ignore[attr-defined]
            print(json.dumps(summary), flush=True)
        if args.soak:
            soaked = soak(
                sender,
                tally,
                process,
                pastes,
                in_flight=args.soak_in_flight,
                seconds=args.soak,
                sample_every=args.sample,
            )
            results["soak"] = soaked
            memory = {k: v for k, v in soaked["memory"].items() if k != "samples"}  # type: ignore[attr-defined]
            print(json.dumps({**soaked, "memory": memory}), flush=True)
        process.stop()
        errors = [line for line in process.lines if "Traceback" in line or " ERROR " in line]
        results["server_errors_logged"] = len(errors)
        results["server_warnings_logged"] = sum(" WARNING " in line for line in process.lines)
        if args.server_log:
            args.server_log.write_text(process.output, encoding="utf-8")
    return results


def render_table(results: dict[str, object]) -> str:
    rows = [
        "| in flight | requests | req/s | ack p50 ms | ack p99 ms | ack max ms | delivered | "
        "lost | duplicated | non-200 | answered/s | CPU ms/event (server, fake, driver) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    runs = list(results["levels"])  # type: ignore[call-overload]
    if "soak" in results:
        runs.append({**results["soak"], "in_flight": f"{results['soak']['in_flight']} (soak)"})  # type: ignore[index]
    for r in runs:
        non_200 = sum(n for s, n in r["statuses"].items() if int(s) != 200)
        rows.append(
            f"| {r['in_flight']} | {r['requests']} | {r['requests_per_second']} | "
            f"{r['ack_ms_p50']} | {r['ack_ms_p99']} | {r['ack_ms_max']} | "
            f"{r['replies_delivered']}/{r['replies_expected']} | {r['replies_lost']} | "
            f"{r['replies_duplicated']} | {non_200} | {r.get('answered_per_second', '')} | "
            f"{_cpu(r.get('cpu_ms_per_event'))} |"
        )
    return "\n".join(rows)


def _cpu(ms: dict[str, float] | None) -> str:
    if not ms:
        return ""
    return f"{ms['total']} ({ms['server']}, {ms['fake_slack']}, {ms['driver']})"


if __name__ == "__main__":
    sys.exit(main())
