from __future__ import annotations

from pathlib import Path

import pytest

from bot.match import CONFIDENT, Matcher
from bot.normalise import make_segment, normalise
from bot.triage import CANDIDATE_FLOOR

from conftest import load_yaml


def best(engine, text):
    ranked = engine.matcher.rank(make_segment(text))
    return ranked[0] if ranked else None


@pytest.mark.parametrize(
    ("paste", "winner", "loser"),
    [
        ("Order Despatch Failed", "despatch-order-despatch-failed", "despatch-submitted-success"),
        (
            "Order Despatch Submitted",
            "despatch-submitted-success",
            "despatch-order-despatch-failed",
        ),
        (
            "The remote server returned an error: (403) Forbidden.",
            "general-remote-server-403",
            "general-remote-server-500",
        ),
        (
            "The remote server returned an error: (500) Internal Server Error.",
            "general-remote-server-500",
            "general-remote-server-403",
        ),
        (
            "Error 931 - Auth Token is Invalid",
            "ebay-auth-token-invalid-931",
            "ebay-token-hard-expired",
        ),
    ],
)
def test_near_twins_are_told_apart(engine, paste, winner, loser):
    ranked = {c.entry.id: c.score for c in engine.matcher.rank(make_segment(paste), limit=10)}
    assert ranked[winner] >= CONFIDENT
    assert ranked.get(loser, 0) < CONFIDENT


def test_a_different_status_code_is_not_the_same_error(engine):
    candidate = best(engine, "The remote server returned an error: (401) Unauthorized.")
    assert candidate is not None and candidate.score < CONFIDENT


def test_short_pattern_inside_an_unrelated_line_is_not_confident(engine):
    line = "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)"
    candidate = best(engine, line)
    assert candidate is None or candidate.score < CONFIDENT


def test_short_pattern_alone_is_confident(engine):
    assert best(engine, "Access denied").entry.id == "magento-access-denied-403"


def test_code_is_found_inside_json(engine):
    candidate = best(engine, '{"errors":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API"}]}')
    assert candidate.entry.id == "walmart-unauthorized-gateway" and candidate.confident


def test_code_with_one_letter_changed_is_a_different_code(engine):
    candidate = best(engine, "token_rejectet")
    assert candidate is None or candidate.entry.id != "magento-oauth-token-rejected"


def test_a_typo_or_two_still_matches(engine):
    candidate = best(engine, "An existing conection was forcibly closd by the remote host")
    assert candidate.entry.id == "general-connection-forcibly-closed" and candidate.confident


def test_truncated_paste_matches_the_start_of_a_long_error(engine):
    candidate = best(engine, "The item cannot be listed or modified. The title and/or descrip")
    assert candidate.entry.id == "ebay-item-cannot-be-listed-policy" and candidate.confident


def test_a_missing_key_word_is_not_made_up_by_similar_letters(engine):
    candidate = best(engine, "Sorry, you are not allowed to delete this resource.")
    assert candidate is None or not candidate.confident


def test_text_nobody_wrote_up_scores_low(engine):
    assert best(engine, "the weather is lovely today") is None


def test_ranking_is_best_first_and_one_per_entry(engine):
    ranked = engine.matcher.rank(make_segment("The remote server returned an error"), limit=5)
    scores = [c.score for c in ranked]
    assert scores == sorted(scores, reverse=True)
    assert len({c.entry.id for c in ranked}) == len(ranked)


def answered(engine, paste):
    return [f.entry.id for f in engine.explain(paste).matches]


@pytest.mark.parametrize(
    ("paste", "expected"),
    [
        pytest.param(
            'amazon orders stuck, the log has "an error occurred during the pre-login handshake"'
            " and something about SSL Provider",
            "amazon-sql-prelogin-handshake-storage",
            id="a quoted part from the middle of a long error",
        ),
        pytest.param(
            'ebay says "upload high-resolution photos that are at least 500 pixels on the longest'
            ' side" but ours are 1200px',
            "ebay-photo-too-small-21919137",
            id="a quote starting mid-sentence, followed by more chat",
        ),
        pytest.param(
            'amazon feed report: "We cannot associate an image with this SKU... correct all other'
            ' errors associated with it" - what other errors?',
            "amazon-feed-image-sku-not-created",
            id="two quoted pieces joined by an ellipsis",
        ),
        pytest.param(
            "Shopify inventory sync -> requires merchant approval for write_inventory scope. help?",
            "shopify-missing-scope-merchant-approval",
            id="leading words left out",
        ),
        pytest.param(
            'bulk price update on Shopify came back "Throttled" for half the products',
            "shopify-graphql-throttled",
            id="a one-word error in quotes beside its channel",
        ),
        pytest.param(
            "the audit trail reads DESPATCH NOTE IGNORED, is that why tracking never went?",
            "despatch-note-ignored",
            id="an error in capitals inside a chat sentence",
        ),
        pytest.param(
            "three orders show Order Despatch Failed in the notes, tracking is there though",
            "despatch-order-despatch-failed",
            id="an error in title case inside a chat sentence",
        ),
        pytest.param(
            "Magento 2 store -> token_rejected on every order download since the password change",
            "magento-oauth-token-rejected",
            id="a code after an arrow beside its channel",
        ),
        pytest.param(
            "the inventory import log says the CSV appears to be corrupt near record 112, help?",
            "import-csv-corrupt",
            id="an error quoted up to its first value",
        ),
        pytest.param(
            'price import: "There are some errors related to the file format" - where is the log?',
            "import-file-format-errors",
            id="a quoted part of a Linnworks error where its area is named",
        ),
    ],
)
def test_an_error_quoted_the_way_people_write_in_chat_is_recognised(engine, paste, expected):
    assert answered(engine, paste) == [expected]


