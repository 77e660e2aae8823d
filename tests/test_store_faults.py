"""The real `syncdoc serve` answering through store faults: a database unreachable at start, a
damaged SQLite file, a full disk, a read-only data folder. Every event is acknowledged and
answered; the fault is logged once, without a traceback, and `/healthz` says what is wrong.

bench/store_faults.py reproduces the PostgreSQL faults (stopped and frozen mid-traffic) against a
real server, which a test cannot stop without stopping everyone else's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.http import EVENTS_PATH
from bot.store import SQLITE_FILE, SQLiteStore
from bot.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    SlackSender,
    message_event,
    socket_envelope,
)
from bot.testing.process import SyncdocProcess, syncdoc

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
EVENTS = 12


def serve(fake: FakeSlack, env: dict[str, str], **options) -> Iterator[tuple[str, SyncdocProcess]]:
    full = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "SYNCDOC_STORE_TIMEOUT": "0.3",
        **env,
    }
    return syncdoc(["serve", "--host", "127.0.0.1", "--port", "0"], full, **options)


def health(base: str) -> dict:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as answer:
        return json.loads(answer.read())


def settled_health(base: str, timeout: float = 10.0) -> dict:
    """/healthz once the worker answering it has tried its store: a worker that has handled no
    request yet says "not opened yet" and only starts trying on this request."""
    deadline = time.monotonic() + timeout
    while (answer := health(base))["store"].get("reason") == "not opened yet":
        assert time.monotonic() < deadline, "the store was never tried"
        time.sleep(0.05)
    return answer


def answers_every_event(fake: FakeSlack, base: str) -> None:
    sender = SlackSender(base + EVENTS_PATH)
    events = [message_event(f"{TOKEN} ({n})") for n in range(EVENTS)]
    for event in events:
        assert sender.event(event).status == 200
    replies = fake.wait_for("chat.postMessage", EVENTS, timeout=30)
    assert sorted(r.params["thread_ts"] for r in replies) == sorted(
        e["event"]["ts"] for e in events
    )


def started(process: SyncdocProcess) -> str:
    return process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)


def test_serve_starts_and_answers_while_postgresql_is_unreachable(unused_port):
    url = f"postgresql://syncdoc:hunter2@127.0.0.1:{unused_port}/syncdoc"
    with FakeSlack() as fake, serve(fake, {"DATABASE_URL": url}) as process:
        base = started(process)
        answers_every_event(fake, base)
        store = settled_health(base)["store"]
        assert store["state"] == "degraded" and "127.0.0.1" in store["reason"]
        assert process.stop() == 0
    assert process.output.count("answering without it") <= 2  # once per worker process at most
    assert "Traceback" not in process.output and "hunter2" not in process.output


def test_serve_moves_a_damaged_sqlite_file_aside_and_answers_with_a_fresh_one(tmp_path):
    (tmp_path / SQLITE_FILE).write_bytes(b"\x00garbage, not SQLite\n" * 500)
    with FakeSlack() as fake, serve(fake, {"SYNCDOC_DATA_DIR": str(tmp_path)}) as process:
        base = started(process)
        answers_every_event(fake, base)
        assert settled_health(base)["store"] == {"state": "ok"}
    assert f"{tmp_path / SQLITE_FILE} is damaged (file is not a database); moved it to" in (
        process.output
    )
    assert len(list(tmp_path.glob(f"{SQLITE_FILE}.damaged-*"))) == 1
    assert "Traceback" not in process.output


def warnings(process: SyncdocProcess, text: str) -> int:
    return sum(" WARNING " in line and text in line for line in process.output.splitlines())


def test_serve_answers_when_the_disk_fills_up(tmp_path):
    path = tmp_path / SQLITE_FILE
    SQLiteStore(path).close()
    limit = path.stat().st_size + 48 * 1024  # a few answers' worth of room, then a full disk
    env = {"SYNCDOC_DATA_DIR": str(tmp_path), "SYNCDOC_WORKERS": "1"}
    with FakeSlack() as fake, serve(fake, env, file_size_limit=limit) as process:
        base = started(process)
        answers_every_event(fake, base)
        answers_every_event(fake.reset() or fake, base)
        store = health(base)["store"]
        # EFBIG reads as "disk I/O error"; a really full disk as "database or disk is full".
        assert store["state"] == "degraded" and "disk" in store["reason"]
    # A nearly full disk comes and goes (a read works, the next write fails): one warning for
    # the outage, its returns logged at INFO.
    assert warnings(process, "answering without it") == 1
    assert "Traceback" not in process.output


@pytest.fixture
def read_only_data_dir(tmp_path) -> Iterator[Path]:
    """A data folder holding a store, made read-only as after a restart on a read-only volume:
    by permissions, or (as root, whom permissions do not stop) by a read-only tmpfs mount."""
    folder = tmp_path / "data"
    folder.mkdir()
    if os.geteuid() != 0:
        SQLiteStore(folder / SQLITE_FILE).close()
        (folder / SQLITE_FILE).chmod(0o444)
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if (
        not shutil.which("mount")
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True
        ).returncode
    ):
        pytest.skip("running as root, and no tmpfs can be mounted to make a read-only folder")
    try:
        SQLiteStore(folder / SQLITE_FILE).close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_serve_answers_from_a_read_only_data_folder(read_only_data_dir):
    env = {"SYNCDOC_DATA_DIR": str(read_only_data_dir)}
    with FakeSlack() as fake, serve(fake, env) as process:
        base = started(process)
        answers_every_event(fake, base)
        assert health(base)["store"]["state"] == "degraded"
    assert "Traceback" not in process.output


def test_run_acknowledges_and_answers_over_socket_mode_while_postgresql_is_unreachable(
    unused_port,
):
    url = f"postgresql://syncdoc:hunter2@127.0.0.1:{unused_port}/syncdoc"
    with FakeSlack(socket_mode=True) as fake:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": url,
        }
        with syncdoc(["run"], env) as process:
            process.wait_for_line("connected to Slack over Socket Mode")
            events = [message_event(f"{TOKEN} ({n})") for n in range(EVENTS)]
            for event in events:
                envelope = socket_envelope(event)
                fake.socket_mode.send(envelope)
                fake.socket_mode.wait_for_ack(envelope["envelope_id"])
            replies = fake.wait_for("chat.postMessage", EVENTS, timeout=30)
            assert process.stop() == 0
    assert sorted(r.params["thread_ts"] for r in replies) == sorted(
        e["event"]["ts"] for e in events
    )
    assert process.output.count("answering without it") == 1
    assert "Traceback" not in process.output and "hunter2" not in process.output


def test_serve_answers_a_redelivered_event_once_across_its_workers_while_the_store_is_down(
    unused_port,
):
    # Without the store, only memory can tell a redelivery; with one worker per core it often
    # reaches the other worker, so the memory must be the workers' common one.
    url = f"postgresql://syncdoc:hunter2@127.0.0.1:{unused_port}/syncdoc"
    env = {"DATABASE_URL": url, "SYNCDOC_WORKERS": "2"}
    with FakeSlack() as fake, serve(fake, env) as process:
        sender = SlackSender(started(process) + EVENTS_PATH)
        events = [message_event(f"{TOKEN} ({n})") for n in range(40)]
        for event in events:
            assert sender.event(event).status == 200
            assert sender.event(event, retry=1).status == 200
        fake.wait_for("chat.postMessage", len(events), timeout=30)
        time.sleep(1.0)  # a second answer to any of them would have arrived by now
        replies = fake.calls_to("chat.postMessage")
        assert process.stop() == 0
    assert sorted(r.params["thread_ts"] for r in replies) == sorted(
        e["event"]["ts"] for e in events
    )
