"""Listeners grouped by kind; each module's `register(app, answers)` wires its listeners up.

Listeners hold no matching logic: they take the text out of Slack's payload, ask `Answers`, and
send what comes back.
"""

from __future__ import annotations

from slack_bolt import Ack


def acknowledge(ack: Ack) -> None:
    """Tell Slack the request arrived; the answer follows from a lazy listener."""
    ack()
