"""The maintainers' loop in Slack, end to end: signed requests over loopback HTTP to the real app
with a store (SQLite and PostgreSQL), answers and notices posted to the fake Slack Web API
(bot/slack/maintainers.py, bot/slack/listeners/feedback.py)."""

from __future__ import annotations

import pytest

from bot.render.feedback import (
    CHOOSE_ACTION,
    FEEDBACK_BLOCK_ID,
    REPORT_ACTION,
    VOTE_HELPFUL_ACTION,
    VOTE_WRONG_ACTION,
    choice_value,
)
from bot.testing.fake_slack import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    RESPONSE_URL_METHOD,
    app_home_opened_event,
    block_action,
    message_event,
    slash_command,
)
from bot.testing.loopback import app_on_loopback

MAINTAINERS = "C0MAINTAIN"
CLOSED = "An existing connection was forcibly closed by the remote host"
TOO_MANY = "The remote server returned an error: (429) Too Many Requests"
UNKNOWN = "Order {number} is stuck in the despatch queue error"


@pytest.fixture
def app(slack, engine, store):
    with app_on_loopback(
        slack, engine, store=store, env={"SYNCDOC_MAINTAINERS_CHANNEL": MAINTAINERS}
    ) as running:
        yield running


def paste(slack, app, text: str, *, user: str = "U0001HUMAN", channel: str = CHANNEL_ID):
    """Post `text` as a message and return the bot's reply in its thread."""
    kind = "im" if channel.startswith("D") else "channel"
    event = message_event(text, user=user, channel=channel, channel_type=kind)
    assert app.sender.event(event).status == 200
    app.wait_idle()
    [reply] = slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("thread_ts") == event["event"]["ts"]
            or (kind == "im" and c.params.get("channel") == channel)
        ),
    )
    return reply


def buttons(message) -> dict[str, str]:
    """action_id -> value of every button in the feedback block."""
    [block] = [b for b in message.blocks if b.get("block_id") == FEEDBACK_BLOCK_ID]
    return {e["action_id"]: e["value"] for e in block["elements"]}


def click(slack, app, action_id: str, value: str, *, user: str = "U0001HUMAN", **message):
    """Click a button on a message in the channel (`message`: its ts/thread_ts) or, without
    `message`, on an ephemeral answer; returns the replies sent to the click's response_url."""
    url = slack.response_url("click")
    payload = block_action(
        action_id,
        value,
        response_url=url,
        user_id=user,
        ephemeral=not message,
    )
    if message:
        payload["message"].update(message)
        payload["container"]["message_ts"] = message["ts"]
    assert app.sender.interaction(payload).status == 200
    app.wait_idle()
    return [c for c in slack.calls_to(RESPONSE_URL_METHOD) if url.endswith(c.path)]


def posts_to(slack, channel: str):
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == channel]


# --- Buttons on every answer ---------------------------------------------------------------------


def test_an_answer_in_a_channel_carries_helpful_and_wrong_buttons(slack, app, store):
    reply = paste(slack, app, CLOSED)
    found = buttons(reply)
    assert set(found) == {VOTE_HELPFUL_ACTION, VOTE_WRONG_ACTION}
    labels = [
        e["text"]["text"]
        for b in reply.blocks
        if b.get("block_id") == FEEDBACK_BLOCK_ID
        for e in b["elements"]
    ]
    assert labels == ["👍 Helpful", "👎 Wrong answer"]
    answer = store.answer(found[VOTE_HELPFUL_ACTION])
    assert answer.entries == ("general-connection-forcibly-closed",)
    assert (answer.user, answer.channel) == ("U0001HUMAN", CHANNEL_ID)


def test_a_slash_command_answer_carries_the_buttons_too(slack, app, store):
    app.sender.command(slash_command(CLOSED, response_url=slack.response_url("cmd")))
    app.wait_idle()
    [reply] = slack.wait_for(RESPONSE_URL_METHOD)
    assert store.answer(buttons(reply)[VOTE_HELPFUL_ACTION]).channel == CHANNEL_ID


def test_a_helpful_vote_is_recorded_and_thanked_privately(slack, app, store):
    answer_id = buttons(paste(slack, app, CLOSED))[VOTE_HELPFUL_ACTION]
    [thanks] = click(slack, app, VOTE_HELPFUL_ACTION, answer_id)
    assert thanks.params["response_type"] == "ephemeral"
    assert thanks.block_text() == "Thanks! Noted as helpful."
    assert store.votes(answer_id) == (1, 0)


def test_a_new_vote_by_the_same_person_replaces_the_old_one(slack, app, store):
    answer_id = buttons(paste(slack, app, CLOSED))[VOTE_HELPFUL_ACTION]
    click(slack, app, VOTE_HELPFUL_ACTION, answer_id, user="U0002ANNA")
    click(slack, app, VOTE_HELPFUL_ACTION, answer_id, user="U0003BEN")
    click(slack, app, VOTE_WRONG_ACTION, answer_id, user="U0002ANNA")
    assert store.votes(answer_id) == (1, 1)


