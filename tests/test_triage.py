from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.normalise import normalise
from bot.triage import (
    ambiguous_fragments_name_nothing,
    codes_yield_to_messages,
    fragments_of_whole_matches_dropped,
    longest_explains_shorter,
    looks_like_error,
)

from conftest import kb_entry

CLOSED = "An existing connection was forcibly closed by the remote host"
THROTTLED = "Start sync Error: Amazon GetOrders: Request is throttled"
TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


def log(*lines: str) -> str:
    return "\n".join(f"2026-11-03 04:{n:02d}:00 ERROR {line}" for n, line in enumerate(lines))


def test_one_transient_error_is_a_one_off(engine):
    report = engine.explain(CLOSED)
    (finding,) = report.matches
    assert (finding.count, finding.longest_run) == (1, 1)
    assert finding.effective_severity == "transient"
    assert finding.escalation is None
    assert report.verdict.startswith("Nothing to do yet:")


def test_a_streak_of_a_transient_error_becomes_action_required(engine):
    report = engine.explain(log(*[CLOSED] * 12))
    (finding,) = report.matches
    assert (finding.count, finding.longest_run) == (12, 12)
    assert finding.effective_severity == "action_required"
    assert finding.escalation == "seen 12 times in a row: this is no longer a one-off"
    assert "12 times in a row" in report.verdict
    assert report.verdict.startswith("Action required:")


def test_scattered_occurrences_are_counted_but_not_a_streak(engine):
    lines = [CLOSED, THROTTLED] * 6
    report = engine.explain(log(*lines))
    counts = {f.entry.id: (f.count, f.longest_run) for f in report.matches}
    assert counts["general-connection-forcibly-closed"] == (6, 1)
    assert counts["amazon-request-throttled"] == (6, 1)
    assert all(f.effective_severity == "transient" for f in report.matches)


def test_streak_threshold_comes_from_the_entry(engine):
    entry = engine.kb.by_id["general-connection-forcibly-closed"]
    below = engine.explain(log(*[CLOSED] * (entry.escalate_after - 1))).matches[0]
    at = engine.explain(log(*[CLOSED] * entry.escalate_after)).matches[0]
    assert below.effective_severity == "transient"
    assert at.effective_severity == "action_required"


def test_unknown_error_line_between_breaks_the_streak(engine):
    lines = [CLOSED] * 3 + ["Failed to frobnicate the widget cache"] + [CLOSED] * 3
    (finding,) = engine.explain(log(*lines)).matches
    assert (finding.count, finding.longest_run) == (6, 3)


def test_chatter_between_errors_does_not_break_the_streak(engine):
    paste = "\n".join([CLOSED, "sync started", CLOSED, "sync started", CLOSED])
    (finding,) = engine.explain(paste).matches
    assert finding.longest_run == 3


def test_matches_are_ordered_by_count(engine):
    report = engine.explain(log(TOKEN, CLOSED, CLOSED, CLOSED))
    assert [f.entry.id for f in report.matches] == [
        "general-connection-forcibly-closed",
        "ebay-token-hard-expired",
    ]


def test_action_required_leads_the_verdict_even_when_rarer(engine):
    report = engine.explain(log(TOKEN, CLOSED, CLOSED))
    assert report.verdict.startswith("Action required: eBay")


def test_unknown_error_lines_are_listed(engine):
    report = engine.explain(log(CLOSED, "Failed to frobnicate the widget cache"))
    assert report.unmatched == ("2026-11-03 04:01:00 ERROR Failed to frobnicate the widget cache",)


def test_nothing_known_gives_did_you_mean_and_a_plain_verdict(engine):
    report = engine.explain("Access to reports denied")
    assert not report.recognised
    assert 0 < len(report.candidates) <= 3
    assert all(not c.confident for c in report.candidates)
    assert "does not know yet" in report.verdict


def test_plain_chat_gets_no_candidates_and_says_so(engine):
    report = engine.explain("lunch anyone?")
    assert report.findings == ()
    assert report.unmatched == ()
    assert report.verdict == "No known Linnworks error found in this text."


def test_info_message_is_not_a_fault(engine):
    report = engine.explain("Order Despatch Submitted")
    assert report.verdict.startswith("For information only:")


