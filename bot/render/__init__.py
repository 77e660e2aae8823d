"""Presenting a `Report`: plain text for terminals, JSON for machines, Block Kit for Slack."""

import re

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