def test_a_vote_on_an_answer_the_store_does_not_know_is_refused_politely(slack, app, store):
    [reply] = click(slack, app, VOTE_HELPFUL_ACTION, "0123456789abcdef")
    assert "too old for feedback" in reply.block_text()
    assert store.vote_tallies() == []


# --- "Was it one of these?" ----------------------------------------------------------------------


def test_a_wrong_vote_asks_in_the_answers_thread_which_entry_it_was(slack, app, store):
    reply = paste(slack, app, TOO_MANY)
    answer_id = buttons(reply)[VOTE_WRONG_ACTION]
    click(
        slack,
        app,
        VOTE_WRONG_ACTION,
        answer_id,
        ts="1795779999.000100",
        thread_ts=reply.params["thread_ts"],
    )
    [question] = slack.wait_for(
        "chat.postMessage", where=lambda c: c.text == "Sorry that was wrong. Was it one of these?"
    )
    assert question.params["thread_ts"] == reply.params["thread_ts"]
    [choices] = [b for b in question.blocks if b["type"] == "actions"]
    offered = [(e["text"]["text"], e["value"]) for e in choices["elements"]]
    assert offered[0][1] == choice_value(answer_id, "shopify-rate-limited-429")
    assert offered[-1] == ("None of these", answer_id)
    assert store.votes(answer_id) == (0, 1)


def test_choosing_the_right_entry_records_the_confusion_and_shows_that_entry(slack, app, store):
    reply = paste(slack, app, TOO_MANY)
    answer_id = buttons(reply)[VOTE_WRONG_ACTION]
    [shown] = click(
        slack, app, f"{CHOOSE_ACTION}_0", choice_value(answer_id, "shopify-rate-limited-429")
    )
    assert shown.block_text().startswith("Thanks! Noted that it was *")
    assert "`shopify-rate-limited-429`" in shown.block_text()
    [pair] = store.confused_pairs()
    assert (pair.answered, pair.chosen, pair.count) == (
        "general-remote-server-429",
        "shopify-rate-limited-429",
        1,
    )


def test_none_of_these_is_recorded_without_a_pair(slack, app, store):
    answer_id = buttons(paste(slack, app, TOO_MANY))[VOTE_WRONG_ACTION]
    [reply] = click(slack, app, f"{CHOOSE_ACTION}_none", choice_value(answer_id, None))
    assert "none of these" in reply.block_text()
    assert store.confused_pairs() == []


def test_a_wrong_vote_on_a_private_answer_asks_privately(slack, app):
    app.sender.command(slash_command(TOO_MANY, response_url=slack.response_url("cmd")))
    app.wait_idle()
    [answer] = slack.wait_for(RESPONSE_URL_METHOD)
    [question] = click(slack, app, VOTE_WRONG_ACTION, buttons(answer)[VOTE_WRONG_ACTION])
    assert question.text == "Sorry that was wrong. Was it one of these?"
    assert question.params["response_type"] == "ephemeral"


# --- Unknown errors --------------------------------------------------------------------------------


def test_an_unknown_error_has_a_tell_the_maintainers_button(slack, app, store):
    reply = paste(slack, app, UNKNOWN.format(number="203-1234567-1234567"), channel=DM_CHANNEL_ID)
    assert REPORT_ACTION in buttons(reply)
    [item] = store.inbox()
    assert item.reported_at is None


def test_telling_the_maintainers_posts_the_redacted_error_there_and_marks_it(slack, app, store):
    reply = paste(slack, app, UNKNOWN.format(number="203-1234567-1234567"), channel=DM_CHANNEL_ID)
    [thanks] = click(slack, app, REPORT_ACTION, buttons(reply)[REPORT_ACTION])
    assert "The maintainers have been told" in thanks.block_text()
    [notice] = posts_to(slack, MAINTAINERS)
    assert "<@U0001HUMAN> pasted an error syncdoc does not know" in notice.block_text()
    assert "Order &lt;order number&gt; is stuck in the despatch queue error" in notice.block_text()
    assert "203-1234567" not in notice.block_text()
    [item] = store.inbox()
    assert item.reported_by == "U0001HUMAN"


def test_telling_the_maintainers_about_a_long_paste_fits_one_message_and_says_how_many_more(
    slack, app, store
):
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
    lines = [
        f"The {w} relay rejected the inventory batch because the upstream warehouse ledger for "
        f"{w} was locked by a concurrent reconciliation job and every retry window had closed; "
        f"the {w} queue keeps the batch until somebody releases the ledger lock by hand"
        for w in words
    ]
    reply = paste(slack, app, "\n".join(lines), channel=DM_CHANNEL_ID)
    [thanks] = click(slack, app, REPORT_ACTION, buttons(reply)[REPORT_ACTION])
    assert "The maintainers have been told" in thanks.block_text()
    [notice] = posts_to(slack, MAINTAINERS)
    text = notice.block_text()
    shown = sum(f"The {w} relay rejected" in text for w in words)
    assert 0 < shown < len(words)
    assert f"…and {len(words) - shown} more: run `syncdoc gaps`" in text


