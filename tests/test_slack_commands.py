"""The slash command and its "Share in channel" button, end to end over loopback HTTP
(bot/slack/listeners/commands.py, bot/slack/listeners/actions.py)."""

from __future__ import annotations

import random
import string

import pytest

from bot.render.slack import (
    ARTICLE_ACTION_ID,
    SHARE_ACTION_ID,
    SHARE_ENTRY_ACTION_ID,
    SHOW_ACTION_ID,
)
from bot.testing.fake_slack import (
    RESPONSE_URL_METHOD,
    block_action,
    block_problems,
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
    answer = [b for b in private.blocks if b["type"] != "actions"]
    assert [b for b in shared.blocks[:-1] if b["type"] != "actions"] == answer
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
    buttons = [
        e["action_id"] for b in answer.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert SHARE_ACTION_ID not in buttons
    assert "too long to share from here" in answer.block_text()


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_help_lists_what_the_command_does(slack, app, text):
    shown = command_answer(slack, app, text).block_text()
    assert "`/syncerror list [channel]`" in shown and "`/syncerror &lt;id&gt;`" in shown


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


def test_an_entry_id_shows_where_its_wording_was_seen(slack, app):
    shown = command_answer(slack, app, "ebay-auth-token-invalid-931").block_text()
    assert (
        "Wording seen on: <https://developer.ebay.com/support/kb-article?KBid=630|developer.ebay.com>"
        in shown
    )


def test_an_entry_id_without_sources_says_they_are_not_recorded(slack, app):
    shown = command_answer(slack, app, "amazon-inventory-feed-rejected").block_text()
    assert "Where this wording was seen: not recorded." in shown


def test_an_entry_id_without_an_article_says_there_is_none_yet(slack, app):
    answer = command_answer(slack, app, "ebay-not-eligible-us-ca-sites")
    assert "📖 There is no help article for this error yet." in answer.block_text()
    assert "(no help article yet)" in answer.text


def test_an_unknown_pasted_log_gets_the_not_recognised_answer_privately(slack, app):
    answer = command_answer(slack, app, "sync started\nAccess to reports denied")
    assert answer.params["response_type"] == "ephemeral"
    assert "*Did you mean…*\n• *Amazon app authorisation lapsed" in answer.block_text()


# --- Looking errors up by words ---------------------------------------------------------------------


def show_buttons(answer) -> list[dict]:
    return [
        b["accessory"]
        for b in answer.blocks
        if b.get("accessory", {}).get("action_id") == SHOW_ACTION_ID
    ]


def test_words_that_name_no_pasted_error_are_looked_up_privately(slack, app):
    answer = command_answer(slack, app, "feed rejected")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.blocks[1]["text"]["text"].startswith("🔴 *Amazon inventory feed rejected*\n")
    assert show_buttons(answer)[0]["value"] == "amazon-inventory-feed-rejected"
    assert block_problems(answer.blocks) == []


def test_a_lookup_lists_at_most_five_entries_each_with_a_show_button(slack, app):
    answer = command_answer(slack, app, "amazon feed")
    buttons = show_buttons(answer)
    assert 1 <= len(buttons) <= 5
    assert all(b["text"]["text"] == "Show" for b in buttons)


def test_a_question_is_looked_up(slack, app):
    answer = command_answer(slack, app, "what does error 931 mean?")
    assert show_buttons(answer)[0]["value"] == "ebay-auth-token-invalid-931"


def test_a_lookup_that_finds_nothing_says_so_and_how_to_get_an_error_added(slack, app):
    shown = command_answer(slack, app, "zebra printer prints blank labels").block_text()
    assert "no known error fits these words" in shown
    assert "*How to get it added:*" in shown
    assert show_buttons(command_answer(slack, app, "printer offline")) == []


def click_show(slack, app, entry_id, **options):
    url = slack.response_url("show")
    response = app.sender.interaction(
        block_action(SHOW_ACTION_ID, entry_id, response_url=url, **options)
    )
    assert response.status == 200
    (shown,) = slack.wait_for(RESPONSE_URL_METHOD, where=lambda c: url.endswith(c.path))
    app.wait_idle()
    return shown


def test_show_replaces_the_results_with_that_entrys_full_answer_and_a_share_button(slack, app):
    results = command_answer(slack, app, "feed rejected")
    shown = click_show(slack, app, show_buttons(results)[0]["value"])
    assert shown.params["replace_original"] is True
    assert shown.params["response_type"] == "ephemeral"
    assert shown.blocks[0]["text"]["text"] == "Amazon inventory feed rejected"
    assert "*What to do*" in shown.block_text()
    (share,) = [e for b in shown.blocks if b["type"] == "actions" for e in b["elements"]]
    assert (share["action_id"], share["value"]) == (
        SHARE_ENTRY_ACTION_ID,
        "amazon-inventory-feed-rejected",
    )
    assert block_problems(shown.blocks) == []


def test_show_under_a_message_everyone_sees_answers_only_the_person_who_clicked(slack, app):
    shown = click_show(slack, app, "ebay-token-hard-expired", ephemeral=False)
    assert shown.params["replace_original"] is False
    assert shown.params["response_type"] == "ephemeral"
    assert shown.blocks[0]["text"]["text"] == "eBay token expired"


def test_sharing_a_shown_entry_posts_it_for_everyone_and_removes_the_private_one(slack, app):
    url = slack.response_url("share")
    click = block_action(SHARE_ENTRY_ACTION_ID, "ebay-token-hard-expired", response_url=url)
    assert app.sender.interaction(click).status == 200
    shared, deleted = slack.wait_for(RESPONSE_URL_METHOD, 2, where=lambda c: url.endswith(c.path))
    assert shared.params["response_type"] == "in_channel"
    assert shared.blocks[0]["text"]["text"] == "eBay token expired"
    assert shared.blocks[-1]["elements"][0]["text"] == "Shared by <@U0001HUMAN>."
    assert deleted.params == {"delete_original": True}


def test_show_for_an_entry_no_longer_in_the_base_says_the_button_no_longer_works(slack, app):
    assert "no longer works" in click_show(slack, app, "gone-entry").block_text()


def test_the_command_name_comes_from_the_settings(slack, engine):
    with app_on_loopback(slack, engine, env={"SYNCDOC_COMMAND": "/lnwerror"}) as app:
        answer = command_answer(slack, app, "help", command="/lnwerror")
        assert "`/lnwerror list [channel]`" in answer.block_text()
        assert app.sender.command(slash_command("help", response_url="x")).status == 404
