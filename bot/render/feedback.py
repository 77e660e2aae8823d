"""What the maintainers' loop buttons send back: the action ids and values that
bot.render.maintainers writes into messages and bot.slack.listeners.feedback reads back."""

from __future__ import annotations

VOTE_HELPFUL_ACTION = "syncdoc_vote_helpful"
VOTE_WRONG_ACTION = "syncdoc_vote_wrong"
REPORT_ACTION = "syncdoc_report_unknown"
CHOOSE_ACTION = "syncdoc_choose"
"""Prefix of the "Was it one of these?" buttons' action ids (each button needs its own)."""
FEEDBACK_BLOCK_ID = "feedback"
ALTERNATIVES_BLOCK_ID = "alternatives"


def choice_value(answer_id: str, entry_id: str | None) -> str:
    """A "Was it one of these?" button's value: the answer it corrects, and the entry chosen
    (none for "None of these")."""
    return f"{answer_id} {entry_id or ''}".strip()


def parse_choice(value: str) -> tuple[str, str | None]:
    """The answer id and chosen entry id (or None) of a `choice_value`."""
    answer_id, _, entry_id = value.partition(" ")
    return answer_id, entry_id or None