def test_two_errors_in_one_exception_are_both_found(engine):
    paste = (
        "System.Net.WebException: The remote server returned an error: (429) Too Many Requests. "
        f"---> System.IO.IOException: {CLOSED}"
    )
    ids = {f.entry.id for f in engine.explain(paste).matches}
    assert ids == {"general-remote-server-429", "general-connection-forcibly-closed"}


def test_the_longer_error_explains_the_shorter_one_it_contains(engine):
    report = engine.explain("The remote server returned an error: (404) Not Found.")
    assert [f.entry.id for f in report.matches] == ["general-remote-server-404"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Feed processing failed for 3 SKUs", True),
        ("403 Forbidden", True),
        ("any idea why this error happens?", False),
        ("hey, getting an error on amazon", False),
        ("sync finished in 3 minutes", False),
    ],
)
def test_error_looking_lines(text, expected):
    assert looks_like_error(text) is expected


def test_two_errors_in_one_sentence_chain_are_both_found(engine):
    paste = "Amazon DE: Request is throttled; eBay: Authorisation token is hard expired."
    ids = {f.entry.id for f in engine.explain(paste).matches}
    assert ids == {"amazon-request-throttled", "ebay-token-hard-expired"}


def test_a_wrapper_sentence_is_not_mistaken_for_a_cut_paste(engine):
    paste = "Status: Errors while updating. Error: SKU KIDS-42: Seller is not authorized to list products by this brand name in this product line or category."
    ids = [f.entry.id for f in engine.explain(paste).matches]
    assert ids == ["amazon-feed-6024-brand-not-authorized"]


def test_unknown_error_after_chat_is_listed_not_the_chat(engine):
    report = engine.explain("getting this since morning:\nFailed to frobnicate the widget cache")
    assert report.unmatched == ("Failed to frobnicate the widget cache",)


def test_message_beside_a_code_says_which_error_it_is(engine):
    body = '{"code":"woocommerce_rest_authentication_error","message":"Consumer key is missing."}'
    assert [f.entry.id for f in engine.explain(body).matches] == [
        "woocommerce-consumer-key-missing"
    ]


def test_a_wrapper_cut_before_its_reason_is_not_claimed(engine):
    assert engine.explain("Start sync Error: Amazon SubmitInventoryChange:").matches == ()


def test_lowercase_log_lines_are_separate_occurrences(engine):
    paste = "\n".join(f"line {n}: {CLOSED}" for n in range(7))
    (finding,) = engine.explain(paste).matches
    assert (finding.count, finding.longest_run) == (7, 7)


TRANSIENT_DEMO = """\
- id: demo-gateway-hiccup
  title: Demo gateway hiccup
  channel: demo
  severity: transient
  escalate_after: 3
  patterns:
    - The demo gateway dropped the connection halfway
  meaning: The demo gateway hung up; the next sync tries again.
  fix:
    - Wait for the next sync.
  article:
    title: Demo article
    url: https://example.com/demo
"""


def test_a_success_phrase_maintainers_add_ends_a_run(write_kb):
    folder = write_kb(
        **{"demo.yaml": TRANSIENT_DEMO, "settings.yaml": "success_phrases: [pushed <n> parcels]\n"}
    )
    engine = Engine.from_path(folder)
    failure = "The demo gateway dropped the connection halfway"
    report = engine.explain("\n".join([failure, failure, "Pushed 40 parcels", failure, failure]))
    (finding,) = report.matches
    assert (finding.count, finding.longest_run) == (4, 2)
    assert (report.failures, report.successes) == (4, 1)
    assert finding.escalation is None


def test_a_line_with_a_success_phrase_and_an_error_is_not_a_success(engine):
    report = engine.explain(f"{CLOSED}\nSync completed with 3 errors\n{CLOSED}")
    assert report.successes == 0
    assert report.matches[0].longest_run == 1  # The unknown error line still ends the run.


def test_zero_errors_does_not_make_a_success_line_a_failure(engine):
    report = engine.explain(f"{CLOSED}\nSync completed: 12 orders downloaded, 0 errors")
    assert (report.failures, report.successes) == (1, 1)


