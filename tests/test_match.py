from __future__ import annotations

import pytest

from bot.match import CONFIDENT
from bot.normalise import make_segment


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
