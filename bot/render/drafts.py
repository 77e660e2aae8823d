"""Unknown errors from the inbox as knowledge base entries to fill in: the YAML of `syncdoc gaps`.

Each draft has `TODO:` placeholders where a person must decide (title, severity, meaning, fix,
article); filled in, it passes `syncdoc lint`. What can be decided without a person (id, channel,
pattern) comes from bot.inbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.inbox import Draft, draft, drafts
from bot.render import utc_time

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase
    from bot.store import InboxItem

TODO = "TODO:"
DOCUMENT_HEADER = (
    "# yaml-language-server: $schema=./schema.json\n"
    "# Unknown errors people pasted, most often seen first. Fill in every TODO, keep the\n"
    "# entries you want, and run `syncdoc lint`.\n"
)


def draft_entry(item: InboxItem, kb: KnowledgeBase | None = None) -> str:
    """A knowledge base entry for `item` as YAML (a one-item list), with TODO placeholders."""
    return draft_yaml(draft(item, kb))


def drafts_document(items: Iterable[InboxItem], kb: KnowledgeBase | None = None) -> str:
    """Every draft as one YAML file: `syncdoc gaps > knowledge/new.yaml`, then fill the TODOs."""
    return DOCUMENT_HEADER + "\n" + "\n".join(draft_yaml(d) for d in drafts(items, kb))


def draft_yaml(entry: Draft) -> str:
    """One draft as YAML: a comment saying how often it was seen, then a one-item list."""
    item = entry.item
    where = f" in {', '.join(item.channels)}" if item.channels else ""
    people = f"{item.people} {'person' if item.people == 1 else 'people'}"
    lines = [
        f"# Seen {item.count} time{'s' if item.count != 1 else ''} by {people}{where}; "
        f"first {utc_time(item.first_seen)}, last {utc_time(item.last_seen)}"
        + (
            f"; reported to the maintainers {utc_time(item.reported_at)}"
            if item.reported_at
            else ""
        ),
        f"- id: {entry.id}",
        f"  title: {quote(TODO + ' a short title people recognise')}",
        f"  channel: {entry.channel}  # guessed from the text; check it",
        f"  severity: {quote(TODO + ' transient, action_required or info')}",
        "  patterns:",
        f"    - {quote(entry.pattern)}",
        f"  meaning: {quote(TODO + ' what the error means, in plain words')}",
        "  fix:",
        f"    - {quote(TODO + ' the first thing a person should do')}",
        "  article:",
        f"    title: {quote(TODO + ' the help article that fixes it')}",
        f"    url: {quote(TODO + ' https://help.linnworks.com/...')}",
        "  examples:",
        f"    - {quote(item.example)}",
    ]
    return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    """A YAML single-quoted scalar: nothing inside is special except the quote itself."""
    return "'" + " ".join(text.split()).replace("'", "''") + "'"