@pytest.mark.parametrize(
    "line",
    [
        "09/03 00:05 OnBuy stock update — done, 180 items sent",
        "03/03/2025 09:00  Shopify [acme]  Despatch update  27 orders marked as shipped",
        "2025/03/12 18:00 eBay AU | ReviseInventoryStatus | stock revised for 12 listings",
        "08:00 eBay-DE-Main | Inventory update | Done: 42 listings revised",
        "16:05:24 shopify inventory push: 828 levels updated OK",
        "[06:00:00] Shopify (acme) Inventory update: completed, 250 items updated",
    ],
)
def test_a_count_of_things_done_is_a_success_line(engine, line):
    report = engine.explain(f"{CLOSED}\n{line}\n{CLOSED}")
    assert (report.failures, report.successes) == (2, 1)
    assert report.matches[0].longest_run == 1


def test_a_count_of_things_done_with_a_failure_word_is_not_a_success(engine):
    report = engine.explain(f"{CLOSED}\nDone: 0 listings revised, token expired\n{CLOSED}")
    assert report.successes == 0


def test_no_error_text_of_the_knowledge_base_reads_as_a_success(engine):
    texts = [
        text
        for entry in engine.kb.entries
        if entry.severity != "info"
        for text in (*entry.patterns, *entry.generic_patterns, *entry.examples)
    ]
    assert [text for text in texts if engine.explain(text).successes] == []


def test_either_word_of_a_success_phrase_counts(write_kb):
    settings = "success_phrases: [<n> parcels|labels pushed|printed]\n"
    engine = Engine.from_path(write_kb(**{"demo.yaml": TRANSIENT_DEMO, "settings.yaml": settings}))
    failure = "The demo gateway dropped the connection halfway"
    report = engine.explain("\n".join([failure, "40 labels printed", failure, "3 parcels pushed"]))
    assert (report.failures, report.successes) == (2, 2)


def test_a_status_message_that_reports_a_success_counts_as_one(engine):
    report = engine.explain(f"{CLOSED}\nOrder Successfully Despatched\n{CLOSED}")
    assert report.successes == 1
    assert report.matches[0].longest_run == 1


def test_a_channel_named_on_a_nearby_line_vouches_for_a_generic_text(engine):
    report = engine.explain("[Shopify main] stock update:\n\n```423 Locked```")
    assert [f.entry.id for f in report.matches] == ["shopify-shop-locked-423"]


def test_a_system_named_on_another_line_of_a_long_log_does_not_hide_a_channel_error(engine):
    lines = ["Royal Mail manifest sent", *["Stock levels updated"] * 5, TOKEN]
    assert [f.entry.id for f in engine.explain("\n".join(lines)).matches] == [
        "ebay-token-hard-expired"
    ]


def test_a_channel_error_on_a_line_that_names_another_system_is_not_claimed(engine):
    report = engine.explain("Xero sync: Auth Token is Invalid")
    assert "ebay-auth-token-invalid-931" not in [f.entry.id for f in report.findings]


def test_a_line_pasted_again_under_another_channel_is_judged_in_its_new_context(engine):
    claimed = engine.explain("[Shopify main] stock update:\n\n```423 Locked```")
    again = engine.explain("```423 Locked```")
    assert [f.entry.id for f in claimed.matches] == ["shopify-shop-locked-423"]
    assert again.matches == ()


# The steps that decide which of a record's confident candidates it shows, one test each.
def _ranked(engine_, paste):
    (record,) = normalise(paste).records
    return engine_.matcher.rank_all(record.segments)


def test_step_the_longest_known_error_explains_the_shorter_it_contains(engine):
    ranked = _ranked(engine, "The remote server returned an error: (404) Not Found.")
    assert "shopify-not-found-404" in [c.entry.id for c in ranked if c.confident]
    kept = longest_explains_shorter(ranked, engine.matcher)
    assert [c.entry.id for c in kept] == ["general-remote-server-404"]


def test_step_a_code_yields_to_the_message_beside_it(engine):
    body = (
        '{"code":"woocommerce_rest_authentication_error","message":"Consumer secret is invalid."}'
    )
    accepted = longest_explains_shorter(_ranked(engine, body), engine.matcher)
    assert {c.how for c in accepted} == {"code", "text"}
    kept = codes_yield_to_messages(accepted)
    assert [c.entry.id for c in kept] == ["woocommerce-consumer-secret-invalid"]


