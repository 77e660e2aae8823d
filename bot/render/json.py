"""The JSON of `syncdoc explain`, `search`, `gaps` and `stats` (`--format json`): contracts other
tools rely on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.knowledge import Entry
from bot.render import NO_ARTICLE, utc_time
from bot.triage import Finding, Report

if TYPE_CHECKING:  # bot.search imports numpy, which `syncdoc explain` need not load.
    from bot.search import Hit
    from bot.stats import EntryStats, Stats
    from bot.store import InboxItem


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


def gap_to_dict(item: InboxItem, draft: str) -> dict[str, Any]:
    """One inbox template for `syncdoc gaps --format json`, with its `draft` entry (YAML)."""
    return {
        "template": item.template,
        "example": item.example,
        "count": item.count,
        "people": item.people,
        "channels": list(item.channels),
        "first_seen": _iso(item.first_seen),
        "last_seen": _iso(item.last_seen),
        "reported": item.reported_at is not None,
        "reported_at": _iso(item.reported_at),
        "draft": draft,
    }


def stats_to_dict(stats: Stats) -> dict[str, Any]:
    """The result object of `syncdoc stats --format json`."""

    def entry(row: EntryStats) -> dict[str, Any]:
        return {
            "id": row.entry_id,
            "title": row.title,
            "hits": {"24h": row.day, "7d": row.week, "30d": row.month},
            "helpful": row.helpful,
            "wrong": row.wrong,
            "helpful_rate": row.helpful_rate,
            "wrong_rate": row.wrong_rate,
        }

    unknown = stats.unknown_answers
    return {
        "generated_at": _iso(stats.generated_at),
        "entries": [entry(r) for r in stats.entries],
        "not_recognised_votes": (
            {"helpful": unknown.helpful, "wrong": unknown.wrong} if unknown else None
        ),
        "never_matched_90d": list(stats.never_matched),
        "pastes_30d": stats.pastes,
        "unrecognised_30d": stats.unrecognised,
        "unrecognised_share_30d": stats.unrecognised_share,
        "confused_pairs": [
            {"answered": p.answered, "chosen": p.chosen, "count": p.count} for p in stats.confused
        ],
    }


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else utc_time(timestamp, iso=True)