@pytest.mark.parametrize(
    "paste",
    [
        pytest.param(
            'I just quoted "could not be found" to the customer, is that ok?',
            id="a short quoted phrase of chat",
        ),
        pytest.param(
            'Zapier zap failed: "Throttled" by the Mailchimp step',
            id="a one-word error in quotes from another system",
        ),
        pytest.param(
            'called the OnBuy seller API from Postman and it says "SKU does not exist"',
            id="a marketplace API called from an API client",
        ),
        pytest.param(
            'the BigQuery load says "There are some errors related to the file format" for a csv',
            id="a quoted part of a Linnworks error from another tool",
        ),
    ],
)
def test_a_look_alike_quoted_in_chat_is_not_claimed(engine, paste):
    assert answered(engine, paste) == []


def test_a_generic_text_found_inside_a_longer_pattern_is_still_held_back(engine):
    report = engine.explain("System.ArgumentException: Requested value 'Tuesday' was not found.")
    assert report.matches == ()
    assert "does not name Amazon" in (report.candidates[0].held_back or "")


def test_a_quoted_part_of_a_long_error_naming_no_system_is_only_a_did_you_mean(engine):
    report = engine.explain(
        'Windows backup job: "Not enough storage is available to complete this operation"'
    )
    assert report.matches == ()
    assert "only a part of the error is quoted" in (report.candidates[0].held_back or "")


CLOSED = "An existing connection was forcibly closed by the remote host"
TIMEOUT = (
    "Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation "
    "or the server is not responding."
)


@pytest.mark.parametrize(
    ("paste", "why"),
    [
        (
            f"Msg -2, Level 11, State 0, Line 3\n{TIMEOUT}",
            "SQL Server Management Studio shows this text too",
        ),
        (
            "Traceback (most recent call last):\n"
            '  File "C:\\scripts\\export.py", line 61, in <module>\n'
            "    r = session.get(URL)\n"
            "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError("
            "10054, 'An existing connection was forcibly closed by the remote host'))",
            "Python shows this text too",
        ),
        (
            f"System.Data.SqlClient.SqlException (0x80131904): {TIMEOUT}\n"
            "   at Contoso.Pricing.Data.PriceRepository.GetAll()\n"
            "   at Contoso.Pricing.Jobs.NightlyRecalc.Run()",
            "Contoso.Pricing (the poster's own code) shows this text too",
        ),
        (
            f'Northwind.Warehouse.Sync threw "{CLOSED}" when it called the label printer API',
            "Northwind.Warehouse (the poster's own code) shows this text too",
        ),
        (
            f"Error: {CLOSED}\n    at pushStock (/srv/stock-bridge/src/push.js:57:11)",
            "push.js (the poster's own code) shows this text too",
        ),
        (
            f"java.io.IOException: {CLOSED}\n"
            "    at com.acme.wms.client.WmsClient.fetch(WmsClient.java:212)",
            "Java shows this text too",
        ),
        (
            f"not a linnworks thing but our repricer script keeps getting {CLOSED}",
            "the paste says it is not from Linnworks",
        ),
        (
            f"in our in-house order portal: {CLOSED}",
            "the poster's own code shows this text too",
        ),
        (
            f"cron: /usr/local/bin/export_orders.sh: {CLOSED}",
            "export_orders.sh (the poster's own code) shows this text too",
        ),
        (f"Sqlcmd: Error: Microsoft SQL Server Native Client 11.0 : {TIMEOUT}", "sqlcmd shows"),
        (f"[Hangfire] Job 4412 failed: {CLOSED}", "Hangfire shows this text too"),
    ],
)
def test_another_tool_or_someone_s_own_code_holds_a_linnworks_text_back(engine, paste, why):
    report = engine.explain(paste)
    assert report.matches == ()
    assert why in (report.candidates[0].held_back or "")


