"""The fake Slack itself (bot/testing/fake_slack/): it refuses what Slack refuses, fails on
demand, and signs as Slack signs, so tests built on it mean something."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.testing.fake_slack import (
    BOT_TOKEN,
    RESPONSE_URL_METHOD,
    Failure,
    block_problems,
    refused_payloads,
    sign,
)
from bot.testing.slack_rules import message_problems, view_problems

pytest_plugins = ("pytester",)


def client(slack, token=BOT_TOKEN):
    return WebClient(token=token, base_url=slack.api_url, retry_handlers=[])


def section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


class TenSecondsLater(Clock):
    def now(self) -> float:
        return 1_795_770_010


def test_signatures_are_the_ones_slack_sdk_verifies():
    body = b'{"type":"event_callback"}'
    headers = sign(body, "secret", timestamp=1_795_770_000)
    verifier = SignatureVerifier("secret", clock=TenSecondsLater())
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_a_post_is_recorded_with_its_token_and_parameters(slack):
    client(slack).chat_postMessage(channel="C1", text="hi", thread_ts="1.2")
    (call,) = slack.calls_to("chat.postMessage")
    assert (call.token, call.params["channel"], call.params["thread_ts"], call.ok) == (
        BOT_TOKEN,
        "C1",
        "1.2",
        True,
    )


def test_drain_hands_over_the_calls_so_far_and_forgets_them(slack):
    client(slack).chat_postMessage(channel="C1", text="one")
    client(slack).chat_postMessage(channel="C1", text="two")
    assert [c.text for c in slack.drain()] == ["one", "two"]
    assert slack.calls == []
    client(slack).chat_postMessage(channel="C1", text="three")
    assert [c.text for c in slack.drain()] == ["three"]


def test_a_wrong_token_is_refused(slack):
    with pytest.raises(SlackApiError, match="invalid_auth"):
        client(slack, token="xoxb-wrong").auth_test()


@pytest.mark.sends_invalid_payloads
@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([section("x")] * 51, "no more than 50 items"),
        ([section("x" * 3001)], "must be less than 3001 characters"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "less than 151"),
    ],
    ids=["51-blocks", "long-section", "long-header"],
)
def test_blocks_over_slacks_limits_are_refused_as_slack_does(slack, blocks, problem):
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client(slack).chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert problem in " ".join(block_problems(blocks))


def button(**fields):
    return {
        "type": "button",
        "action_id": "a",
        "text": {"type": "plain_text", "text": "Go"},
        **fields,
    }


def actions(*elements, **fields):
    return {"type": "actions", "elements": list(elements), **fields}


# One payload per published rule the fake used to miss, and the problem Slack reports for it.
REFUSED = {
    "empty section text": ([section("")], "text must be more than 0 characters"),
    "more than 10 fields": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "cannot exceed 10",
    ),
    "field over 2,000": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "less than 2001 characters /fields",
    ),
    "context text over 3,000": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}],
        "less than 3001 characters /elements",
    ),
    "emoji on mrkdwn": (
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
        "emoji",
    ),
    "verbatim on plain_text": (
        [{"type": "header", "text": {"type": "plain_text", "text": "x", "verbatim": True}}],
        "verbatim",
    ),
    "empty actions": ([actions()], "at least 1 element"),
    "empty context": ([{"type": "context", "elements": []}], "at least 1 element"),
    "action_id over 255": ([actions(button(action_id="a" * 256))], "action_id"),
    "block_id over 255": ([{"type": "divider", "block_id": "b" * 256}], "block_id"),
    "repeated action_id": ([actions(button(), button())], "action_id 'a' is repeated"),
    "repeated block_id": (
        [{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}],
        "block_id 'x' is repeated",
    ),
    "bad button style": ([actions(button(style="blue"))], "style"),
    "button label in mrkdwn": (
        [actions(button(text={"type": "mrkdwn", "text": "Go"}))],
        "button text must be plain_text",
    ),
    "unknown block type": ([{"type": "sectoin", "text": "x"}], "unknown block type 'sectoin'"),
    "section with neither text nor fields": ([{"type": "section"}], "text or fields"),
    "live <!channel>": ([section("hey <!channel> look")], "live mass mention"),
    "bare < in mrkdwn": ([section("use `/syncerror <error text>`")], "unescaped '<'"),
    "bare > mid-line": ([section("More actions > Explain")], "unescaped '>'"),
    "bare &": ([section("Q&A")], "unescaped '&'"),
}


@pytest.mark.sends_invalid_payloads
@pytest.mark.parametrize(("blocks", "problem"), REFUSED.values(), ids=REFUSED.keys())
def test_what_slack_refuses_the_fake_refuses_and_records(slack, blocks, problem):
    before = len(refused_payloads())
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client(slack).chat_postMessage(channel="C1", text="t", blocks=blocks)
    [refused] = refused_payloads()[before:]
    assert refused.method == "chat.postMessage"
    assert problem in " ".join(refused.problems)


def test_what_the_bot_means_passes_every_rule():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Title", "emoji": True}},
        section("> a quote, <@U1>, <#C1|ops>, <https://example.com/?a=1&b=2|an &amp; article>"),
        actions(button(style="primary"), button(action_id="b"), block_id="feedback"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "a &lt;b&gt; c"}]},
    ]
    assert block_problems(blocks) == []
    assert message_problems({"text": "t", "blocks": blocks}, text_required=True) == ("", [])


def test_a_live_channel_mention_in_the_fallback_text_is_refused():
    error, problems = message_problems({"text": "<!here> look"}, text_required=True)
    assert error == "invalid_blocks"
    assert "live mass mention" in problems[0]


def test_a_view_of_the_wrong_type_or_with_bad_blocks_is_refused():
    assert view_problems({"type": "home", "blocks": [section("ok")]}, types=("home",)) == []
    [wrong_type] = view_problems({"type": "modal", "blocks": [section("x")]}, types=("home",))
    assert "view type must be one of home" in wrong_type
    assert "less than 3001" in " ".join(
        view_problems({"type": "home", "blocks": [section("x" * 3001)]})
    )


@pytest.mark.sends_invalid_payloads  # the inner run's refusal is this process's too
def test_the_suite_fails_a_test_whose_bot_sent_a_payload_slack_refuses(pytester):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(
        """
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        from bot.testing.fake_slack import BOT_TOKEN

        def test_a_bot_that_only_logs_a_refusal(slack):
            web = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
            try:
                web.chat_postMessage(channel="C1", text="t", blocks=[{"type": "divider"}] * 51)
            except SlackApiError:
                pass  # as the bot does: logged, and the test would not notice
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*Slack would refuse what was sent:*",
            "*chat.postMessage: invalid_blocks: no more than 50*",
        ]
    )


