"""The result object of `syncdoc explain --format json`: a contract other tools rely on."""

from __future__ import annotations

from typing import Any

from bot.triage import Finding, Report


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    entry = finding.entry
    return {
        "id": entry.id,
        "title": entry.title,
        "channel": entry.channel,
        "severity": entry.severity,
        "effective_severity": finding.effective_severity,
        "escalation": finding.escalation,
        "confident": finding.confident,
        "held_back": finding.held_back,
        "score": finding.score,
        "count": finding.count,
        "longest_run": finding.longest_run,
        "matched_text": finding.matched_text,
        "meaning": entry.meaning,
        "fix": list(entry.fix),
        "article": {"title": entry.article.title, "url": entry.article.url},
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "matches": [finding_to_dict(f) for f in report.findings],
        "unmatched": list(report.unmatched),
        "verdict": report.verdict,
        "recognised": report.recognised,
        "worrying": report.worrying,
        "failures": report.failures,
        "successes": report.successes,
        "lines_read": report.records,
        "truncated": report.truncated,
    }