@pytest.mark.parametrize(
    "paste",
    [
        "stock push for SKU JS0042-BLK stopped: Authorisation token is hard expired. User needs "
        "to generate a new token for this application.",
        "0JS0JS\n\n```Authorisation token is hard expired. User needs to generate a new token "
        "for this application.```",
    ],
    ids=["sku", "noise"],
)
def test_letters_js_beside_digits_are_not_taken_for_a_node_stack_frame(engine, paste):
    # A frame is "push.js:57:11": the file's extension and two line numbers, not "JS0042-BLK".
    assert [f.entry.id for f in engine.explain(paste).matches] == ["ebay-token-hard-expired"]


def test_a_poster_saying_not_linnworks_holds_a_linnworks_text_back(engine):
    report = engine.explain(f"our reporting script (not linnworks) fell over:\n{TIMEOUT}")
    assert report.matches == ()
    assert "the paste says it is not from Linnworks" in (report.candidates[0].held_back or "")


def test_a_paste_that_names_linnworks_plainly_still_vouches_for_its_text(engine):
    report = engine.explain(f"the Linnworks order sync, not our script:\n{TIMEOUT}")
    assert [f.entry.id for f in report.matches] == ["general-execution-timeout-expired"]


def test_platform_frames_of_a_linnworks_trace_do_not_hold_its_text_back(engine):
    report = engine.explain(
        f"System.Net.Sockets.SocketException (10054): {CLOSED}\n"
        "   at System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 size)\n"
        "   at Linnworks.Channels.Common.HttpHelper.GetString(String url)"
    )
    assert [f.entry.id for f in report.matches] == ["general-connection-forcibly-closed"]


def test_the_automation_logs_named_vouch_for_a_linnworks_text_beside_a_namespace(engine):
    report = engine.explain(
        f"Fruugo order sync (Automation Logs):\n{CLOSED}\n   at Channel.Sync.GetOrders()"
    )
    assert [f.entry.id for f in report.matches] == ["general-connection-forcibly-closed"]


SKU_CONFLICT = "The SKU data provided conflicts with the Amazon catalog."


def test_a_channel_s_answer_to_someone_s_own_code_is_only_a_did_you_mean(engine):
    report = engine.explain(
        f"our catalogue uploader logged: {SKU_CONFLICT.replace('Amazon ', '')}\n"
        "   at Acme.Catalogue.Uploader.Push()"
    )
    assert report.matches == ()
    assert "the poster's own code shows this text too" in (report.candidates[0].held_back or "")


def test_a_channel_named_keeps_its_answer_beside_someone_s_own_code(engine):
    report = engine.explain(f"[Amazon UK] {SKU_CONFLICT}\n   at Acme.Catalogue.Uploader.Push()")
    assert [f.entry.id for f in report.matches] == ["amazon-listing-sku-conflicts-catalog"]


def test_an_error_s_headline_after_getting_unquoted_in_chat_is_answered(engine):
    report = engine.explain(
        "stock import keeps getting There are some errors related to the file format. "
        "which rows though?"
    )
    assert [f.entry.id for f in report.matches] == ["import-file-format-errors"]


def test_other_words_after_says_unquoted_are_not_taken_for_an_error_s_headline(engine):
    report = engine.explain(
        "price import says There are some errors in rows 4 and 5, where is that"
    )
    assert report.matches == ()


MWS_TRACE = (
    "MarketplaceWebServiceOrders.MarketplaceWebServiceOrdersException: Request is throttled\n"
    "   at MarketplaceWebServiceOrders.MarketplaceWebServiceOrdersClient.ListOrders(ListOrdersRequest r)"
)


def test_a_channel_s_sdk_namespace_in_a_trace_names_the_channel(engine):
    report = engine.explain(MWS_TRACE)
    assert [f.entry.id for f in report.matches] == ["amazon-request-throttled"]


def test_a_channel_s_sdk_namespace_is_not_held_back_as_the_poster_s_own_code(engine):
    report = engine.explain(
        f"System.IO.IOException: {CLOSED}\n   at ShopifySharp.OrderService.ListAsync()"
    )
    assert [f.entry.id for f in report.matches] == ["general-connection-forcibly-closed"]


FORBIDDEN_BODY = (
    '{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.",'
    '"data":{"status":403}}'
)


@pytest.mark.parametrize("quotes", ["straight", "curly"])
def test_the_code_of_a_json_error_body_names_its_error(engine, quotes):
    body = FORBIDDEN_BODY if quotes == "straight" else FORBIDDEN_BODY.replace('"', "”")
    assert [f.entry.id for f in engine.explain(body).matches] == ["woocommerce-rest-forbidden"]


def test_wordpress_beyond_the_shop_is_another_system_for_a_woocommerce_code(engine):
    assert engine.explain(f"blog contact form plugin: {FORBIDDEN_BODY}").matches == ()


