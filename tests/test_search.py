"""Looking errors up by words (bot/search.py): what people remember, how they type it, and
nothing when nothing fits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.engine import Engine
from bot.search import SearchIndex

from conftest import kb_entry

LOOKUPS = yaml.safe_load((Path(__file__).parent / "data" / "lookups.yaml").read_text("utf-8"))
AMBIGUOUS = {
    "404 not found": "Shopify's 404 title is shorter than the general one, and has no 'HTTP'",
}


def ids(engine: Engine, words: str, limit: int = 5) -> list[str]:
    return [hit.entry.id for hit in engine.search(words, limit)]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=c["words"],
            marks=[pytest.mark.xfail(strict=True, reason=AMBIGUOUS[c["words"]])]
            if c["words"] in AMBIGUOUS
            else [],
        )
        for c in LOOKUPS["found"]
    ],
)
def test_a_lookup_finds_its_entry_first(engine, case):
    assert ids(engine, case["words"])[:1] == [case["expect"]]


@pytest.mark.parametrize("words", AMBIGUOUS)
def test_an_ambiguous_lookup_still_has_its_entry_in_the_top_three(engine, words):
    (case,) = [c for c in LOOKUPS["found"] if c["words"] == words]
    assert case["expect"] in ids(engine, words, 3)


@pytest.mark.parametrize("words", LOOKUPS["nothing"])
def test_a_lookup_about_something_the_base_does_not_cover_finds_nothing(engine, words):
    assert ids(engine, words) == []


def test_every_entry_is_found_first_by_its_own_title(engine):
    assert [e.id for e in engine.kb if ids(engine, e.title)[:1] != [e.id]] == []


@pytest.mark.parametrize(
    "words",
    [
        "ebay token expired",
        "EBAY TOKEN EXPIRED",
        "expired token ebay",  # any order
        "ebay tokne expired",  # a transposition
        "ebay token exipred",
        "ebya tokn expird",  # a typo or two in every word
        "ebay tokens expiring",  # other forms of the words
        "eBay token expired?",
    ],
)
def test_typos_word_order_case_and_word_forms_do_not_change_the_answer(engine, words):
    assert ids(engine, words)[:1] == ["ebay-token-hard-expired"]


@pytest.mark.parametrize("words", ["despatch rejected", "dispatch rejected"])
def test_despatch_and_dispatch_are_the_same_word(engine, words):
    assert ids(engine, words)[:1] == ["despatch-rejected-channel-disabled"]


@pytest.mark.parametrize("words", ["amazon authorisation lapsed", "amazon authorization lapsed"])
def test_british_and_american_spellings_are_the_same_word(engine, words):
    assert ids(engine, words)[:1] == ["amazon-reports-access-denied"]


def test_a_word_typed_only_in_part_is_found(engine):
    assert ids(engine, "woocomm signature")[:1] == ["woocommerce-invalid-signature"]


def test_two_typed_words_that_the_base_writes_as_one_are_joined(engine):
    assert ids(engine, "woo commerce signature")[:1] == ["woocommerce-invalid-signature"]


@pytest.mark.parametrize(
    ("words", "expect"),
    [
        ("931", "ebay-auth-token-invalid-931"),
        ("what does error 931 mean?", "ebay-auth-token-invalid-931"),
        ("amazon 8560", "amazon-feed-8560-missing-attributes"),
        ("423", "shopify-shop-locked-423"),
        ("QuotaExceeded", "amazon-quota-exceeded"),
    ],
)
def test_error_codes_find_their_entry(engine, words, expect):
    assert ids(engine, words)[:1] == [expect]


@pytest.mark.parametrize(
    ("words", "expect"),
    [
        pytest.param(
            "amazon more than eight images",
            "amazon-listing-too-many-images",
            id="a number written in words is the number",
        ),
        pytest.param(
            "amzn quota",
            "amazon-quota-exceeded",
            id="a typo in a channel's short name still names the channel",
        ),
        pytest.param(
            "app store channel sku",
            "appstore-channel-sku-does-not-exist",
            id="a channel's name of three words typed as words names the channel",
        ),
        pytest.param(
            "WooCommerce user may not do that",
            "woocommerce-rest-forbidden",
            id="of two entries the words fit, the one whose title was typed comes first",
        ),
        pytest.param(
            "unable to add new user account name already exists",
            "appstore-channel-account-name-exists",
            id="most of an error text finds its entry",
        ),
        pytest.param(
            # PayPal is a system the base does not cover, but eBay's warning is about PayPal.
            "paypal not applicable managed payments",
            "ebay-paypal-not-applicable-managed-payments-21920208",
            id="an entry that itself names another system is found by that name",
        ),
    ],
)
def test_a_lookup_finds_its_entry_first_when(engine, words, expect):
    assert ids(engine, words)[:1] == [expect]


@pytest.mark.parametrize(
    "words",
    [
        # "api" is a word of Amazon's "SP-API": alone it names no channel, so "onbuy"
        # (unknown) outweighs the words the base has.
        pytest.param("onbuy api key", id="a word of a channel's longer name"),
        # Three words of "Unable to add new user as account name already exists".
        pytest.param("how do I add a new user", id="a few words found only in an error text"),
        # "worked" stands for "success" too, but nothing typed is in the despatch entry itself.
        pytest.param("thanks, that worked", id="only other words for what was typed"),
    ],
)
def test_a_lookup_finds_nothing_on_the_strength_of(engine, words):
    assert ids(engine, words) == []


def test_a_number_is_never_taken_for_a_nearby_number(engine):
    assert "ebay-auth-token-invalid-931" not in ids(engine, "error 932")


def test_an_id_typed_whole_finds_that_entry_with_full_score(engine):
    (hit,) = engine.search("ebay-token-hard-expired")
    assert (hit.entry.id, hit.score, hit.fields) == ("ebay-token-hard-expired", 100.0, ("id",))


def test_a_hit_says_which_fields_the_words_were_found_in(engine):
    hit = engine.search("QuotaExceeded")[0]
    assert {"code", "error_text"} <= set(hit.fields)
    assert "channel" not in hit.fields


def test_a_channel_name_finds_that_channels_errors(engine):
    found = engine.search("walmart")
    assert [h.entry.channel for h in found] == ["walmart"]
    assert "channel" in found[0].fields


def test_results_are_best_first_and_at_most_the_limit(engine):
    found = engine.search("amazon feed", limit=3)
    assert len(found) == 3
    assert [h.score for h in found] == sorted((h.score for h in found), reverse=True)


@pytest.mark.parametrize("words", ["", "   ", "the and of", "???"])
def test_words_that_say_nothing_find_nothing(engine, words):
    assert engine.search(words) == []


def test_a_reloaded_base_is_searched_from_the_next_lookup(write_kb):
    engine = Engine.from_path(write_kb(**{"a.yaml": kb_entry("alpha-one", "Alpha", "alpha")}))
    assert ids(engine, "gamma widget") == []
    engine.replace(
        Engine.from_path(
            write_kb(**{"a.yaml": kb_entry("gamma-widget", "Gamma widget jammed", "gamma")})
        ).kb
    )
    assert ids(engine, "gamma widget") == ["gamma-widget"]


def test_an_index_can_be_built_on_a_base_without_tags_or_codes(write_kb):
    kb = Engine.from_path(write_kb(**{"a.yaml": kb_entry("alpha-one", "Alpha", "alpha")})).kb
    assert [h.entry.id for h in SearchIndex(kb).search("alpha")] == ["alpha-one"]


# --- "Did you mean" under an unrecognised paste uses the same search ---------------------------


def candidates(engine: Engine, paste: str) -> list[str]:
    report = engine.explain(paste)
    assert not report.recognised
    return [f.entry.id for f in report.candidates]


def test_did_you_mean_offers_what_a_lookup_of_the_words_finds(engine):
    assert candidates(engine, "feed rejected")[:1] == ["amazon-inventory-feed-rejected"]


def test_did_you_mean_offers_nothing_unrelated_for_an_error_the_base_does_not_cover(engine):
    assert candidates(engine, "Listing 555 failed: shipping_profile_id is required") == []


def test_did_you_mean_never_repeats_an_error_already_recognised(engine):
    paste = "[Amazon UK] Request is throttled\nRequest throttled on the feed again"
    report = engine.explain(paste)
    assert [f.entry.id for f in report.matches] == ["amazon-request-throttled"]
    assert "amazon-request-throttled" not in [f.entry.id for f in report.candidates]