LABEL = "The demo gateway rejected the parcel because the label is missing from the order"
WEIGHT = (
    "The demo gateway rejected the parcel because the declared weight exceeds its service limit"
)
MANIFEST = "Too many parcels in the demo manifest"
MANIFEST_LONG = f"{MANIFEST}; the courier accepts at most fifty parcels per collection"


def test_step_a_cut_paste_that_fits_two_errors_names_neither(write_kb):
    folder = write_kb(
        **{
            "demo.yaml": kb_entry("demo-label", "Label missing", LABEL)
            + kb_entry("demo-weight", "Weight missing", WEIGHT)
        }
    )
    engine = Engine.from_path(folder)
    paste = "Error: The demo gateway rejected the parcel because the"
    ranked = _ranked(engine, paste)
    accepted = longest_explains_shorter(ranked, engine.matcher)
    assert len(accepted) == 2
    assert ambiguous_fragments_name_nothing(accepted, ranked) == []
    assert engine.explain(paste).matches == ()


def test_step_a_fragment_inside_a_whole_match_is_part_of_it(write_kb):
    folder = write_kb(
        **{
            "demo.yaml": kb_entry("demo-manifest", "Manifest", MANIFEST)
            + kb_entry("demo-manifest-long", "Manifest, long", MANIFEST_LONG)
        }
    )
    engine = Engine.from_path(folder)
    paste = f"Error: {MANIFEST}"
    accepted = longest_explains_shorter(_ranked(engine, paste), engine.matcher)
    assert {c.how for c in accepted} == {"text", "fragment"}
    kept = fragments_of_whole_matches_dropped(accepted)
    assert [c.entry.id for c in kept] == ["demo-manifest"]
    assert [f.entry.id for f in engine.explain(paste).matches] == ["demo-manifest"]


def test_a_connection_error_each_time_followed_by_a_successful_sync_did_not_last(engine):
    ok = "eBay AU | ReviseInventoryStatus | stock revised for 12 listings"
    failed = "eBay AU | ReviseInventoryStatus | eBay Error (931): Auth Token is Invalid"
    report = engine.explain("\n".join([ok, failed, ok, ok, failed, ok, ok]))
    assert not report.worrying
    assert report.verdict.startswith("Nothing to worry about: 2 failures in 7 syncs (29%);")
    assert "each time followed by a successful one: a one-off" in report.verdict


def test_a_missing_permission_among_successful_syncs_still_needs_a_person(engine):
    # Seventh blind set: a scope is no credential that the next sync gets past; it stays
    # missing until someone grants it, so the ten-successes-per-failure rule holds.
    ok = "BigCommerce [store-8k2x1] UpdateInventory: 278 products updated"
    failed = (
        "BigCommerce [store-8k2x1] UpdateInventory: 403 You don't have a required scope to "
        "access the endpoint"
    )
    lines = [ok] * 9 + [failed] + [ok] * 9 + [failed, ok]
    report = engine.explain("\n".join(lines))
    assert [f.entry.id for f in report.matches] == ["bigcommerce-missing-scope"]
    assert report.worrying


def test_an_order_s_error_among_a_few_successful_syncs_still_needs_a_person(engine):
    report = engine.explain(
        "27 orders marked as despatched\nOrder 104522: Order Despatch Failed\n"
        "31 orders marked as despatched"
    )
    assert report.worrying
    assert report.verdict.startswith("Action required: Despatch notification failed")


def test_a_line_seen_again_with_other_numbers_shows_its_own_text(engine):
    line = "Order {} failed: The remote server returned an error: (403) Forbidden."
    first = engine.explain(line.format(12345)).matches[0]
    again = engine.explain(line.format(67890)).matches[0]
    assert first.entry.id == again.entry.id == "general-remote-server-403"
    assert again.matched_text == line.format(67890)


def test_a_code_in_a_line_seen_again_with_other_numbers_is_scored_on_its_own_text(engine):
    # A two-word code counts for less the longer the line it is in: both numbers are masked
    # alike, but the second line is too long for the code alone to be recognised.
    assert engine.explain("rest_forbidden 1234").recognised
    assert not engine.explain("rest_forbidden 123456789012345").recognised
