from __future__ import annotations

import pytest

from bot.normalise import (
    MAX_RECORDS,
    canonical,
    normalise,
    strip_prefixes,
    strip_slack_markup,
)


def record_texts(paste: str) -> list[str]:
    return [r.text for r in normalise(paste).records]


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("<https://example.com/x|the article>", "the article"),
        ("<https://example.com/x>", "https://example.com/x"),
        ("<@U0001BOT> what is this", "  what is this"),
        ("ping <!channel> now", "ping   now"),
        ("in <#C0001OPS|ops>", "in #ops"),
        ("a &amp; b &lt;c&gt;", "a & b <c>"),
        ("> quoted error line", "quoted error line"),
        ("a *bold* word", "a bold word"),
    ],
)
def test_slack_markup_becomes_plain_text(slack, plain):
    assert strip_slack_markup(slack) == plain


def test_code_fence_content_is_its_own_record():
    paste = "getting this since morning: ```Request is throttled``` any ideas?"
    assert record_texts(paste) == [
        "getting this since morning:\nRequest is throttled",
        "any ideas?",
    ]


def test_a_bold_phrase_is_its_own_record():
    paste = "order shows *ORDER DESPATCH FAILED* in the audit trail"
    assert "ORDER DESPATCH FAILED" in record_texts(paste)


def test_inline_code_is_its_own_record_even_mid_sentence():
    paste = "seeing `Access to Reports.GetReportRequestList is denied` on the DE test"
    assert "Access to Reports.GetReportRequestList is denied" in record_texts(paste)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Synchronize orders for [eBay0]", "Synchronize orders for [Amazon UK]"),
        ("Order 204-1234567-1234567 failed", "Order 026-9999999-0000001 failed"),
        ("item B07XJ8C8F5 rejected", "item B01N5IB20Q rejected"),
        (
            "id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 lost",
            "id 6ba7b810-9dad-11d1-80b4-00c04fd430c8 lost",
        ),
        ("at 2026-11-03 04:12:55 sync", "at 2025-01-30T23:59:01Z sync"),
        ("mail ops@shop.co.uk now", "mail someone@example.com now"),
        ("The update for Sku 'ABC-123-RED' was", "The update for Sku 'SKU' was"),
        ("in feed 50123018263.", "in feed 77712312399."),
        ("see https://sellercentral.amazon.co.uk/x?y=1 please", "see https://example.com please"),
        ("sent 3/4/2026 at 9:05 pm", "sent 12.11.25 at 23:59"),
        ("failed at \u0661\u0662:\u0663\u0660 today", "failed at 09:15 today"),
    ],
)
def test_variable_parts_are_masked_alike(a, b):
    assert canonical(a) == canonical(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "The remote server returned an error: (403) Forbidden.",
            "The remote server returned an error: (500) Forbidden.",
        ),
        ("eBay Error (931): Auth token", "eBay Error (932): Auth token"),
        ("Value 'x' for type 'nonNegativeInteger'", "Value 'x' for type 'positiveInteger'"),
    ],
)
def test_numbers_and_names_that_carry_meaning_are_kept(a, b):
    assert canonical(a) != canonical(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Authorisation token", "AUTHORIZATION TOKEN"),
        ("Order Despatch Failed", "order dispatch failed"),
        ("you haven’t met", "you haven't met"),
        ("Invalid Signature– provided", "Invalid Signature- provided"),
        ("Access\u200b denied", "Access denied"),
        ("Ｆｅｅｄ Ｒｅｊｅｃｔｅｄ", "Feed Rejected"),
        ("Request   is\tthrottled", "Request is throttled"),
        (" Request\u2028is\u3000throttled\n", "Request is throttled"),
        (
            "You exceeded your quota for the requested ...",
            "You exceeded your quota for the requested",
        ),
        (
            "Normalisation of the Categorisation failed",
            "normalization of the categorization failed",
        ),
    ],
)
def test_spelling_case_and_lookalike_characters_fold(a, b):
    assert canonical(a) == canonical(b)


@pytest.mark.parametrize(
    "prefixed",
    [
        "2026-11-03 04:12:55 ERROR Request is throttled",
        "[ERROR] Request is throttled",
        "error Request is throttled",
        "Step: Synchronize orders for [Amazon UK], Unhandled Error is thrown: Step: Get all Amazon "
        "accounts Error: Request is throttled",
        "Start sync Error: Request is throttled",
        "System.Net.WebException: Request is throttled",
        "Error: HTTP request failed: Request is throttled",
    ],
)
def test_log_and_wrapper_prefixes_are_stripped(prefixed):
    assert strip_prefixes(canonical(prefixed)) == "request is throttled"


