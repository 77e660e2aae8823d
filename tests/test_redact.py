"""Redaction: customer data never reaches the inbox, and a redacted line keeps its template."""

from __future__ import annotations

import pytest

from bot.normalise import canonical
from bot.redact import redact


@pytest.mark.parametrize(
    ("pasted", "stored"),
    [
        (
            "Order 203-1234567-1234567 could not be imported",
            "Order <order number> could not be imported",
        ),
        ("Order #1001 was rejected", "Order <order number> was rejected"),
        ("OrderId: 5512 failed to sync", "OrderId: <order number> failed to sync"),
        ("order number AB-99812 not found", "order number <order number> not found"),
        ("Item 12-34567-89012 is not allowed", "Item <order number> is not allowed"),
        ("buyer jane.doe@example.co.uk has no address", "buyer someone@example.com has no address"),
        ("Phone 07700900123 is invalid", "Phone <number> is invalid"),
        ("Sync failed for [Jane's eBay Shop]", "Sync failed for [account]"),
        ("SKU 'BLUE-WIDGET-XL' not found", "SKU '<name>' not found"),
        ('Customer "John Smith" has no postcode', 'Customer "<name>" has no postcode'),
    ],
)
def test_customer_data_is_replaced_by_a_placeholder(pasted, stored):
    assert redact(pasted) == stored


@pytest.mark.parametrize(
    "kept",
    [
        "The remote server returned an error: (429) Too Many Requests",
        'Error: "The requested listing could not be found on the channel"',
        '{"message": "Invalid token"}',
        "order could not be found",
    ],
)
def test_error_wording_status_codes_and_messages_are_kept(kept):
    assert redact(kept) == kept


def test_redacting_twice_changes_nothing():
    once = redact("Order 203-1234567-1234567 for [eBay UK] by a@b.com: SKU 'X1' missing")
    assert redact(once) == once


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "Order 203-1234567-1234567 could not be imported",
            "Order 111-7654321-7654321 could not be imported",
        ),
        ("Order #1001 was rejected", "Order #2047 was rejected"),
        (
            "Sync failed for [eBay UK]: SKU 'A' missing",
            "Sync failed for [Amazon DE]: SKU 'B b' missing",
        ),
    ],
)
def test_pastes_that_differ_only_in_customer_data_redact_to_the_same_text(one, other):
    assert redact(one) == redact(other)


def test_a_redacted_line_has_the_same_canonical_form_as_the_original():
    original = "Order 203-1234567-1234567 for [eBay UK] by jane@example.com: SKU 'X1' missing"
    assert canonical(redact(original)) == canonical(original)
