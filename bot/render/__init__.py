"""Presenting a `Report`: plain text for terminals, JSON for machines, Block Kit for Slack."""

import re

# Said wherever an article would be, when no Linnworks or official channel page covers the error:
# a person should know there is nothing to look up, not wonder where the link went.
NO_ARTICLE = "There is no help article for this error yet."
NO_ARTICLE_SHORT = "no help article yet"

SEVERITY_WORDS = {
    "transient": "Transient",
    "action_required": "Action required",
    "info": "Info",
}

_FIRST_SENTENCE = re.compile(r"^.*?[.!?](?=\s|$)")


def first_sentence(text: str) -> str:
    """The first sentence of an entry's meaning: one line that says what the error is."""
    found = _FIRST_SENTENCE.match(" ".join(text.split()))
    return found.group(0) if found else text
