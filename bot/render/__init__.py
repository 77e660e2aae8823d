"""Presenting a `Report`: plain text for terminals, JSON for machines, Block Kit for Slack.

This module holds what several of those forms share, so that each is said one way."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.triage import Report

# Said wherever an article would be, when no Linnworks or official channel page covers the error:
# a person should know there is nothing to look up, not wonder where the link went.
NO_ARTICLE = "There is no help article for this error yet."
NO_ARTICLE_SHORT = "no help article yet"

SEVERITY_WORDS = {
    "transient": "Transient",
    "action_required": "Action required",
    "info": "Info",
}
MAX_LISTED_UNUSED = 40
"""The statistics name at most this many entries that were never matched, then say how many more."""

_FIRST_SENTENCE = re.compile(r"^.*?[.!?](?=\s|$)")


def first_sentence(text: str) -> str:
    """The first sentence of an entry's meaning: one line that says what the error is."""
    found = _FIRST_SENTENCE.match(" ".join(text.split()))
    return found.group(0) if found else text


def is_log_excerpt(report: Report) -> bool:
    """Whether the paste is shown as a log: several known errors, or one seen more than once."""
    matches = report.matches
    return len(matches) > 1 or (len(matches) == 1 and matches[0].count > 1)


def table(rows: Sequence[Sequence[str]], *, numbers: bool = False) -> list[str]:
    """`rows` as lines of aligned columns two spaces apart, the first row the heading; with
    `numbers`, every column but the first is aligned to the right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if numbers and i else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def utc_time(timestamp: float, *, iso: bool = False) -> str:
    """A moment in UTC: `2026-11-28 11:54 UTC` for people, ISO 8601 to the second for machines."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="seconds") if iso else moment.strftime("%Y-%m-%d %H:%M UTC")


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def lint_command(path: Path | str) -> str:
    """The command that lints the folder at `path`, from whatever folder it is run."""
    return f"syncdoc lint --kb {shlex.quote(str(path))}"
