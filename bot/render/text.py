"""Human-readable output for the terminal: answers (with colour when the output is a terminal),
lookups, and the maintainers' statistics."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.knowledge import Entry
from bot.match import CONFIDENT, shown_score
from bot.render import (
    MAX_LISTED_UNUSED,
    NO_ARTICLE,
    SEVERITY_WORDS,
    first_sentence,
    is_log_excerpt,
    percent,
    table,
    utc_time,
)
from bot.triage import Finding, Report, failure_ratio

if TYPE_CHECKING:  # bot.search imports numpy, which `syncdoc explain` need not load.
    from bot.search import Hit
    from bot.stats import EntryStats, Stats

NOTHING_FOUND = "No known error fits these words."
NOTHING_FOUND_HINT = (
    "Paste the full error text into `syncdoc explain`, or send it to the syncdoc maintainers "
    "to have it added to the knowledge base."
)

_COLOURS = {"transient": "32", "action_required": "31", "info": "36", "dim": "2", "bold": "1"}


class _Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, kind: str) -> str:
        if not self.colour:
            return text
        return f"\033[{_COLOURS[kind]}m{text}\033[0m"


def render_text(report: Report, *, colour: bool = False, width: int = 88) -> str:
    """The full answer: one block per recognised error, a table for logs, then the verdict.

    Prose is wrapped to `width` columns; links and matched text are never broken.
    """
    style = _Style(colour)
    parts: list[str] = []
    matches, candidates = report.matches, report.candidates
    if is_log_excerpt(report):
        parts.append(_summary_table(matches, style))
    ratio = failure_ratio(report.failures, report.successes)
    if ratio:
        parts.append(f"Syncs in this log: {ratio}; the others succeeded.")
    for finding in matches:
        parts.append(_finding_block(finding, style, width))
    if not matches:
        parts.append(style("No known Linnworks error recognised.", "bold"))
        if candidates:
            lines = ["Did you mean:"]
            lines += [f"  - {c.entry.title} ({c.entry.id}, {_fit(c)})" for c in candidates]
            parts.append("\n".join(lines))
    if report.unmatched:
        lines = ["Error lines not in the knowledge base:"]
        lines += [f"  - {text}" for text in report.unmatched]
        parts.append("\n".join(lines))
    if report.truncated:
        parts.append(style("Only the first part of this very long paste was read.", "dim"))
    verdict = textwrap.fill("Verdict: " + report.verdict, width, break_on_hyphens=False)
    parts.append(style("Verdict:", "bold") + verdict.removeprefix("Verdict:"))
    return "\n\n".join(parts) + "\n"


def _severity(finding: Finding, style: _Style) -> str:
    words = SEVERITY_WORDS[finding.effective_severity]
    text = style(words, finding.effective_severity)
    if finding.escalation:
        usual = SEVERITY_WORDS[finding.entry.severity].lower()
        text += f" (usually {usual}; {finding.escalation})"
    return text


def _finding_block(finding: Finding, style: _Style, width: int) -> str:
    entry = finding.entry
    steps = [
        textwrap.fill(
            step,
            width,
            initial_indent=f"  {n}. ",
            subsequent_indent="     ",
            break_on_hyphens=False,
        )
        for n, step in enumerate(entry.fix, 1)
    ]
    lines = [
        style(entry.title, "bold") + style(f"  [{entry.id}]", "dim"),
        f"Severity: {_severity(finding, style)}",
        "",
        textwrap.fill(entry.meaning, width, break_on_hyphens=False),
        "",
        "What to do:",
        *steps,
        "",
        *_article_lines(entry),
        style(f"Confidence {shown_score(finding.score)}/100 (threshold {CONFIDENT:.0f})", "dim"),
        style(f"Matched: {finding.matched_text}", "dim"),
    ]
    return "\n".join(lines)


def _fit(candidate: Finding) -> str:
    if candidate.looked_up:
        return f"fits your words {candidate.score:.0f} of 100"
    why = f"; {candidate.held_back}" if candidate.held_back else ""
    return f"score {shown_score(candidate.score)} of 100{why}"


def _article_lines(entry: Entry) -> list[str]:
    if entry.article is None:
        return [NO_ARTICLE]
    return [f"Article: {entry.article.title}", f"  {entry.article.url}"]


def _summary_table(matches: tuple[Finding, ...], style: _Style) -> str:
    rows = [("Error", "Count", "In a row", "Severity")]
    rows += [
        (f.entry.title, str(f.count), str(f.longest_run), SEVERITY_WORDS[f.effective_severity])
        for f in matches
    ]
    heading, *lines = table(rows)
    return "\n".join([style(heading, "bold"), *lines])


def render_search_text(hits: Sequence[Hit], *, width: int = 88) -> str:
    """`syncdoc search` results: each entry's title and id, channel, severity, score, the
    fields the words were found in, and one line of meaning; or that nothing fits."""
    if not hits:
        return f"{NOTHING_FOUND}\n{textwrap.fill(NOTHING_FOUND_HINT, width)}\n"
    blocks = []
    for number, hit in enumerate(hits, 1):
        entry = hit.entry
        fields = ", ".join(f.replace("_", " ") for f in hit.fields)
        lines = [
            f"{number}. {entry.title}  [{entry.id}]",
            f"   {entry.channel} · {SEVERITY_WORDS[entry.severity]} · score {hit.score:.0f}"
            f" · matched: {fields}",
            textwrap.fill(
                first_sentence(entry.meaning),
                width,
                initial_indent="   ",
                subsequent_indent="   ",
                break_on_hyphens=False,
            ),
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def render_stats_text(stats: Stats) -> str:
    """`syncdoc stats`: the statistics as a terminal report."""
    parts = [f"syncdoc usage statistics, {utc_time(stats.generated_at)}"]
    rows = [("Entry", "24h", "7d", "30d", "Helpful", "Wrong")]
    for row in stats.entries:
        rows.append((row.entry_id, str(row.day), str(row.week), str(row.month), *_votes(row)))
    if stats.unknown_answers:
        rows.append(("(not recognised)", "", "", "", *_votes(stats.unknown_answers)))
    if len(rows) > 1:
        lines = table(rows, numbers=True)
        parts.append("Answers per entry, and how people voted on them:\n" + "\n".join(lines))
    else:
        parts.append("No answers recorded yet.")

    if stats.pastes:
        parts.append(
            f"Pastes nobody recognised (last 30 days): {stats.unrecognised} of {stats.pastes} "
            f"({percent(stats.unrecognised_share)}). `syncdoc gaps` lists them with drafts."
        )
    else:
        parts.append("Pastes nobody recognised (last 30 days): none recorded.")

    unused = stats.never_matched
    if unused:
        more = len(unused) - MAX_LISTED_UNUSED
        listed = ", ".join(unused[:MAX_LISTED_UNUSED]) + (f", and {more} more" if more > 0 else "")
        parts.append(
            f"Never matched in the last 90 days ({len(unused)} of {stats.kb_size} entries):\n"
            + textwrap.fill(
                listed,
                width=98,
                initial_indent="  ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
        )
    else:
        parts.append("Every entry was matched in the last 90 days.")

    if stats.confused:
        lines = [
            f"  {pair.answered or '(not recognised)'} -> {pair.chosen}: "
            f"{pair.count} time{'s' if pair.count != 1 else ''}"
            for pair in stats.confused
        ]
        parts.append("Most confused (answered -> what people said it was):\n" + "\n".join(lines))
    else:
        parts.append("No wrong answers corrected yet.")
    return "\n\n".join(parts) + "\n"


def _votes(row: EntryStats) -> tuple[str, str]:
    if not row.votes:
        return "-", "-"
    return (
        f"{row.helpful} ({percent(row.helpful_rate)})",
        f"{row.wrong} ({percent(row.wrong_rate)})",
    )
