"""Human-readable answers for the terminal, with colour when the output is a terminal."""

from __future__ import annotations

import textwrap

from bot.match import CONFIDENT, shown_score
from bot.render import SEVERITY_WORDS
from bot.triage import Finding, Report, failure_ratio

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
    if len(matches) > 1 or (matches and matches[0].count > 1):
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
            lines += [
                f"  - {c.entry.title} ({c.entry.id}, score {shown_score(c.score)} of 100"
                + (f"; {c.held_back})" if c.held_back else ")")
                for c in candidates
            ]
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
        f"Article: {entry.article.title}",
        f"  {entry.article.url}",
        style(f"Confidence {shown_score(finding.score)}/100 (threshold {CONFIDENT:.0f})", "dim"),
        style(f"Matched: {finding.matched_text}", "dim"),
    ]
    return "\n".join(lines)


def _summary_table(matches: tuple[Finding, ...], style: _Style) -> str:
    rows = [("Error", "Count", "In a row", "Severity")]
    rows += [
        (f.entry.title, str(f.count), str(f.longest_run), SEVERITY_WORDS[f.effective_severity])
        for f in matches
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = []
    for number, row in enumerate(rows):
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        out.append(style(line, "bold") if number == 0 else line)
    return "\n".join(out)