def test_wrapped_line_is_joined_back():
    assert record_texts("An existing connection was forcibly closed by\nthe remote host") == [
        "An existing connection was forcibly closed by the remote host"
    ]


def test_stack_frames_and_inner_exceptions_stay_in_one_record():
    trace = (
        "System.Net.WebException: The underlying connection was closed.\n"
        " ---> System.IO.IOException: An existing connection was forcibly closed by the remote host.\n"
        "   at System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 size)\n"
        "   --- End of inner exception stack trace ---\n"
        "   at System.Net.HttpWebRequest.GetResponse()\n"
    )
    (record,) = normalise(trace).records
    assert any("forcibly closed" in s.canon for s in record.segments)


def test_json_body_message_becomes_a_segment():
    body = '{"errors":[{"message":"Consumer is not authorized to access %resources","code":401}]}'
    (record,) = normalise(body).records
    assert "consumer is not authorized to access %resources" in [s.canon for s in record.segments]


def test_xml_body_message_becomes_a_segment():
    body = "<Errors><ShortMessage>Auth token is invalid.</ShortMessage></Errors>"
    (record,) = normalise(body).records
    assert "auth token is invalid." in [s.canon for s in record.segments]


def test_noise_lines_make_no_records():
    noise = "{\n  ],\nContent-Type: application/json\nDate: Tue, 03 Nov 2026 10:00:00 GMT\n----\n"
    assert record_texts(noise) == []


def test_huge_paste_is_cut_and_says_so():
    paste = "Request is throttled\n" * (MAX_RECORDS + 10)
    result = normalise(paste)
    assert result.truncated
    assert len(result.records) <= MAX_RECORDS


def test_a_line_ending_in_a_colon_introduces_the_next_line():
    assert record_texts("seeing this on the eBay test:\nAuth token is invalid\nthanks") == [
        "seeing this on the eBay test:\nAuth token is invalid",
        "thanks",
    ]


def test_a_timestamped_line_after_a_colon_is_a_new_record():
    lines = "04:00:01 Sync starting:\n04:00:02 Request is throttled"
    assert record_texts(lines) == ["04:00:01 Sync starting:", "04:00:02 Request is throttled"]


def test_only_a_piece_that_ends_the_line_may_be_a_cut_paste():
    (record,) = normalise("Status: Errors while updating. Error: Something else went wrong").records
    cut = {s.display: s.may_be_cut for s in record.segments}
    assert cut["Status: Errors while updating."] is False
    assert cut["Error: Something else went wrong"] is True


@pytest.mark.parametrize(
    ("paste", "segment"),
    [
        ("audit trail just says No Despatch required, tracking never sent", "No Despatch required"),
        ("Shopify test fails with 402 Payment Required", "402 Payment Required"),
        ('keeps saying "The item cannot be listed or modi', "The item cannot be listed or modi"),
        ("Magento 1 REST: oauth_problem=token_revoke", "token_revoke"),
        ("14/03/2024 16:05  Order Despatch Failed  Amazon: items differ", "Order Despatch Failed"),
        ("le canal affiche « Auth Token is Invalid » (erreur 931)", "Auth Token is Invalid"),
        (
            "Audit Trail #55102 – 13/03/2025 16:20 – Dispatch note is ignored",
            "Dispatch note is ignored",
        ),
        ("{“code”:”x”,”message”:”Sorry, you are not allowed.”}", "Sorry, you are not allowed."),
        ("Item condition required (21916884) on the new listings, why?", "Item condition required"),
        ("[06:10:14] Shopify Inventory update: FAILED - Throttled (THROTTLED)", "Throttled"),
    ],
)
def test_the_error_people_introduce_in_a_sentence_is_a_segment(paste, segment):
    (record,) = normalise(paste).records
    assert segment in [s.display for s in record.segments]


def test_any_number_of_wrappers_in_a_row_is_removed():
    wrappers = "Error: Warning: " * 15 + "[Amazon UK] ERROR - "
    assert strip_prefixes(canonical(wrappers + "Request is throttled.")) == "request is throttled"
