"""`syncdoc lint`: schema problems, article hosts, then a self-test of every pattern, example and
counter-example.

A knowledge base tests itself: each pattern and example must be recognised as its own entry,
clearly ahead of every other entry, and each counter-example must not be claimed by its entry.
An entry with `generic:` patterns is claimed only where its channel is named, so its patterns and
examples that name no system are tested as its channel shows them ("Shopify: 423 Locked"), and
must not be claimed by any other entry as they stand. A generic entry's channel must have words in
settings.yaml, and no word may name both a channel and another system.

Patterns are literal texts compared fuzzily, never regular expressions, so no pattern can make
matching slow; the schema refuses unknown keys, so a `regex:` key is a lint error, not ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.exceptions import KnowledgeBaseError
from bot.knowledge import (
    SETTINGS_FILE,
    Entry,
    KnowledgeBase,
    Problem,
    kb_files,
    load_knowledge_base,
    quote_text,
)
from bot.match import AMBIGUOUS_MARGIN, CONFIDENT, Matcher, shown_score
from bot.triage import best_per_entry, triage

_ENTRY_START = re.compile(rb"^- id:", re.MULTILINE)


@dataclass(frozen=True)
class LintResult:
    """What one lint run checked (the folder, how many entries) and what it found."""

    path: Path
    entries: int
    problems: tuple[Problem, ...]


def lint(path: Path | str) -> list[Problem]:
    """Every problem in the knowledge base at `path`, in file order; empty when it is clean."""
    return list(lint_folder(path).problems)


def lint_folder(path: Path | str) -> LintResult:
    """Lint the knowledge base at `path`, counting its entries even when it does not load."""
    root = Path(path)
    try:
        kb = load_knowledge_base(root)
    except KnowledgeBaseError as exc:
        problems = tuple(p for p in exc.problems if isinstance(p, Problem))
        return LintResult(root, _count_entries(root), problems)
    found = sorted([*article_host_problems(kb), *self_test(kb)], key=lambda p: (p.file, p.line))
    return LintResult(root, len(kb), tuple(found))


def _count_entries(root: Path) -> int:
    """Entries in a folder that does not load: each one starts a line with `- id:`."""
    if not root.is_dir():
        return 0
    return sum(
        len(_ENTRY_START.findall(file.read_bytes()))
        for file in kb_files(root)
        if file.name != SETTINGS_FILE
    )


def article_host_problems(kb: KnowledgeBase) -> list[Problem]:
    """Each article on a host the settings do not allow (none are checked without a list)."""
    allowed = set(kb.settings.article_hosts)
    if not allowed:
        return []
    problems = []
    for entry in kb:
        if entry.article is None:
            continue
        host = urlsplit(entry.article.url).hostname or ""
        if host not in allowed:
            problems.append(
                Problem(
                    entry.file,
                    entry.article_url_line or entry.line,
                    f"entry '{entry.id}': article host '{host}' is not in article_hosts "
                    f"({SETTINGS_FILE}); link Linnworks' help or the channel's official "
                    "documentation, or leave the article out",
                )
            )
    return problems


def self_test(kb: KnowledgeBase, matcher: Matcher | None = None) -> list[Problem]:
    matcher = matcher or Matcher(kb)
    problems = _settings_problems(kb)
    for entry in kb:
        if entry.generic_patterns and not kb.settings.channels.get(entry.channel):
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    f"entry '{entry.id}' has generic patterns, but settings.yaml names no words "
                    f"for its channel '{entry.channel}' under channels:",
                )
            )
            continue
        for kind, texts, lines in (
            ("pattern", entry.patterns, entry.pattern_lines),
            ("example", entry.examples, entry.example_lines),
        ):
            for text, line in zip(texts, lines, strict=False):
                message = _check_recognised(entry, text, matcher)
                if message:
                    problems.append(Problem(entry.file, line or entry.line, f"{kind} {message}"))
        for text, line in zip(entry.counter_examples, entry.counter_example_lines, strict=False):
            claimed = {f.entry.id: f for f in triage(text, matcher).matches}
            if entry.id in claimed:
                problems.append(
                    Problem(
                        entry.file,
                        line or entry.line,
                        f"counter-example {quote_text(text)} is claimed by '{entry.id}' "
                        f"(score {claimed[entry.id].score:.0f}); "
                        "make the entry's patterns more specific",
                    )
                )
    return problems


def _settings_problems(kb: KnowledgeBase) -> list[Problem]:
    settings = kb.settings
    path = kb.path / SETTINGS_FILE
    where = str(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []

    def line_of(word: str) -> int:
        return next((n for n, line in enumerate(lines, 1) if word in line), 0)

    channel_words = {w.casefold(): c for c, words in settings.channels.items() for w in words}
    problems = [
        Problem(
            where,
            line_of(word),
            f"'{word}' names both the channel '{channel_words[word.casefold()]}' "
            f"and another system ({key}:)",
        )
        for key, words in (
            ("other_systems", settings.other_systems),
            ("outside_linnworks", settings.outside_linnworks),
        )
        for word in words
        if word.casefold() in channel_words
    ]
    tags = {tag for entry in kb for tag in entry.tags}
    problems.extend(
        Problem(
            where, line_of("connection_tags:"), f"connection_tags: '{tag}' is the tag of no entry"
        )
        for tag in settings.connection_tags
        if tag not in tags
    )
    used = {entry.channel for entry in kb}
    problems.extend(
        Problem(
            where, line_of(f"{channel}:"), f"channels: '{channel}' is not the channel of any entry"
        )
        for channel in settings.channels
        if channel not in used
    )
    return problems


def _check_recognised(entry: Entry, text: str, matcher: Matcher) -> str | None:
    own = best_per_entry(text, matcher).get(entry.id)
    if own and own.pattern in entry.generic_patterns and matcher.systems.named(text).empty:
        others = [f.entry.id for f in triage(text, matcher).matches if f.entry.id != entry.id]
        if others:
            return f"{quote_text(text)} is claimed by '{others[0]}'"
        label = matcher.systems.label(entry.channel)
        message = _check_named(entry, f"{label}: {text}", matcher)
        return f"{message} (as its channel shows it)" if message else None
    return _check_named(entry, text, matcher)


def _check_named(entry: Entry, text: str, matcher: Matcher) -> str | None:
    best = best_per_entry(text, matcher)
    own = best.get(entry.id)
    claimed = [f.entry.id for f in triage(text, matcher).matches]
    quoted = quote_text(text)
    if own is None or entry.id not in claimed:
        score = f"score {shown_score(own.score)}" if own else "no score"
        return f"{quoted} is not recognised as '{entry.id}' ({score}, needs {CONFIDENT:.0f})"
    for other_id in claimed:
        if other_id != entry.id:
            return f"{quoted} is also claimed by '{other_id}' ({best[other_id].score:.0f})"
    for other in sorted(best.values(), key=lambda c: -c.score):
        if other.entry.id == entry.id or matcher.explains(own, other):
            continue
        if own.score - other.score < AMBIGUOUS_MARGIN:
            return (
                f"{quoted} is ambiguous: '{other.entry.id}' scores {other.score:.0f}, "
                f"within {AMBIGUOUS_MARGIN:.0f} of '{entry.id}' ({own.score:.0f})"
            )
    return None