def test_a_code_beside_its_channel_is_claimed_however_long_the_chat_after_it(engine):
    report = engine.explain(
        'woo stock updates from linnworks -> rest_forbidden "Sorry, you are not allowed to do '
        "that.\" we made the keys under the marketing intern's login :see_no_evil:"
    )
    assert [f.entry.id for f in report.matches] == ["woocommerce-rest-forbidden"]


@pytest.mark.parametrize(
    "paste",
    [
        'is "Feed Rejected" on SubmitInventoryChange something to worry about?',
        "getting 'Feed rejected' from SubmitInventoryChange on amazon since monday",
    ],
)
def test_a_quoted_message_said_to_come_from_an_operation_is_that_operation_s_error(engine, paste):
    assert [f.entry.id for f in engine.explain(paste).matches] == ["amazon-inventory-feed-rejected"]


@pytest.mark.parametrize(
    ("paste", "why"),
    [
        (
            f"System.Data.Entity.Infrastructure.DbUpdateException via EntityFrameworkCore: {TIMEOUT}",
            "the poster's own .NET code shows this text too",
        ),
        (f"axios: Error: {CLOSED} (ECONNRESET)", "Node.js shows this text too"),
        (f"Power Query refresh of the margin sheet: {TIMEOUT}", "Power Query shows this text too"),
    ],
    ids=["entity-framework", "node-library", "report-tool"],
)
def test_a_library_or_report_tool_of_someone_s_own_holds_a_linnworks_text_back(engine, paste, why):
    report = engine.explain(paste)
    assert report.matches == ()
    assert why in (report.candidates[0].held_back or "")


def test_linnworks_own_frames_vouch_for_its_text_beside_a_source_file(engine):
    report = engine.explain(
        "2026-02-28 06:07:56 ERROR You are not allowed to revise ended auctions.\n"
        "   at Linnworks.Channels.Sync.SyncRunner.Run(SyncContext ctx) in C:\\build\\Sync.cs:line 187\n"
        "   at System.Net.HttpWebRequest.GetResponse()"
    )
    assert [f.entry.id for f in report.matches] == ["ebay-auction-ended-291"]


def _records_of_the_paste_sets():
    root = Path(__file__).parents[1]
    pastes = []
    for name in ("tests/data/pastes.yaml", "bench/heldout.yaml", "bench/blind-more.yaml"):
        data = load_yaml(root / name)
        pastes += [
            case["paste"]
            for cases in data.values()
            if isinstance(cases, list)
            for case in cases
            if isinstance(case, dict) and "paste" in case
        ]
    return [record for paste in pastes for record in normalise(paste).records]


def test_a_floor_changes_no_candidate_shown_at_or_above_it(engine):
    matcher = engine.matcher
    for record in _records_of_the_paste_sets():
        context = matcher.systems.named(record.text)
        every = matcher.rank_all(record.segments, context)
        above = matcher.rank_all(record.segments, context, floor=CANDIDATE_FLOOR)
        shown = [c for c in above if c.score >= CANDIDATE_FLOOR]
        assert shown == [c for c in every if c.score >= CANDIDATE_FLOOR], record.text


@pytest.mark.parametrize("asked_again", ["in its context above the floor", "without a floor"])
def test_a_record_ranked_before_ranks_again_as_a_matcher_that_never_saw_it(engine, asked_again):
    # The matcher remembers what it read of a record before the context, and, under a floor, only
    # that a score is under it. Asked again in another context, or without the floor (lint, "Was
    # it one of these?"), it must rank the record as a matcher that never saw it does.
    seen, fresh = engine.matcher, Matcher(engine.kb)
    records = _records_of_the_paste_sets()
    for record in records:
        seen.rank_all(record.segments, None, floor=CANDIDATE_FLOOR)
    for record in records:
        context, floor = None, 0.0
        if asked_again == "in its context above the floor":
            context, floor = seen.systems.named(record.text), CANDIDATE_FLOOR
        again = seen.rank_all(record.segments, context, floor=floor)
        assert again == fresh.rank_all(record.segments, context, floor=floor), record.text


def test_the_systems_a_base_s_patterns_name_are_found_at_once_as_one_by_one(engine):
    # named_all, which indexing a base uses, reads every text in one pass over them joined: each
    # text must name what it names read alone.
    systems = engine.matcher.systems
    texts = [pattern for entry in engine.kb for pattern in entry.patterns]
    texts += [
        "Contoso.Pricing.Jobs failed in export_orders.sh",
        "Contoso.Pricing.Jobs",
        "push.js\nNorthwind.Warehouse.Sync",
        "System.Net.Sockets.SocketException at Linnworks.Channels.Common",
        "our repricer script on Shopify, not linnworks",
        "",
    ]
    assert systems.named_all(texts) == [systems.named(text) for text in texts]