def test_without_a_maintainers_channel_the_error_is_only_marked(slack, engine, store):
    with app_on_loopback(slack, engine, store=store) as plain:
        reply = paste(slack, plain, UNKNOWN.format(number="42424242"), channel=DM_CHANNEL_ID)
        [thanks] = click(slack, plain, REPORT_ACTION, buttons(reply)[REPORT_ACTION])
    assert "`syncdoc gaps`" in thanks.block_text()
    assert posts_to(slack, MAINTAINERS) == []
    assert store.inbox()[0].reported_at is not None


def test_the_inbox_groups_two_pastes_that_differ_only_in_order_number(slack, app, store):
    paste(slack, app, UNKNOWN.format(number="203-1234567-1234567"), channel=DM_CHANNEL_ID)
    paste(
        slack,
        app,
        UNKNOWN.format(number="111-7654321-7654321"),
        user="U0002ANNA",
        channel="D0002ANNA",
    )
    [item] = store.inbox()
    assert (item.count, item.people) == (2, 2)
    assert item.channels == ("D0001DM", "D0002ANNA")
    assert item.example == UNKNOWN.format(number="<order number>")


# --- "Several people are seeing this" -------------------------------------------------------------


def test_a_third_person_pasting_the_same_error_is_told_it_is_widespread(slack, app):
    replies = [paste(slack, app, CLOSED, user=f"U000{n}PERSON") for n in range(1, 5)]
    notes = ["several people right now" in r.block_text() for r in replies]
    assert notes == [False, False, True, True]
    assert "3 different people have pasted this in the last 30 minutes" in replies[2].block_text()
    assert "likely on the channel's or Linnworks' side" in replies[2].block_text()
    [notice] = posts_to(slack, MAINTAINERS)  # one notice per burst, not one per paste
    assert "Several people are seeing the same error right now" in notice.block_text()
    assert "Connection closed by the remote host" in notice.block_text()


def test_the_same_person_pasting_three_times_is_not_a_burst(slack, app):
    replies = [paste(slack, app, CLOSED) for _ in range(3)]
    assert not any("several people" in r.block_text() for r in replies)
    assert posts_to(slack, MAINTAINERS) == []


# --- App Home and resilience -----------------------------------------------------------------------


def test_the_app_home_shows_how_to_use_the_bot_and_the_statistics(slack, app, engine):
    answer_id = buttons(paste(slack, app, CLOSED))[VOTE_HELPFUL_ACTION]
    click(slack, app, VOTE_HELPFUL_ACTION, answer_id)
    paste(slack, app, UNKNOWN.format(number="12345678"), channel=DM_CHANNEL_ID)
    app.sender.event(app_home_opened_event())
    app.wait_idle()
    [home] = slack.wait_for("views.publish")
    text = "\n".join(t for b in home.params["view"]["blocks"] for t in _texts(b))
    assert "/syncerror" in text  # how to use it
    assert "How syncdoc is doing" in text
    assert (
        "Connection closed by the remote host `general-connection-forcibly-closed`: 1 / 1 / 1 · "
        "👍 1 · 👎 0 (100% helpful)" in text
    )
    assert "*Pastes nobody recognised (30 days):* 1 of 2 (50%)" in text
    assert f"*Never matched in 90 days ({len(engine.kb) - 1} of {len(engine.kb)}):*" in text


def _texts(block):
    if isinstance(block, dict):
        for key, value in block.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(block, list):
        for item in block:
            yield from _texts(item)


def test_a_failing_store_still_answers_without_buttons(slack, app, store):
    with store.database.transaction() as sql:
        sql.execute("DROP TABLE hits")
    reply = paste(slack, app, CLOSED)
    assert reply.blocks[0]["text"]["text"] == "Connection closed by the remote host"
    assert not [b for b in reply.blocks if b.get("block_id") == FEEDBACK_BLOCK_ID]


def test_two_instances_sharing_a_store_answer_a_redelivered_event_once(
    slack, engine, store_url, open_store_at
):
    event = message_event(CLOSED)
    with (
        app_on_loopback(slack, engine, store=open_store_at(store_url)) as one,
        app_on_loopback(slack, engine, store=open_store_at(store_url)) as two,
    ):
        assert one.sender.event(event).status == 200
        assert two.sender.event(event, retry=1).status == 200
        one.wait_idle()
        two.wait_idle()
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_sharing_an_answer_gives_the_shared_copy_its_own_buttons_but_no_new_paste(
    slack, app, store
):
    app.sender.command(slash_command(CLOSED, response_url=slack.response_url("cmd")))
    app.wait_idle()
    [private] = slack.wait_for(RESPONSE_URL_METHOD)
    [share] = [e for b in private.blocks if b.get("block_id") == "share" for e in b["elements"]]
    shared = click(slack, app, share["action_id"], share["value"])
    public = next(c for c in shared if c.params.get("response_type") == "in_channel")
    assert buttons(public)[VOTE_HELPFUL_ACTION] != buttons(private)[VOTE_HELPFUL_ACTION]
    assert store.paste_counts(0) == (1, 0)
