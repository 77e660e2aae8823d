"""Live reload in the running Slack app, end to end: the real app over loopback HTTP and the real
`syncdoc serve` / `syncdoc run` processes, a knowledge folder edited under them, answers and
maintainers' notices read from the fake Slack (bot/slack/maintainers.py, bot/cli.py)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.engine import Engine
from bot.slack.http import EVENTS_PATH
from bot.slack.maintainers import Notifier, watch_knowledge
from bot.slack.send import web_client
from bot.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    DM_CHANNEL_ID,
    SIGNING_SECRET,
    FakeSlack,
    SlackSender,
    message_event,
    socket_envelope,
)
from bot.testing.hostile_kb import ALIAS_BOMB, ALIAS_BOMB_PROBLEM
from bot.testing.loopback import app_on_loopback, loopback_settings
from bot.testing.process import SyncdocProcess, syncdoc

from conftest import kb_entry

MAINTAINERS = "C0MAINTAIN"
ALPHA = "The alpha channel rejected the listing because the category is closed"
BETA = "The beta courier refused the consignment because the weight is missing"
GAMMA = "The gamma warehouse could not reserve stock because the bin is frozen"


def version(n: int) -> str:
    return kb_entry("alpha-closed", f"Alpha v{n}", ALPHA) + kb_entry(
        "beta-weight", f"Beta v{n}", BETA
    )


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "demo.yaml").write_text(version(1))
    return folder


@pytest.fixture
def running(slack, kb_dir, store):
    """The app on loopback serving `kb_dir`, and its (not started) watcher."""
    engine = Engine.from_path(kb_dir)
    env = {"SYNCDOC_MAINTAINERS_CHANNEL": MAINTAINERS, "SYNCDOC_KB": str(kb_dir)}
    with app_on_loopback(slack, engine, store=store, env=env) as app:
        settings = loopback_settings(slack, env)
        # Like `syncdoc run`: the notifier has its own client with the token (Bolt's app client
        # has none; Bolt hands listeners one through `authorize`).
        watcher = watch_knowledge(engine, settings, Notifier(web_client(settings), MAINTAINERS))
        yield app, watcher


def settle(watcher) -> None:
    for _ in range(3):
        watcher.check()


def answer_titles(slack, app, text: str) -> list[str]:
    event = message_event(text)
    app.sender.event(event)
    app.wait_idle()
    [reply] = slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("thread_ts") == event["event"]["ts"]
    )
    return re.findall(r"(?:Alpha|Beta) v\d+", reply.block_text())


def maintainer_posts(slack) -> list[str]:
    return [
        c.block_text()
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == MAINTAINERS
    ]


def test_an_edit_is_answered_from_without_a_restart(slack, running, kb_dir):
    app, watcher = running
    assert "Alpha v1" in answer_titles(slack, app, ALPHA)
    (kb_dir / "demo.yaml").write_text(version(2))
    settle(watcher)
    assert "Alpha v2" in answer_titles(slack, app, ALPHA)


def test_an_invalid_edit_is_told_once_then_the_fix_is_served(slack, running, kb_dir):
    app, watcher = running
    (kb_dir / "demo.yaml").write_text(
        version(2).replace("severity: action_required", "severity: urgent", 1)
    )
    for _ in range(10):
        watcher.check()
    assert "Alpha v1" in answer_titles(slack, app, ALPHA)  # the last good base keeps serving
    [notice] = maintainer_posts(slack)
    assert (
        "has an invalid edit, so the bot keeps serving the last good version (2 entries)" in notice
    )
    assert f"{kb_dir / 'demo.yaml'}:4: entry 'alpha-closed': severity must be one of" in notice

    (kb_dir / "demo.yaml").write_text(version(3))
    settle(watcher)
    assert "Alpha v3" in answer_titles(slack, app, ALPHA)
    [_, fixed] = maintainer_posts(slack)
    assert fixed == ":white_check_mark: The knowledge base is valid again: serving 2 entries."


def test_a_draft_with_a_todo_left_is_never_served(slack, running, kb_dir):
    app, watcher = running
    draft = kb_entry("gamma-frozen", "'TODO: a short title people recognise'", GAMMA)
    (kb_dir / "new.yaml").write_text(draft)
    for _ in range(10):
        watcher.check()

    event = message_event(GAMMA, channel=DM_CHANNEL_ID, channel_type="im")
    app.sender.event(event)
    app.wait_idle()
    [reply] = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] != MAINTAINERS)
    assert "TODO" not in reply.text and "TODO" not in reply.block_text()
    assert "I don't recognise" in reply.block_text()
    [notice] = maintainer_posts(slack)
    assert (
        f"{kb_dir / 'new.yaml'}:2: entry 'gamma-frozen': title is still a placeholder "
        "('TODO: a short title people recognise'); write it, or the entry is not served"
    ) in notice
    assert f"`syncdoc lint --kb {kb_dir}` shows the same" in notice


def test_an_alias_bomb_dropped_in_the_live_folder_costs_no_answer_and_is_told_once(
    slack, running, kb_dir
):
    app, watcher = running
    watcher.interval = 0.02
    with watcher:  # the real reload path: the watcher's own thread polls the folder
        (kb_dir / "bomb.yaml").write_text(ALIAS_BOMB)
        before = [answer_titles(slack, app, ALPHA) for _ in range(3)]
        slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == MAINTAINERS)
        after = [answer_titles(slack, app, ALPHA) for _ in range(10)]  # polls go on meanwhile
    assert [set(titles) for titles in before + after] == [{"Alpha v1"}] * 13
    [notice] = maintainer_posts(slack)
    assert f"{kb_dir / 'bomb.yaml'}{ALIAS_BOMB_PROBLEM}" in notice
    assert "keeps serving the last good version (2 entries)" in notice


def test_an_invalid_edit_breaking_many_entries_is_told_in_one_message_that_fits(
    slack, running, kb_dir
):
    app, watcher = running
    broken = "".join(
        kb_entry(f"broken-entry-number-{n}", f"Broken {n}", f"{ALPHA} {n}").replace(
            "severity: action_required", "severity: urgent"
        )
        for n in range(20)
    )
    (kb_dir / "demo.yaml").write_text(broken)
    settle(watcher)
    [notice] = maintainer_posts(slack)
    shown = notice.count("severity must be one of")
    assert 0 < shown < 20
    assert f"…and {20 - shown} more: run `syncdoc lint --kb {kb_dir}`" in notice
    assert "Alpha v1" in answer_titles(slack, app, ALPHA)


def test_answers_given_while_the_base_is_reloaded_each_come_from_one_version(
    slack, running, kb_dir
):
    app, watcher = running
    stop = threading.Event()

    def edit() -> None:
        n = 1
        while not stop.is_set():
            n += 1
            (kb_dir / "demo.yaml").write_text(version(n))
            settle(watcher)

    editor = threading.Thread(target=edit)
    editor.start()
    events = [message_event(f"{ALPHA}\n{BETA}") for _ in range(12)]
    try:
        for event in events:
            assert app.sender.event(event).status == 200
        app.wait_idle()
    finally:
        stop.set()
        editor.join()
    replies = slack.wait_for("chat.postMessage", count=len(events))
    versions = []
    for reply in replies:
        titles = re.findall(r"(Alpha|Beta) v(\d+)", reply.block_text())
        assert {name for name, _ in titles} == {"Alpha", "Beta"}
        assert len({n for _, n in titles}) == 1, f"one answer mixed versions: {titles}"
        versions.append(titles[0][1])
    assert len(set(versions)) > 1  # reloads really happened between the answers


def test_of_several_processes_sharing_a_notices_lock_only_one_tells_the_maintainers(
    slack, tmp_path
):
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    first, second = Notifier(client, MAINTAINERS), Notifier(client, MAINTAINERS)
    for notifier in (first, second):  # each gunicorn worker has its own, opening its own lock
        notifier.only_one(tmp_path / "notices.lock")
    assert first("The knowledge base edit has a problem.")
    assert not second("The knowledge base edit has a problem.")
    assert first("Fixed.")
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [MAINTAINERS] * 2


# --- The real processes ----------------------------------------------------------------------------


@contextmanager
def serving(kb_dir: Path, **env: str) -> Iterator[tuple[FakeSlack, SyncdocProcess, SlackSender]]:
    """A real `syncdoc serve` of `kb_dir` against a fake Slack, once its watcher is running."""
    with FakeSlack() as slack:
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            SYNCDOC_WORKERS="2",
        )
        args = ["serve", "--host", "127.0.0.1", "--port", "0", "--kb", str(kb_dir)]
        with syncdoc(args, env) as process:
            base = process.wait_for_line(r"Slack requests at (http://\S+?)/slack/events").group(1)
            # Each worker watches the folder itself, after the fork.
            process.wait_for_line(r"watching .* for changes", count=2)
            yield slack, process, SlackSender(base + EVENTS_PATH)


def test_syncdoc_serve_reloads_the_knowledge_base_it_was_given(kb_dir):
    with serving(kb_dir) as (slack, process, sender):
        (kb_dir / "demo.yaml").write_text(version(2))
        process.wait_for_line(r"knowledge base reloaded from .*: 2 entries", count=2)
        event = message_event(ALPHA)
        sender.event(event)
        [reply] = slack.wait_for("chat.postMessage", timeout=10)
        assert "Alpha v2" in reply.block_text()


def test_syncdoc_serve_answers_on_when_an_alias_bomb_lands_in_its_knowledge_folder(kb_dir):
    with serving(kb_dir, SYNCDOC_MAINTAINERS_CHANNEL=MAINTAINERS) as (slack, process, sender):
        (kb_dir / "bomb.yaml").write_text(ALIAS_BOMB)
        process.wait_for_line(re.escape(ALIAS_BOMB_PROBLEM))
        process.wait_for_line(r"still serving the last good one \(2 entries\)")
        event = message_event(ALPHA)
        assert sender.event(event).status == 200
        [reply] = slack.wait_for(
            "chat.postMessage", where=lambda c: c.params.get("thread_ts"), timeout=10
        )
        assert "Alpha v1" in reply.block_text()
        [notice] = slack.wait_for(
            "chat.postMessage", where=lambda c: c.params["channel"] == MAINTAINERS
        )
        assert ALIAS_BOMB_PROBLEM in notice.block_text()


def test_syncdoc_run_reloads_the_knowledge_base_it_was_given(kb_dir):
    with FakeSlack(socket_mode=True) as slack:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "SYNCDOC_KB": str(kb_dir),
        }
        with syncdoc(["run"], env) as process:
            process.wait_for_line("connected to Slack over Socket Mode")
            (kb_dir / "demo.yaml").write_text(version(2))
            process.wait_for_line(r"knowledge base reloaded from .*: 2 entries")
            envelope = socket_envelope(message_event(ALPHA))
            slack.socket_mode.send(envelope)
            [reply] = slack.wait_for("chat.postMessage", timeout=10)
            assert "Alpha v2" in reply.block_text()
