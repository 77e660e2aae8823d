"""The store as the Slack app reaches it (bot/store_guard.py): a store that is down, locked, slow,
damaged or unreachable costs a call at most its timeout, is reported once, and is used again as
soon as it works. Real SQLite files and a real (silent) TCP peer; no mocks."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import Secret
from bot.exceptions import StoreUnavailableError
from bot.slack.executor import BoundedExecutor
from bot.store import PostgresStore, SQLiteStore
from bot.store_guard import GuardedStore, StoreHealth
from bot.testing.fake_slack import message_event
from bot.testing.loopback import app_on_loopback

TIMEOUT = 0.3
TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


def guard_at(path: Path, retry_seconds: float = 0.05) -> GuardedStore:
    return GuardedStore(
        lambda: SQLiteStore(path, timeout=TIMEOUT),
        name=str(path),
        timeout=TIMEOUT,
        retry_seconds=retry_seconds,
    )


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll `check` until it holds (a hang guard, not a speed claim)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def guarded(tmp_path) -> Iterator[Callable[..., GuardedStore]]:
    made: list[GuardedStore] = []

    def make(path: Path, **options) -> GuardedStore:
        made.append(guard_at(path, **options))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_a_healthy_store_is_ok_and_keeps_what_it_is_given(guarded, tmp_path):
    store = guarded(tmp_path / "syncdoc.sqlite3")
    assert store.wait_ready(5) == StoreHealth("ok")
    store.record_answer("a1", user="U1", channel="C1", entries=["e1"])
    assert store.answer("a1").entries == ("e1",)


def test_a_store_that_cannot_be_opened_is_degraded_with_why_and_fails_at_once(
    guarded, tmp_path, caplog
):
    (tmp_path / "blocker").write_text("a file where the data folder should be")
    with caplog.at_level(logging.WARNING, logger="bot.store_guard"):
        store = guarded(tmp_path / "blocker" / "syncdoc.sqlite3", retry_seconds=60)
        health = store.wait_ready(5)
        for _ in range(5):
            with pytest.raises(StoreUnavailableError):
                store.record_answer("a1", user="U1", channel="C1", entries=["e1"])
    assert health.state == "degraded" and "blocker" in health.reason
    assert store.health().dropped == 5
    assert caplog.text.count("answering without it") == 1


def test_the_store_is_used_again_once_it_can_be_opened(guarded, tmp_path, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data folder should be")
    store = guarded(blocker / "syncdoc.sqlite3")
    assert not store.wait_ready(5).ok
    blocker.unlink()
    with caplog.at_level(logging.INFO, logger="bot.store_guard"):
        assert eventually(lambda: store.health().ok)
    store.vote("a1", "U1", helpful=True)
    assert store.votes("a1") == (1, 0)
    assert "answers again after" in caplog.text


def test_a_file_that_is_not_a_database_is_moved_aside_and_a_fresh_one_started(
    guarded, tmp_path, caplog
):
    path = tmp_path / "syncdoc.sqlite3"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    with caplog.at_level(logging.ERROR, logger="bot.store_guard"):
        store = guarded(path)
        assert store.wait_ready(5).ok
    (moved,) = tmp_path.glob("syncdoc.sqlite3.damaged-*")
    assert moved.read_bytes().startswith(b"this is not a database")
    assert f"store: {path} is damaged (file is not a database); moved it to {moved}" in caplog.text
    assert store.first_time("event:1")


def test_a_file_with_damaged_pages_is_moved_aside_when_they_are_read(guarded, tmp_path, caplog):
    path = tmp_path / "syncdoc.sqlite3"
    with SQLiteStore(path) as plain:
        for n in range(400):
            plain.record_answer(f"a{n}", user="U1", channel="C1", entries=[f"entry-{n}" * 20])
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = 4096
    with open(path, "r+b") as damaged:  # every page after the schema's: garbage
        size = damaged.seek(0, 2)
        damaged.seek(2 * page)
        damaged.write(b"\xa5" * (size - 2 * page))
    store = guarded(path)
    with caplog.at_level(logging.ERROR, logger="bot.store_guard"):
        store.wait_ready(5)
        with pytest.raises(StoreUnavailableError, match="malformed"):
            store.paste_counts(0)
        assert eventually(lambda: store.health().ok)
    assert "is damaged (database disk image is malformed); moved it to" in caplog.text
    assert store.paste_counts(0) == (0, 0)  # a fresh, empty store


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_stores_thread_keeps_the_priority_of_the_thread_that_started_it_not_a_listeners(
    guarded, tmp_path
):
    store = guarded(tmp_path / "syncdoc.sqlite3")
    before = set(threading.enumerate())
    store.start()  # as each worker does on its main thread
    (thread,) = [t for t in set(threading.enumerate()) - before if t.name.startswith("store")]
    assert store.wait_ready(5).ok
    listener = BoundedExecutor(workers=1, backlog=0, nice=3)
    try:
        listener.submit(store.record_answer, "a1", user="U1", channel="C1", entries=["e1"]).result(
            5
        )
    finally:
        listener.shutdown(wait=True)
    assert store.answer("a1").entries == ("e1",)
    assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == os.getpriority(
        os.PRIO_PROCESS, threading.get_native_id()
    )


def test_a_database_locked_by_another_process_costs_a_call_at_most_the_timeout(guarded, tmp_path):
    path = tmp_path / "syncdoc.sqlite3"
    store = guarded(path)
    assert store.wait_ready(5).ok
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.first_time("event:1")
        assert store.health().state == "degraded"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert eventually(lambda: store.health().ok)
    assert store.first_time("event:2")


def test_a_store_that_comes_and_goes_is_one_warning(guarded, tmp_path, caplog):
    path = tmp_path / "syncdoc.sqlite3"
    store = guarded(path)
    assert store.wait_ready(5).ok
    with caplog.at_level(logging.WARNING, logger="bot.store_guard"):
        for attempt in range(3):  # as a nearly full disk does
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreUnavailableError):
                store.first_time(f"event:{attempt}")
            holder.execute("ROLLBACK")
            holder.close()
            assert eventually(lambda: store.health().ok)
    assert caplog.text.count("answering without it") == 1


@pytest.fixture
def silent_peer() -> Iterator[int]:
    """A port that accepts connections and never says a word, like a frozen database server."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for each in [*accepted, server]:
        each.close()