def test_queued_failures_happen_in_order_then_calls_succeed(slack):
    slack.fail_next("auth.test", Failure.rate_limited(1), Failure.refused("account_inactive"))
    for expected in ("ratelimited", "account_inactive"):
        with pytest.raises(SlackApiError, match=expected):
            client(slack).auth_test()
    assert client(slack).auth_test()["user_id"] == "U0001BOT"
    assert [c.status for c in slack.calls_to("auth.test")] == [429, 200, 200]


@pytest.mark.parametrize("seconds", [7, 0])
def test_a_rate_limited_answer_carries_retry_after(slack, seconds):
    slack.fail_next("chat.postMessage", Failure.rate_limited(retry_after=seconds))
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_postMessage(channel="C1", text="t")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == str(seconds)


def test_a_slow_answer_arrives_late_but_normally(slack):
    slack.fail_next("auth.test", Failure.slow(0.3))
    before = time.time()
    assert client(slack).auth_test()["ok"]
    (call,) = slack.calls_to("auth.test")
    assert call.ok and call.at - before >= 0.3


@pytest.mark.sends_invalid_payloads
def test_response_url_posts_are_recorded_and_bad_blocks_refused_with_http_400(slack):
    url = slack.response_url("commands")
    assert WebhookClient(url).send(text="hi", response_type="ephemeral").status_code == 200
    too_many = [{"type": "divider"}] * 51
    assert WebhookClient(url).send(text="hi", blocks=too_many).status_code == 400
    ok, refused = slack.calls_to(RESPONSE_URL_METHOD)
    assert (ok.params["response_type"], ok.ok) == ("ephemeral", True)
    assert (refused.status, refused.response["error"]) == (400, "invalid_blocks")
