"""The result object of `syncdoc explain --format json`: a contract other tools rely on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.knowledge import Entry
from bot.render import NO_ARTICLE
from bot.triage import Finding, Report

if TYPE_CHECKING:  # bot.search imports numpy, which `syncdoc explain` need not load.
    from bot.search import Hit


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
        "looked_up": finding.looked_up,
        "score": finding.score,
        "count": finding.count,
        "longest_run": finding.longest_run,
        "matched_text": finding.matched_text,
        "meaning": entry.meaning,
        "fix": list(entry.fix),
        **_article_fields(entry),
        "sources": list(entry.sources),
    }


def _article_fields(entry: Entry) -> dict[str, Any]:
    """`article` (null when there is none) and `article_note`, which says so in words."""
    if entry.article is None:
        return {"article": None, "article_note": NO_ARTICLE}
    article = {"title": entry.article.title, "url": entry.article.url}
    return {"article": article, "article_note": None}


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


def search_to_dict(hits: Sequence[Hit]) -> dict[str, Any]:
    """The result object of `syncdoc search --format json`."""
    return {
        "results": [
            {
                "id": hit.entry.id,
                "title": hit.entry.title,
                "channel": hit.entry.channel,
                "severity": hit.entry.severity,
                "score": hit.score,
                "matched": list(hit.fields),
                "meaning": hit.entry.meaning,
                **_article_fields(hit.entry),
            }
            for hit in hits
        ]
    }
