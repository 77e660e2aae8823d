"""The slash command and its "Share in channel" button, end to end over loopback HTTP
(bot/slack/listeners/commands.py, bot/slack/listeners/actions.py)."""

from __future__ import annotations

import random
import string

import pytest

from bot.render.slack import ARTICLE_ACTION_ID, SHARE_ACTION_ID
from bot.testing.fake_slack import (
    RESPONSE_URL_METHOD,
    block_action,
    slash_command,
)
from bot.testing.loopback import app_on_loopback

THROTTLED = "[Amazon UK] Request is throttled"


def command_answer(slack, app, text, **options):
    """Run the command; return the private answer posted to its response_url."""
    url = slack.response_url("commands")
    response = app.sender.command(slash_command(text, response_url=url, **options))
    assert (response.status, response.body) == (200, b"")
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD, timeout=3, where=lambda c: url.endswith(c.path))
    app.wait_idle()
    return answer


def share_button(answer):
    (button,) = [
        e
        for b in answer.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == SHARE_ACTION_ID
    ]
    return button


def test_command_is_acknowledged_and_answered_privately_within_three_seconds(slack, app):
    answer = command_answer(slack, app, THROTTLED)
    assert answer.params["response_type"] == "ephemeral"
    assert answer.blocks[0]["text"]["text"] == "Amazon request throttled"
    assert "*🟢 Transient*" in answer.block_text()
    assert share_button(answer)["text"]["text"] == "Share in channel"


def test_share_button_posts_the_same_answer_for_everyone_and_removes_the_private_one(slack, app):
    private = command_answer(slack, app, THROTTLED)
    url = slack.response_url("actions")
    click = block_action(SHARE_ACTION_ID, share_button(private)["value"], response_url=url)
    assert app.sender.interaction(click).status == 200
    shared, deleted = slack.wait_for(RESPONSE_URL_METHOD, 2, where=lambda c: url.endswith(c.path))
    assert shared.params["response_type"] == "in_channel"
    assert shared.blocks[:-1] == [b for b in private.blocks if b["type"] != "actions"]
    assert shared.blocks[-1]["elements"][0]["text"] == "Shared by <@U0001HUMAN>."
    assert deleted.params == {"delete_original": True}


def test_a_share_value_that_is_not_ours_says_the_button_no_longer_works(slack, app):
    url = slack.response_url("actions")
    app.sender.interaction(block_action(SHARE_ACTION_ID, "feedback_helpful", response_url=url))
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD)
    assert answer.params["response_type"] == "ephemeral"
    assert "no longer works" in answer.block_text()


def test_clicking_the_article_link_is_acknowledged_and_nothing_is_posted(slack, app):
    click = block_action(ARTICLE_ACTION_ID, "", response_url=slack.response_url())
    assert app.sender.interaction(click).status == 200
    app.wait_idle()
    assert slack.calls_to(RESPONSE_URL_METHOD) == []


def test_a_paste_too_long_to_share_says_so_instead_of_a_button(slack, app):
    noise = " ".join(
        "".join(random.Random(n).choices(string.ascii_letters, k=9)) for n in range(600)
    )
    answer = command_answer(slack, app, f"{THROTTLED}\n{noise}")
    assert not [b for b in answer.blocks if b["type"] == "actions"]
    assert "too long to share from here" in answer.block_text()


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_help_lists_what_the_command_does(slack, app, text):
    shown = command_answer(slack, app, text).block_text()
    assert "`/syncerror list [channel]`" in shown and "`/syncerror <id>`" in shown


def test_list_shows_every_known_error(slack, app, engine):
    answer = command_answer(slack, app, "list")
    assert answer.blocks[0]["text"]["text"] == f"Known errors: {len(engine.kb)}"
    assert all(f"`{entry.id}`" in answer.block_text() for entry in engine.kb)


def test_list_with_a_channel_shows_only_that_channels_errors(slack, app, engine):
    answer = command_answer(slack, app, "list eBay")
    ebay = [e.id for e in engine.kb if e.channel == "ebay"]
    assert answer.blocks[0]["text"]["text"] == f"Known errors for ebay: {len(ebay)}"
    assert all(f"`{entry_id}`" in answer.block_text() for entry_id in ebay)
    assert "`amazon-" not in answer.block_text()


def test_list_with_an_unknown_channel_names_the_known_channels(slack, app):
    shown = command_answer(slack, app, "list etsy").block_text()
    assert "No known errors for channel `etsy`." in shown
    assert "amazon, " in shown and "ebay" in shown


def test_an_entry_id_shows_that_entry(slack, app):
    answer = command_answer(slack, app, "ebay-token-hard-expired")
    assert answer.blocks[0]["text"]["text"] == "eBay token expired"
    assert "*🔴 Action required* · `ebay-token-hard-expired` · ebay" in answer.block_text()


def test_unknown_text_gets_the_not_recognised_answer_privately(slack, app):
    answer = command_answer(slack, app, "Access to reports denied")
    assert answer.params["response_type"] == "ephemeral"
    assert "*Did you mean…*" in answer.block_text()


def test_the_command_name_comes_from_the_settings(slack, engine):
    with app_on_loopback(slack, engine, env={"SYNCDOC_COMMAND": "/lnwerror"}) as app:
        answer = command_answer(slack, app, "help", command="/lnwerror")
        assert "`/lnwerror list [channel]`" in answer.block_text()
        assert app.sender.command(slash_command("help", response_url="x")).status == 404
