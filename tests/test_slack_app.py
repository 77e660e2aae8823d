"""The app factory's seams (bot/slack/app.py): the engine, the redelivery memory and extra blocks
are given to create_app, and what they do shows in the answers, end to end over loopback."""

from __future__ import annotations

from bot.engine import Engine
from bot.knowledge import load_knowledge_base
from bot.render.blocks import context_block
from bot.render.maintainers import VOTE_HELPFUL_ACTION
from bot.testing.fake_slack import (
    DM_CHANNEL_ID,
    RESPONSE_URL_METHOD,
    block_action,
    message_event,
    slash_command,
)
from bot.testing.loopback import app_on_loopback

from conftest import VALID_ENTRY

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
DEMO = "The demo authorisation token has expired for this account"


def test_extra_blocks_are_added_to_every_answer_knowing_who_asked_where(slack, engine):
    seen = []

    def asked_by(report, asker):
        seen.append((report.recognised, asker.user, asker.channel))
        return [context_block(f"extra for {asker.user} in {asker.channel}")]

    with app_on_loopback(slack, engine, answer_extras=[asked_by]) as app:
        app.sender.event(message_event(TOKEN, user="U0005ASKER"))
        app.sender.event(message_event("thanks, that fixed it!", user="U0006CHAT"))
        url = slack.response_url()
        app.sender.command(slash_command(TOKEN, response_url=url, user_id="U0007CMD"))
        app.wait_idle()
    (post,) = slack.calls_to("chat.postMessage")
    (answer,) = slack.calls_to(RESPONSE_URL_METHOD)
    # Before the feedback buttons, which come before the Share button:
    assert post.blocks[-2]["elements"][0]["text"] == "extra for U0005ASKER in C0001OPS"
    assert answer.blocks[-3]["elements"][0]["text"] == "extra for U0007CMD in C0001OPS"
    assert [b.get("block_id") for b in answer.blocks[-2:]] == ["feedback", "share"]
    # Called for every paste, even the chat the bot stays silent on:
    assert sorted(seen) == [
        (False, "U0006CHAT", "C0001OPS"),
        (True, "U0005ASKER", "C0001OPS"),
        (True, "U0007CMD", "C0001OPS"),
    ]


def test_the_given_redelivery_memory_decides_what_is_new(slack, engine):
    class SeenEverything:
        def first_time(self, key: str) -> bool:
            return False

    with app_on_loopback(slack, engine, seen=SeenEverything()) as app:
        assert app.sender.event(message_event(TOKEN)).status == 200
        app.wait_idle()
    assert slack.calls_to("chat.postMessage") == []


def test_a_knowledge_base_swapped_into_the_engine_answers_the_next_paste(slack, write_kb):
    live = Engine(load_knowledge_base(write_kb(**{"demo.yaml": VALID_ENTRY})))
    with app_on_loopback(slack, live) as app:
        dm = {"channel": DM_CHANNEL_ID, "channel_type": "im"}
        app.sender.event(message_event(TOKEN, **dm))
        app.wait_idle()
        live.replace(
            load_knowledge_base(
                write_kb(
                    **{
                        "demo.yaml": VALID_ENTRY.replace(
                            "Demo token expired", "Demo token expired (edited)"
                        )
                    }
                )
            )
        )
        app.sender.event(message_event(DEMO, **dm))
        app.wait_idle()
    first, second = slack.calls_to("chat.postMessage")
    assert "I don't recognise" in first.block_text()
    assert second.blocks[0]["text"]["text"] == "Demo token expired (edited)"


def test_the_app_built_without_a_store_records_its_answers_as_syncdoc_serve_does(slack, engine):
    with app_on_loopback(slack, engine) as app:
        app.sender.event(message_event(TOKEN))
        app.wait_idle()
        [reply] = slack.calls_to("chat.postMessage")
        [feedback] = [b for b in reply.blocks if b.get("block_id") == "feedback"]
        answer_id = feedback["elements"][0]["value"]
        url = slack.response_url("click")
        app.sender.interaction(block_action(VOTE_HELPFUL_ACTION, answer_id, response_url=url))
        app.wait_idle()
    [thanks] = [c for c in slack.calls_to(RESPONSE_URL_METHOD) if url.endswith(c.path)]
    assert thanks.text == "Thanks! Noted as helpful."
