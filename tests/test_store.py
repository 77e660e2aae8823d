"""The store, on SQLite and on a real PostgreSQL server (see conftest.py and .ci/postgres)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot.config import Secret, Settings
from bot.exceptions import StoreError
from bot.store import (
    DAY,
    SCHEMA_VERSION,
    SQLITE_FILE,
    ConfusedPair,
    EntryHits,
    PostgresStore,
    SQLiteStore,
    VoteTally,
    open_store,
    template_key,
)

MINUTE = 60.0


def test_a_new_store_creates_its_tables_at_the_current_schema_version(store):
    assert store.schema_version() == SCHEMA_VERSION


def test_reopening_a_store_keeps_its_data_and_does_not_migrate_again(store_url, open_store_at):
    first = open_store_at(store_url)
    first.record_answer("a1", user="U1", channel="C1", entries=["amazon-throttled"])
    first.close()
    again = open_store_at(store_url)
    assert again.schema_version() == SCHEMA_VERSION
    assert again.answer("a1").entries == ("amazon-throttled",)


def test_a_database_from_a_newer_syncdoc_is_refused_with_a_clear_message(
    store, store_url, open_store_at
):
    store.close()
    writer = open_store_at(store_url)
    with writer.database.transaction() as sql:
        sql.execute("INSERT INTO schema_version (version) VALUES (:v)", v=SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="newer syncdoc"):
        open_store_at(store_url)


def test_first_time_is_true_once_per_key(store):
    assert store.first_time("event:Ev1") is True
    assert store.first_time("event:Ev1") is False
    assert store.first_time("event:Ev2") is True


def test_a_paste_whose_delivery_was_handled_before_is_not_recorded(store):
    assert store.first_time("event:Ev1") is True
    again = store.record_paste(
        "a1", user="U1", channel="C1", entries=["amazon-throttled"], delivery="event:Ev1"
    )
    assert again is None
    assert store.answer("a1") is None


def test_a_paste_is_recorded_with_its_delivery_which_is_then_no_longer_new(store):
    recorded = store.record_paste(
        "a1", user="U1", channel="C1", entries=["amazon-throttled"], delivery="event:Ev1"
    )
    assert recorded is not None and store.answer("a1").entries == ("amazon-throttled",)
    assert store.first_time("event:Ev1") is False


def test_two_instances_sharing_a_store_share_the_redelivery_check(store_url, open_store_at):
    one, two = open_store_at(store_url), open_store_at(store_url)
    assert one.first_time("event:Ev1") is True
    assert two.first_time("event:Ev1") is False


def test_racing_threads_on_two_instances_see_a_key_first_exactly_once(store_url, open_store_at):
    stores = [open_store_at(store_url), open_store_at(store_url)]
    results: list[bool] = []
    start = threading.Barrier(8)

    def offer(index: int) -> None:
        start.wait()
        results.append(stores[index % 2].first_time("event:race"))

    threads = [threading.Thread(target=offer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_old_event_keys_are_forgotten_after_a_day(store, clock):
    store.first_time("event:old")
    clock.advance(2 * DAY)
    store.first_time("event:new")  # prunes
    assert store.first_time("event:old") is True


def test_an_answer_is_remembered_with_its_entries_candidates_and_templates(store, clock):
    store.record_answer(
        "a1",
        user="U1",
        channel="C1",
        entries=["ebay-token-expired", "general-timeout"],
        candidates=["ebay-auth"],
        templates=["order #n failed"],
    )
    answer = store.answer("a1")
    assert answer.entry_id == "ebay-token-expired"
    assert answer.recognised
    assert answer.candidates == ("ebay-auth",)
    assert answer.templates == ("order #n failed",)
    assert (answer.user, answer.channel, answer.at) == ("U1", "C1", clock.now)


def test_a_paste_is_recorded_whole_with_its_unknowns_and_sightings(store):
    answer, bursts = store.record_paste(
        "a1",
        user="U1",
        channel="C1",
        entries=[],
        unknowns=[("order <n> stuck", "order <order number> stuck", None)],
        sightings=["unknown:x", "unknown:y"],
        window=60.0,
        people=1,
    )
    assert store.answer("a1") == answer
    assert [i.example for i in store.inbox()] == ["order <order number> stuck"]
    assert [(b.people, b.new) for b in bursts] == [(1, True), (1, True)]


def test_a_paste_that_cannot_be_recorded_whole_leaves_nothing_behind(store):
    with store.database.transaction() as sql:
        sql.execute("DROP TABLE sightings")
    with pytest.raises(StoreError):
        store.record_paste(
            "a1",
            user="U1",
            channel="C1",
            entries=[],
            unknowns=[("order <n> stuck", "order <order number> stuck", None)],
            sightings=["unknown:x"],
        )
    assert (store.answer("a1"), store.inbox()) == (None, [])


def test_an_unknown_answer_is_not_recognised(store):
    store.record_answer("a1", user="U1", channel="C1", entries=[])
    assert store.answer("a1").recognised is False
    assert store.answer("a1").entry_id is None
    assert store.answer("missing") is None


def test_a_second_vote_by_the_same_person_replaces_the_first(store):
    store.record_answer("a1", user="U1", channel="C1", entries=["x"])
    store.vote("a1", "U2", helpful=True)
    store.vote("a1", "U2", helpful=False)
    assert store.votes("a1") == (0, 1)


def test_votes_by_different_people_all_count(store):
    store.record_answer("a1", user="U1", channel="C1", entries=["x"])
    for user, helpful in (("U1", True), ("U2", True), ("U3", False)):
        store.vote("a1", user, helpful=helpful)
    assert store.votes("a1") == (2, 1)


def test_vote_tallies_are_per_answered_entry(store):
    store.record_answer("a1", user="U1", channel="C1", entries=["x"])
    store.record_answer("a2", user="U1", channel="C1", entries=["x"])
    store.record_answer("a3", user="U1", channel="C1", entries=[])
    store.vote("a1", "U1", helpful=True)
    store.vote("a2", "U1", helpful=False)
    store.vote("a2", "U2", helpful=False)
    store.vote("a3", "U1", helpful=False)
    assert store.vote_tallies() == [VoteTally("x", 1, 2), VoteTally(None, 0, 1)]


def test_a_new_confusion_choice_by_the_same_person_replaces_the_old(store):
    store.record_answer("a1", user="U1", channel="C1", entries=["x"])
    store.record_confusion("a1", "U1", answered="x", chosen="y")
    store.record_confusion("a1", "U1", answered="x", chosen="z")
    store.record_confusion("a1", "U2", answered="x", chosen="z")
    store.record_confusion("a1", "U3", answered="x", chosen=None)  # "none of these"
    assert store.confused_pairs() == [ConfusedPair("x", "z", 2)]


def test_unknown_errors_are_grouped_by_template_with_people_channels_and_times(store, clock):
    store.record_unknown("order #n failed", "Order <order number> failed", user="U1", channel="C1")
    clock.advance(MINUTE)
    store.record_unknown("order #n failed", "Order <number> failed", user="U2", channel="C2")
    clock.advance(MINUTE)
    store.record_unknown("order #n failed", "Order <number> failed", user="U1", channel="C1")
    store.record_unknown("sku #q missing", "SKU '<name>' missing", user="U1", channel="C1")
    first, second = store.inbox()
    assert (first.template, first.count, first.people) == ("order #n failed", 3, 2)
    assert first.channels == ("C1", "C2")
    assert first.example == "Order <order number> failed"  # the first one is kept
    assert first.last_seen - first.first_seen == 2 * MINUTE
    assert (second.template, second.count, second.people) == ("sku #q missing", 1, 1)


def test_marking_unknown_errors_reported_records_who_and_when(store, clock):
    key = store.record_unknown("order #n failed", "Order <number> failed", user="U1", channel="C")
    store.record_unknown("other", "other", user="U1", channel="C")
    [item] = store.mark_reported([key], user="U9")
    assert (item.key, item.reported_by, item.reported_at) == (key, "U9", clock.now)
    assert [i.reported_at for i in store.inbox() if i.key != key] == [None]


def test_a_template_of_any_length_gets_a_short_key():
    assert len(template_key("x" * 5000)) == 32
    assert template_key("a") != template_key("b")


@pytest.mark.parametrize("people", [2, 3, 5])
def test_a_burst_starts_when_enough_different_people_paste_within_the_window(store, people):
    bursts = [
        store.sighting("entry:x", f"U{n}", window=30 * MINUTE, people=people)
        for n in range(people + 1)
    ]
    assert [b.active for b in bursts] == [False] * (people - 1) + [True, True]
    assert [b.new for b in bursts] == [False] * (people - 1) + [True, False]
    assert bursts[-1].people == people + 1


def test_the_same_person_pasting_again_is_not_a_burst(store):
    for _ in range(5):
        burst = store.sighting("entry:x", "U1", window=30 * MINUTE, people=3)
    assert (burst.people, burst.active) == (1, False)


def test_pastes_older_than_the_window_do_not_count_towards_a_burst(store, clock):
    store.sighting("entry:x", "U1", window=30 * MINUTE, people=3)
    clock.advance(31 * MINUTE)
    store.sighting("entry:x", "U2", window=30 * MINUTE, people=3)
    assert store.sighting("entry:x", "U3", window=30 * MINUTE, people=3).active is False


def test_a_quiet_window_ends_a_burst_and_the_next_one_is_new_again(store, clock):
    for user in ("U1", "U2", "U3"):
        store.sighting("entry:x", user, window=30 * MINUTE, people=3)
    clock.advance(10 * MINUTE)
    assert store.sighting("entry:x", "U4", window=30 * MINUTE, people=3).new is False
    clock.advance(45 * MINUTE)
    for user in ("U5", "U6"):
        store.sighting("entry:x", user, window=30 * MINUTE, people=3)
    assert store.sighting("entry:x", "U7", window=30 * MINUTE, people=3).new is True


def test_bursts_of_different_errors_are_separate(store):
    for user in ("U1", "U2"):
        store.sighting("entry:x", user, window=30 * MINUTE, people=3)
    assert store.sighting("entry:y", "U3", window=30 * MINUTE, people=3).active is False


def test_hits_are_counted_over_a_day_a_week_and_a_month(store, clock):
    for days_ago in (40, 20, 5, 0.5, 0.1):
        clock.now -= days_ago * DAY
        store.record_answer(f"a{days_ago}", user="U", channel="C", entries=["x", "y"])
        clock.now += days_ago * DAY
    store.record_answer("only-y", user="U", channel="C", entries=["y"])
    assert store.hits() == [EntryHits("y", 3, 4, 5), EntryHits("x", 2, 3, 4)]


def test_entries_hit_since_lists_each_entry_once(store, clock):
    store.record_answer("a1", user="U", channel="C", entries=["x"])
    clock.advance(DAY)
    store.record_answer("a2", user="U", channel="C", entries=["x", "y"])
    store.record_answer("a3", user="U", channel="C", entries=["z"])
    assert store.entries_hit_since(clock.now - DAY / 2) == {"x", "y", "z"}
    assert store.entries_hit_since(clock.now + 1) == set()


def test_paste_counts_tell_how_many_pastes_recognised_nothing(store, clock):
    store.record_answer("old", user="U", channel="C", entries=[], templates=["k0"])
    clock.advance(10 * DAY)
    store.record_answer("a1", user="U", channel="C", entries=["x"])
    store.record_answer("a2", user="U", channel="C", entries=[], templates=["k1"])
    assert store.paste_counts(clock.now - DAY) == (2, 1)
    assert store.paste_counts(0) == (3, 2)


def test_an_answer_that_only_came_near_an_entry_is_not_a_paste(store):
    store.record_answer("chat", user="U", channel="C", entries=[], candidates=["x"])
    assert store.paste_counts(0) == (0, 0)
    assert store.answer("chat").candidates == ("x",)  # it can still be voted on


def test_an_answer_whose_unknown_lines_are_an_empty_json_list_however_spaced_is_not_a_paste(
    store,
):
    store.record_answer("a1", user="U", channel="C", entries=[], templates=["k1"])
    with store.database.transaction() as sql:  # as another JSON writer spaces an empty list
        sql.execute(
            "INSERT INTO answers (id, user_id, channel, at, entry_id, recognised, entries, "
            "candidates, templates) VALUES ('a2', 'U', 'C', :at, NULL, 0, '[]', '[\"x\"]', "
            "'[ ]')",
            at=store.now(),
        )
    assert store.paste_counts(0) == (1, 1)


def test_an_inbox_cut_to_its_busiest_errors_lists_the_channels_of_each(store):
    for channel in ("C2", "C1"):
        store.record_unknown("busy", "busy", user="U1", channel=channel)
    store.record_unknown("quiet", "quiet", user="U1", channel="C3")
    [busiest] = store.inbox(limit=1)
    assert (busiest.template, busiest.channels) == ("busy", ("C1", "C2"))
    [quiet] = store.inbox(keys=[template_key("quiet")])
    assert quiet.channels == ("C3",)


def test_the_sqlite_store_lives_in_the_data_dir_by_default(tmp_path):
    settings = Settings.from_env({"SYNCDOC_DATA_DIR": str(tmp_path / "data")})
    with open_store(settings) as opened:
        assert isinstance(opened, SQLiteStore)
        assert opened.path == tmp_path / "data" / SQLITE_FILE
    assert (tmp_path / "data" / SQLITE_FILE).is_file()


def test_without_a_data_dir_the_store_goes_to_the_per_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with open_store(Settings.from_env({})) as opened:
        assert opened.path == tmp_path / "xdg" / "syncdoc" / SQLITE_FILE


def test_database_url_selects_postgresql(postgres_url):
    with open_store(Settings.from_env({"DATABASE_URL": postgres_url})) as opened:
        assert isinstance(opened, PostgresStore)
        assert opened.first_time("k") is True


def test_a_connection_postgresql_closed_while_it_was_idle_is_replaced_before_a_call_fails(
    postgres_url,
):
    import psycopg

    with PostgresStore(Secret(postgres_url)) as opened:
        opened.database.ping_after_idle = 0.0  # in production: after 30 s unused
        with opened.database.transaction() as sql:
            backend = sql.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # as a restart would
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        assert opened.first_time("event:after-the-restart") is True


def test_an_unreachable_postgresql_is_a_store_error_that_hides_the_password(unused_port):
    url = f"postgresql://syncdoc:hunter2-secret@127.0.0.1:{unused_port}/syncdoc"
    with pytest.raises(StoreError) as caught:
        PostgresStore(Secret(url))
    assert "hunter2-secret" not in str(caught.value)
    assert "PostgreSQL at 127.0.0.1" in str(caught.value)


def test_a_data_dir_that_is_a_file_is_a_store_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=str(blocker)):
        SQLiteStore(blocker / SQLITE_FILE)


def test_a_corrupt_sqlite_file_is_a_store_error(tmp_path):
    path = tmp_path / SQLITE_FILE
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a database"):
        SQLiteStore(path)


def test_the_sqlite_file_is_readable_by_the_sqlite3_tool_while_the_bot_has_it_open(tmp_path):
    with SQLiteStore(tmp_path / SQLITE_FILE) as opened:
        opened.record_answer("a1", user="U", channel="C", entries=["x"])
        reader = sqlite3.connect(tmp_path / SQLITE_FILE)
        assert reader.execute("SELECT entry_id FROM hits").fetchall() == [("x",)]
        reader.close()


def test_an_older_database_is_migrated_forward_keeping_its_data(
    store_url, open_store_at, monkeypatch
):
    from bot.store import schema

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    old = open_store_at(store_url)
    assert old.schema_version() == 1
    with old.database.transaction() as sql:
        sql.execute(
            "INSERT INTO inbox (key, template, example, count, first_seen, last_seen) "
            "VALUES ('k', 't', 'e', 4, 1, 2)"
        )
    old.close()
    monkeypatch.undo()

    upgraded = open_store_at(store_url)
    assert upgraded.schema_version() == SCHEMA_VERSION
    [item] = upgraded.inbox()
    assert (item.template, item.count, item.channel_hint) == ("t", 4, None)


def test_the_channel_an_unknown_error_names_is_kept_from_the_first_sighting_that_names_one(store):
    store.record_unknown("t", "e", user="U1", channel="C", channel_hint=None)
    store.record_unknown("t", "e", user="U1", channel="C", channel_hint="ebay")
    store.record_unknown("t", "e", user="U1", channel="C", channel_hint="amazon")
    assert store.inbox()[0].channel_hint == "ebay"


def test_a_store_opened_before_a_fork_works_in_the_child(store_url, open_store_at):
    """gunicorn builds the app (and opens the store) before it forks its worker."""
    import os
    import warnings

    parent = open_store_at(store_url)
    parent.first_time("event:before-fork")
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a threaded process; this child only uses the store.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:
        ok = False
        try:
            ok = parent.first_time("event:in-child") and not parent.first_time("event:before-fork")
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent.first_time("event:in-child") is False  # the parent's connection still works


def test_an_answer_shown_again_can_be_voted_on_but_is_not_another_paste(store):
    store.record_answer("a1", user="U1", channel="C1", entries=["x"])
    store.record_answer("a2", user="U1", channel="C1", entries=["x"], repeat=True)
    store.vote("a2", "U2", helpful=True)
    assert store.paste_counts(0) == (1, 0)
    assert [(h.entry_id, h.month) for h in store.hits()] == [("x", 1)]
    assert store.votes("a2") == (1, 0)
