"""The blind evaluation set (bench/heldout.yaml) as a regression suite.

The set was written without reading the matcher or the knowledge base. Its known failures are
listed here with the reason, as strict xfails: fixing one turns its test red until it is removed
from this list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import labelled_cases, load_yaml

DATA = load_yaml(Path(__file__).parents[1] / "bench" / "heldout.yaml")

SKU_GENERIC = "'SKU does not exist' is any system's text, and nothing names the App Store channel"
KNOWN_MISSES = {
    # Both lost when the 40 catalogue errors of issue 9 came in: their sourced wording (chiefly
    # general-underlying-connection-closed-send's) makes 'connection', 'remote' and 'closed'
    # commoner, so what these pastes lack or add weighs more.
    "Get all Amazon accounts Error: An existing connection was forcibly closed by the remote\n": (
        "a cut-off paste: the wrapper's words weigh against the fragment (84.6)"
    ),
    "occurred on a receive. ---> System.IO.IOException": (
        "'... on a receive' differs from the 'on a send' entry by one short word (85.9)"
    ),
    # Lost when "SKU does not exist" became generic (issue 8's own list; Mirakl's offer imports
    # say it too): with no App Store channel named, it is a did-you-mean.
    '"Error":"SKU does not exist"},{"SKU":"OAK-TBL-160"': SKU_GENERIC,
}
# Negatives written when the base had 58 entries: these errors have entries since issue 9.
NOW_KNOWN = {
    "(503) Server Unavailable.": "general-remote-server-503",
    "[API] Invalid API key or access token": "shopify-invalid-api-key-401",
    "You are not allowed to revise ended listings.": "ebay-auction-ended-291",
    '"code":"rest_no_route"': "woocommerce-rest-no-route",
}
KNOWN_FALSE_CLAIMS: dict[str, str] = {}


@pytest.mark.parametrize(
    "case", labelled_cases(DATA["recognised"], KNOWN_MISSES, lambda c: c["expect"])
)
def test_blind_paste_is_recognised(engine, case):
    assert [f.entry.id for f in engine.explain(case["paste"]).matches] == [case["expect"]]


def _now_known(paste: str) -> str | None:
    return next((entry for key, entry in NOW_KNOWN.items() if key in paste), None)


NEGATIVES = [c for c in DATA["not_recognised"] if _now_known(c["paste"]) is None]


@pytest.mark.parametrize(
    "case", labelled_cases(NEGATIVES, KNOWN_FALSE_CLAIMS, lambda c: c["why"][:40])
)
def test_blind_negative_is_not_claimed(engine, case):
    assert engine.explain(case["paste"]).matches == ()


@pytest.mark.parametrize(
    "case",
    [c for c in DATA["not_recognised"] if _now_known(c["paste"])],
    ids=lambda c: _now_known(c["paste"]),
)
def test_blind_negative_of_an_error_added_since_is_recognised_as_it(engine, case):
    assert [f.entry.id for f in engine.explain(case["paste"]).matches] == [
        _now_known(case["paste"])
    ]
