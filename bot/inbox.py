"""The inbox of unknown errors: what a paste adds to it, and the YAML draft for each template.

An error line that matched nothing confidently is redacted (bot.redact) and grouped by its
template: the redacted line in canonical form without log prefixes, so that two pastes differing
only in order number, account or timestamp count as one error. For each template, `draft` decides
what a person need not: the new entry's id, channel and pattern (bot.render.drafts writes it as
YAML with `TODO:` placeholders for the rest). The pattern keeps redaction's placeholders
(`<order number>`, `<number>`, `'<name>'`, `[account]`), which in a pattern mean what any
`<placeholder>` means: one word or value, whatever it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from dataclasses import dataclass

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.normalise import Segment, canonical, normalise, strip_prefixes
from bot.redact import redact
from bot.store import InboxItem
from bot.triage import Report

MAX_ID_WORDS = 6
MAX_ID_CHARS = 60
DEFAULT_CHANNEL = "general"
MIN_MESSAGE_WORDS = 3

_WORD = re.compile(r"[a-z][a-z0-9]+")
_MASK = re.compile(r"\[#acct\]|#\w+")
_ID_STOPWORDS = frozenset(
    "a an the and or of for to in on at by with from is are was were be been this that it its "
    "has have had not no could can cannot please error exception".split()
)


@dataclass(frozen=True)
class Unknown:
    """One unknown error line of a paste: its template, its redacted text, and the knowledge
    base channel it names (read before redaction, which removes "[eBay UK]")."""

    template: str
    example: str
    channel_hint: str | None


def unknowns(report: Report, kb: KnowledgeBase | None = None) -> list[Unknown]:
    """The paste's error lines that matched nothing, one per template, customer data removed."""
    found: dict[str, Unknown] = {}
    for line in report.unmatched:
        example = redact(line)
        template = template_of(example)
        if template and template not in found:
            found[template] = Unknown(template, example, guess_channel(line, kb))
    return list(found.values())


def written_up(item: InboxItem, engine: Engine) -> bool:
    """True once the knowledge base recognises the error: it is no longer a gap."""
    return engine.explain(item.example).recognised


def template_of(text: str) -> str:
    """The masked form that groups an error: canonical, without log prefixes."""
    return strip_prefixes(canonical(message_of(redact(text))))


def message_of(line: str) -> str:
    """The part of an error line that says what went wrong: the line itself, unless it is mostly
    markup (a JSON or XML body), then the message inside it that has the most words."""
    segments = [s for record in normalise(line).records for s in record.segments]

    def words(segment: Segment) -> int:
        return len(_WORD.findall(_MASK.sub(" ", segment.core)))

    if not segments or words(segments[0]) >= MIN_MESSAGE_WORDS:
        return line
    best = max(segments, key=words)
    return best.display if words(best) > words(segments[0]) else line


def readable_pattern(example: str) -> str:
    """The error message of the example without log prefixes (timestamps, levels, wrappers)."""
    message = message_of(example)
    core = template_of(message)
    for match in re.finditer(r"\S+", message):
        tail = message[match.start() :].strip()
        if canonical(tail).rstrip(" .") == core:
            return tail
    return message.strip()


@dataclass(frozen=True)
class Draft:
    """A new knowledge base entry for one inbox template, as far as it can be written for a
    person: its id (unused in the base), the channel it seems to be about, and its pattern."""

    id: str
    channel: str
    pattern: str
    item: InboxItem


def draft(item: InboxItem, kb: KnowledgeBase | None = None, taken: Set[str] = frozenset()) -> Draft:
    """The draft entry for `item`, its id unused in `kb` and not one of `taken`."""
    channel = item.channel_hint or guess_channel(item.example, kb) or DEFAULT_CHANNEL
    entry_id = suggest_id(item.template, channel, kb)
    if entry_id in taken:
        entry_id = _unique(entry_id, set(taken) | set(kb.by_id if kb else ()))
    return Draft(entry_id, channel, readable_pattern(item.example), item)


def drafts(items: Iterable[InboxItem], kb: KnowledgeBase | None = None) -> list[Draft]:
    """A draft for each item, in order, no two with the same id (they go in one file)."""
    made: list[Draft] = []
    taken: set[str] = set()
    for item in items:
        made.append(draft(item, kb, taken))
        taken.add(made[-1].id)
    return made


def guess_channel(text: str, kb: KnowledgeBase | None) -> str | None:
    """The knowledge base channel named in the text (longest name first), if any."""
    channels = sorted({e.channel for e in kb} if kb else set(), key=lambda c: (-len(c), c))
    lowered = text.casefold()
    for channel in channels:
        words = channel.replace("-", r"[\s_-]?")
        if re.search(rf"(?<![a-z]){words}(?![a-z])", lowered):
            return channel
    return None


def suggest_id(template: str, channel: str, kb: KnowledgeBase | None) -> str:
    """A kebab-case id from the template's first words, prefixed by the channel, unused in kb."""
    plain = _MASK.sub(" ", template)
    words = [w for w in _WORD.findall(plain) if w not in _ID_STOPWORDS and w != channel]
    stem = "-".join([channel, *words[:MAX_ID_WORDS]])[:MAX_ID_CHARS].strip("-")
    if stem == channel:
        stem = f"{channel}-unknown-error"
    return _unique(stem, set(kb.by_id) if kb else set())


def _unique(entry_id: str, taken: set[str]) -> str:
    candidate, number = entry_id, 2
    while candidate in taken:
        candidate = f"{entry_id}-{number}"
        number += 1
    return candidate
