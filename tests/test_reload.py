"""Live reload: edits, additions, removals, invalid edits and their fixes, under load."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.reload import KnowledgeWatcher
from bot.render.maintainers import problems_message
from bot.testing.hostile_kb import ALIAS_BOMB, ALIAS_BOMB_PROBLEM

from conftest import ALPHA, BETA, kb_entry


@pytest.fixture
def kb_dir(alpha_kb: Path) -> Path:
    return alpha_kb


@pytest.fixture
def engine(kb_dir: Path) -> Engine:
    return Engine.from_path(kb_dir)


def settle(watcher: KnowledgeWatcher) -> bool:
    """Poll until the watcher has acted on what is on disk (a change waits one poll)."""
    return any([watcher.check() for _ in range(3)])


def titles(engine: Engine, text: str) -> list[str]:
    return [f.entry.title for f in engine.explain(text).matches]


def test_an_edited_file_is_served_after_the_next_polls(kb_dir, engine):
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v2", ALPHA))
    assert settle(watcher) is True
    assert titles(engine, ALPHA) == ["Alpha v2"]


def test_a_paste_answered_before_a_reload_is_answered_by_the_new_base(kb_dir, engine):
    assert titles(engine, ALPHA) == ["Alpha v1"]
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v2", ALPHA))
    settle(watcher)
    assert titles(engine, ALPHA) == ["Alpha v2"]


def test_a_change_is_read_only_once_it_has_held_still_for_a_poll(kb_dir, engine):
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v2", ALPHA))
    assert watcher.check() is False
    assert titles(engine, ALPHA) == ["Alpha v1"]
    assert watcher.check() is True


def test_an_added_file_is_served(kb_dir, engine):
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "beta.yaml").write_text(kb_entry("beta-weight", "Beta", BETA))
    settle(watcher)
    assert titles(engine, BETA) == ["Beta"]


def test_a_removed_file_is_no_longer_served(kb_dir, engine):
    (kb_dir / "beta.yaml").write_text(kb_entry("beta-weight", "Beta", BETA))
    engine.replace(Engine.from_path(kb_dir).kb)
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "beta.yaml").unlink()
    settle(watcher)
    assert titles(engine, BETA) == []
    assert titles(engine, ALPHA) == ["Alpha v1"]


def test_files_that_are_not_yaml_are_ignored(kb_dir, engine):
    watcher = KnowledgeWatcher(engine, kb_dir)
    (kb_dir / "notes.txt").write_text("not part of the knowledge base")
    (kb_dir / ".alpha.yaml.swp").write_bytes(b"\x00editor swap file")
    assert settle(watcher) is False


def test_an_invalid_edit_keeps_the_last_good_base_and_logs_file_and_line(kb_dir, engine, caplog):
    watcher = KnowledgeWatcher(engine, kb_dir)
    broken = kb_entry("alpha-closed", "Alpha v2", ALPHA).replace(
        "severity: action_required", "severity: urgent"
    )
    (kb_dir / "alpha.yaml").write_text(broken)
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        settle(watcher)
    assert titles(engine, ALPHA) == ["Alpha v1"]
    assert watcher.failing
    assert (
        f"{kb_dir / 'alpha.yaml'}:4: entry 'alpha-closed': severity must be one of" in caplog.text
    )
    assert "still serving the last good one (1 entries)" in caplog.text


def test_problems_are_reported_once_however_often_the_folder_is_polled(kb_dir, engine, caplog):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    (kb_dir / "alpha.yaml").write_text("- id: [unclosed\n")
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        for _ in range(10):
            watcher.check()
    assert len(reports) == 1
    assert [str(p) for p in reports[0]] == [
        f"{kb_dir / 'alpha.yaml'}:2: YAML syntax error: expected ',' or ']', but got '<stream end>'"
    ]
    assert caplog.text.count("YAML syntax error") == 1


def test_a_new_invalid_edit_with_other_problems_is_reported_again(kb_dir, engine):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    (kb_dir / "alpha.yaml").write_text("- id: [unclosed\n")
    settle(watcher)
    (kb_dir / "alpha.yaml").write_text(kb_entry("Alpha Closed", "Alpha v2", ALPHA))
    settle(watcher)
    assert len(reports) == 2
    assert "id must be kebab-case" in str(reports[1][0])


def test_fixing_an_invalid_edit_serves_the_fix_and_says_so(kb_dir, engine):
    recovered = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_recovered=recovered.append)
    (kb_dir / "alpha.yaml").write_text("- id: [unclosed\n")
    settle(watcher)
    (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v3", ALPHA))
    settle(watcher)
    assert titles(engine, ALPHA) == ["Alpha v3"]
    assert not watcher.failing
    assert [len(kb) for kb in recovered] == [1]


def test_undoing_an_invalid_edit_counts_as_fixed(kb_dir, engine):
    recovered = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_recovered=recovered.append)
    good = (kb_dir / "alpha.yaml").read_text()
    (kb_dir / "alpha.yaml").write_text("- id: [unclosed\n")
    settle(watcher)
    (kb_dir / "alpha.yaml").write_text(good)
    settle(watcher)
    assert not watcher.failing
    assert len(recovered) == 1


def test_an_alias_bomb_is_one_problem_reported_once_and_the_last_good_base_serves(
    kb_dir, engine, caplog
):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    (kb_dir / "bomb.yaml").write_text(ALIAS_BOMB)
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        for _ in range(10):
            watcher.check()
    assert [[str(p) for p in found] for found in reports] == [
        [f"{kb_dir / 'bomb.yaml'}{ALIAS_BOMB_PROBLEM}"]
    ]
    assert caplog.text.count("YAML alias") == 1
    assert titles(engine, ALPHA) == ["Alpha v1"]


def test_an_unreadable_file_is_reported_once_not_skipped(kb_dir, engine, caplog, unreadable):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    locked = kb_dir / "beta.yaml"
    locked.write_text(kb_entry("beta-weight", "Beta", BETA))
    unreadable(locked)
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        for _ in range(10):
            watcher.check()
    assert [[str(p) for p in found] for found in reports] == [
        [f"{locked}:0: cannot read this file: Permission denied"]
    ]
    assert caplog.text.count("cannot read this file") == 1
    assert titles(engine, ALPHA) == ["Alpha v1"]


def test_a_link_to_a_file_that_is_gone_is_reported_once(kb_dir, engine):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    (kb_dir / "moved.yaml").symlink_to(kb_dir.parent / "nowhere.yaml")
    for _ in range(10):
        watcher.check()
    assert [[str(p) for p in found] for found in reports] == [
        [f"{kb_dir / 'moved.yaml'}:0: cannot read this file: No such file or directory"]
    ]
    assert titles(engine, ALPHA) == ["Alpha v1"]


def test_a_failing_notifier_does_not_stop_the_watcher(kb_dir, engine):
    def slack_is_down(problems):
        raise ConnectionError("slack.com unreachable")

    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=slack_is_down)
    (kb_dir / "alpha.yaml").write_text("- id: [unclosed\n")
    settle(watcher)
    (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v2", ALPHA))
    settle(watcher)
    assert titles(engine, ALPHA) == ["Alpha v2"]


def test_a_removed_folder_keeps_the_last_good_base(kb_dir, engine):
    reports = []
    watcher = KnowledgeWatcher(engine, kb_dir, on_problems=reports.append)
    for file in kb_dir.iterdir():
        file.unlink()
    kb_dir.rmdir()
    settle(watcher)
    assert titles(engine, ALPHA) == ["Alpha v1"]
    assert "knowledge base folder not found" in str(reports[0][0])


def test_the_background_thread_picks_up_an_edit_within_seconds(kb_dir, engine):
    with KnowledgeWatcher(engine, kb_dir, interval=0.05):
        (kb_dir / "alpha.yaml").write_text(kb_entry("alpha-closed", "Alpha v2", ALPHA))
        deadline = time.monotonic() + 10
        while titles(engine, ALPHA) != ["Alpha v2"] and time.monotonic() < deadline:
            time.sleep(0.02)
    assert titles(engine, ALPHA) == ["Alpha v2"]


def test_requests_in_flight_during_reloads_each_see_one_whole_base(kb_dir, engine):
    """Every answer comes from one version: both entries carry the same version in their titles."""
    paste = f"{ALPHA}\n{BETA}"

    def version(n: int) -> str:
        return kb_entry("alpha-closed", f"Alpha v{n}", ALPHA) + kb_entry(
            "beta-weight", f"Beta v{n}", BETA
        )

    (kb_dir / "alpha.yaml").write_text(version(0))
    engine.replace(Engine.from_path(kb_dir).kb)
    seen: list[tuple[str, ...]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                seen.append(tuple(sorted(t.split()[-1] for t in titles(engine, paste))))
        except BaseException as exc:  # Collected, and asserted on below.
            failures.append(exc)

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for thread in askers:
        thread.start()
    watcher = KnowledgeWatcher(engine, kb_dir)
    for n in range(1, 9):
        (kb_dir / "alpha.yaml").write_text(version(n))
        settle(watcher)
    stop.set()
    for thread in askers:
        thread.join()

    assert not failures
    assert titles(engine, paste) == ["Alpha v8", "Beta v8"]
    assert len({versions for versions in seen}) > 1  # the askers really overlapped reloads
    assert all(len(v) == 2 and v[0] == v[1] for v in seen), "an answer mixed two versions"


def test_the_maintainers_notice_fits_one_slack_section_and_says_how_many_more(tmp_path):
    problems = [f"a.yaml:{n}: entry 'x': " + "y" * 250 for n in range(1, 26)]
    text = problems_message(tmp_path, problems, serving=57)
    shown = sum(p in text for p in problems)
    assert len(text) <= 3000
    assert problems[0] in text
    assert f"…and {25 - shown} more: run `syncdoc lint --kb {tmp_path}`" in text
    assert "last good version (57 entries)" in text