def test_a_database_that_never_answers_leaves_the_store_degraded_not_waited_for(silent_peer):
    url = Secret(f"postgresql://syncdoc:hunter2@127.0.0.1:{silent_peer}/syncdoc")
    store = GuardedStore(
        lambda: PostgresStore(url, timeout=TIMEOUT), name="PostgreSQL", timeout=TIMEOUT
    )
    try:
        health = store.wait_ready(10)
        with pytest.raises(StoreUnavailableError):
            store.first_time("event:1")
    finally:
        store.close()
    assert health.state == "degraded"
    assert "hunter2" not in str(health.reason)


def test_with_the_store_down_a_paste_is_answered_once_despite_a_redelivery(
    guarded, tmp_path, slack, engine
):
    (tmp_path / "blocker").write_text("")
    store = guarded(tmp_path / "blocker" / "syncdoc.sqlite3", retry_seconds=60)
    event = message_event(TOKEN)
    with app_on_loopback(slack, engine, store=store) as app:
        assert app.sender.event(event).status == 200
        assert app.sender.event(event, retry=1).status == 200
        app.wait_idle()
    (reply,) = slack.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == event["event"]["ts"]


def test_pastes_recorded_together_count_as_if_recorded_one_by_one_and_one_that_fails_fails_alone(
    tmp_path,
):
    path = tmp_path / "syncdoc.sqlite3"
    store = GuardedStore(lambda: SQLiteStore(path, timeout=10), name=str(path), timeout=10)
    assert store.wait_ready(5).ok
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing: the store's thread waits
    pastes = BoundedExecutor(workers=5, backlog=0, nice=0)
    try:
        first = pastes.submit(store.paste_counts, 0)  # the calls may reach the store in any order
        outcomes = [
            pastes.submit(
                store.record_paste,
                f"a{n}",
                user=f"U{n}",
                channel="C1",
                entries=["e1"],
                sightings=["e1"],
                window=600,
                people=3,
                **({"no_such_column": 1} if n == 2 else {}),
            )
            for n in range(4)
        ]
        # Private, to know they wait one behind the other: recorded together, not one by one.
        assert eventually(lambda: store._thread is not None and store._thread.waiting() == 4)
        other.execute("COMMIT")
        first.result(10)
        with pytest.raises(TypeError, match="no_such_column"):
            outcomes[2].result(10)
        recorded = [outcomes[n].result(10) for n in (0, 1, 3)]
    finally:
        pastes.shutdown(wait=True)
        store.close()
        other.close()
    assert sorted(bursts[0].people for _, bursts in recorded) == [1, 2, 3]
    assert [answer.entries for answer, _ in recorded] == [("e1",)] * 3
