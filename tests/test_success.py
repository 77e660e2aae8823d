"""Success lines in the shapes logs use (bot/success.py), as a person sees them: the counts of
failures and successes an answer gives, and the ratio its verdict judges by."""

from __future__ import annotations

import pytest

from bot.engine import Engine

from conftest import VALID_ENTRY

CLOSED = "An existing connection was forcibly closed by the remote host"


def between_two_failures(engine: Engine, line: str):
    return engine.explain(f"{CLOSED}\n{line}\n{CLOSED}")


@pytest.mark.parametrize(
    "line",
    [
        "Revised 25 listings on eBay UK",
        "Labels printed: 30",
        "Woo orders: 4 new orders saved",
        "Published 22 products to the Woo store",
        "[Woo shop] Inventory synced - 230 SKUs",
        "Magento stock: quantity update accepted for 48 SKUs",
        "02:00 eBay UK | GetOrders | OK",
        "eBay UK - Last sync 10:05 - Success",
        "Update inventory (Woo) - Status: Completed",
        "Job 'Update inventory' finished (exit 0)",
        "09:00 Update inventory - BigCommerce completed in 3s",
        "✓ Shopify stock push (2.1s)",
        "POST /admin/api/2024-01/inventory_levels/set.json -> 200 OK",
        "Listings: 40 updated, 0 failed",
        "Bulk revise: Success: 42 / Failed: 0",
        "Stock run 1: errors=0 updated=311",
        "Order sync finished, no errors",
        "eBay UK stock update 09:00 - 214/214 items",
        "INFO  ListingSync shopify: 96 listings up to date",
        "Sync completed - 0 errors, 2 warnings",
        "Completed: 12 orders, error count 0",
        "Exceptions: 0, 40 items sent",
        "Amazon UK GetOrders: No new orders",
        "Magento2 [B2B store] GetOrders: 3 orders",
        "Magento2 [B2B store] GetOrders: 1 order",
        "Woo UpdateStock: 140 sku(s)",
        "14:15:30 WooCommerce(shop.ourco.co.uk) GetOrders -> 34 orders",
        "19:01  inventory levels set for 38 variants",
        "[Etsy - CraftyHomeUK] Listings sync: 66 listings refreshed",
    ],
)
def test_a_line_that_reports_something_done_ends_the_run_and_counts_as_a_success(engine, line):
    report = between_two_failures(engine, line)
    assert (report.failures, report.successes) == (2, 1)
    assert report.matches[0].longest_run == 1
    assert "2 failures in 3 syncs (67%)" in report.verdict


# A failure, something not done, a person talking: no success line.
NO_SUCCESS = [
    "Stock sync: 117 sent, 3 failed",
    "GetOrders: 3 orders failed",
    "UpdateStock: 3 errors",
    "GetOrders: 3 orders skipped",
    "Pending: 3 orders",
    "09:30 Price update: 12 prices could not be updated",
    "✗ Shopify stock push (2.1s)",
    "WARN stock push complete: 1,204 items",
    "12 prices not updated",
    "orders will be updated at the next sync",
    "Not enough storage is available to complete this operation",
    "we updated 3 listings yesterday and it came back",
    "when I upload the stock file saved from Excel",
    "did the 40 orders sync complete?",
    "here is the log, most of it looks ok:",
    "ok",
]


@pytest.mark.parametrize("line", NO_SUCCESS)
def test_a_failure_something_not_done_or_a_person_talking_is_no_success(engine, line):
    report = between_two_failures(engine, line)
    assert report.successes == 0
    assert "syncs" not in report.verdict


def test_a_log_line_between_two_alike_is_not_joined_to_the_failure_above_it(engine):
    report = engine.explain(
        "eBay: 15 items relisted\n"
        "eBay RelistItem: Internal error to the application\n"
        "eBay: 12 items relisted\n"
    )
    assert (report.failures, report.successes) == (1, 2)


def test_success_words_maintainers_add_find_a_new_wording(write_kb):
    settings = "success_words:\n  done: [franked]\n  things: [parcels]\n"
    engine = Engine.from_path(write_kb(**{"demo.yaml": VALID_ENTRY, "settings.yaml": settings}))
    assert engine.explain("parcels franked").successes == 1
    assert engine.explain("Franked 40 envelopes").successes == 1
    assert engine.explain("parcels weighed").successes == 0
