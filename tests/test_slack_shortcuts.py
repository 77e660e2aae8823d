"""The "Explain this error" message shortcut, end to end over loopback HTTP
(bot/slack/listeners/shortcuts.py)."""

from __future__ import annotations

from bot.render.maintainers import VOTE_HELPFUL_ACTION, VOTE_WRONG_ACTION
from bot.render.slack import SHARE_ACTION_ID
from bot.testing.fake_slack import RESPONSE_URL_METHOD, message_shortcut, sample


def test_shortcut_explains_the_chosen_message_to_the_person_who_used_it(slack, app):
    payload = sample("message_shortcut.json")
    payload["response_url"] = slack.response_url("app")
    response = app.sender.interaction(payload)
    assert (response.status, response.body) == (200, b"")
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD, timeout=3)
    app.wait_idle()
    assert answer.params["response_type"] == "ephemeral"
    assert answer.blocks[0]["text"]["text"] == (
        "Amazon app authorisation lapsed (Reports access denied)"
    )
    actions = [
        e["action_id"] for b in answer.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == [VOTE_HELPFUL_ACTION, VOTE_WRONG_ACTION, SHARE_ACTION_ID]
    assert slack.calls_to("chat.postMessage") == []


def test_shortcut_on_unknown_text_says_so(slack, app):
    app.sender.interaction(message_shortcut("Weird failure 77", response_url=slack.response_url()))
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD)
    assert "*I don't recognise this error.*" in answer.block_text()


def test_shortcut_on_a_message_without_text_reads_its_attachments(slack, app):
    payload = message_shortcut(
        "",
        response_url=slack.response_url(),
        attachments=[
            {
                "fallback": "Alert",
                "text": "Start sync Error: Amazon GetOrders: Request is throttled",
            }
        ],
    )
    app.sender.interaction(payload)
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD)
    assert answer.blocks[0]["text"]["text"] == "Amazon request throttled"


def test_shortcut_on_a_message_with_nothing_to_read_says_so(slack, app):
    app.sender.interaction(message_shortcut("", response_url=slack.response_url()))
    (answer,) = slack.wait_for(RESPONSE_URL_METHOD)
    assert answer.text.startswith("That message has no text I can read.")
    assert "`/syncerror &lt;error text&gt;`" in answer.text


def test_shortcut_without_a_response_url_answers_with_an_ephemeral_message(slack, app):
    app.sender.interaction(message_shortcut("[Amazon UK] Request is throttled", response_url=None))
    (answer,) = slack.wait_for("chat.postEphemeral")
    assert (answer.params["channel"], answer.params["user"]) == ("C0001OPS", "U0001HUMAN")
    assert answer.blocks[0]["text"]["text"] == "Amazon request throttled"
