"""Presenting the maintainers' loop: the inbox (`syncdoc gaps`), statistics (`syncdoc stats` and
the App Home tab), and the "several people are seeing this" notes."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.inbox import draft_entry, when
from bot.knowledge import Entry, KnowledgeBase
from bot.render.slack import (
    MAX_SECTION_CHARS,
    Block,
    SlackMessage,
    cut,
    escape,
    fit_lines,
    render_note,
)
from bot.stats import EntryStats, Stats
from bot.store import Burst, InboxItem

MAX_LISTED_UNUSED = 40
MAX_NOTICE_LINE_CHARS = 300
"""A pasted error quoted in a maintainers' notice is cut here, so several fit in one message."""


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def gap_to_dict(item: InboxItem, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """One inbox template for `syncdoc gaps --format json`."""
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
        "draft": draft_entry(item, kb),
    }


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _votes(row: EntryStats) -> tuple[str, str]:
    if not row.votes:
        return "-", "-"
    return (
        f"{row.helpful} ({_percent(row.helpful_rate)})",
        f"{row.wrong} ({_percent(row.wrong_rate)})",
    )


def render_stats_text(stats: Stats) -> str:
    """The statistics as a terminal report."""
    parts = [f"syncdoc usage statistics, {when(stats.generated_at)}"]
    rows = [("Entry", "24h", "7d", "30d", "Helpful", "Wrong")]
    for row in stats.entries:
        rows.append((row.entry_id, str(row.day), str(row.week), str(row.month), *_votes(row)))
    if stats.unknown_answers:
        rows.append(("(not recognised)", "", "", "", *_votes(stats.unknown_answers)))
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = [
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
            for row in rows
        ]
        parts.append("Answers per entry, and how people voted on them:\n" + "\n".join(table))
    else:
        parts.append("No answers recorded yet.")

    if stats.pastes:
        parts.append(
            f"Pastes nobody recognised (last 30 days): {stats.unrecognised} of {stats.pastes} "
            f"({_percent(stats.unrecognised_share)}). `syncdoc gaps` lists them with drafts."
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


def stats_to_dict(stats: Stats) -> dict[str, Any]:
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


# --- "Several people are seeing this" ------------------------------------------------------------
def burst_note(burst: Burst, minutes: int) -> str:
    """Added to the answer while a burst is going on."""
    return (
        f":rotating_light: {burst.people} different people have pasted this in the last "
        f"{minutes} minutes: it is happening to several people right now, so it is likely on the "
        "channel's or Linnworks' side rather than in your account."
    )


def burst_notice(burst: Burst, subject: str, minutes: int, channels: Sequence[str] = ()) -> str:
    """Posted once per burst in the maintainers' channel."""
    where = f" (latest in {', '.join(f'<#{c}>' for c in channels)})" if channels else ""
    quoted = cut(escape(" ".join(subject.split())), MAX_NOTICE_LINE_CHARS)
    return (
        f":rotating_light: Several people are seeing the same error right now: {burst.people} "
        f"different people in the last {minutes} minutes{where}.\n> {quoted}"
    )


# --- Slack: feedback buttons, "was it one of these?", App Home statistics ------------------------
VOTE_HELPFUL_ACTION = "syncdoc_vote_helpful"
VOTE_WRONG_ACTION = "syncdoc_vote_wrong"
REPORT_ACTION = "syncdoc_report_unknown"
CHOOSE_ACTION = "syncdoc_choose"
"""Prefix of the "Was it one of these?" buttons' action ids (each button needs its own)."""
FEEDBACK_BLOCK_ID = "feedback"
MAX_HOME_ENTRIES = 10


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def feedback_block(answer_id: str, *, report_button: bool = False) -> Block:
    """👍 / 👎 on an answer, and "Tell the maintainers" on an answer that knew nothing."""
    elements = [
        _button("👍 Helpful", VOTE_HELPFUL_ACTION, answer_id),
        _button("👎 Wrong answer", VOTE_WRONG_ACTION, answer_id),
    ]
    if report_button:
        elements.append(_button("Tell the maintainers", REPORT_ACTION, answer_id, "primary"))
    return {"type": "actions", "block_id": FEEDBACK_BLOCK_ID, "elements": elements}


def choice_value(answer_id: str, entry_id: str | None) -> str:
    return f"{answer_id} {entry_id or ''}".strip()


def parse_choice(value: str) -> tuple[str, str | None]:
    answer_id, _, entry_id = value.partition(" ")
    return answer_id, entry_id or None


def alternatives_message(answer_id: str, entries: Sequence[Entry]) -> SlackMessage:
    """Offered after a 👎: the other entries it might have been, and "none of these"."""
    if not entries:
        return render_note(
            "Thanks, noted as a wrong answer. The maintainers see it in `syncdoc stats`."
        )
    buttons = [
        _button(cut(entry.title, 75), f"{CHOOSE_ACTION}_{n}", choice_value(answer_id, entry.id))
        for n, entry in enumerate(entries)
    ]
    buttons.append(_button("None of these", f"{CHOOSE_ACTION}_none", choice_value(answer_id, None)))
    text = "Sorry that was wrong. Was it one of these?"
    return SlackMessage(
        text,
        (
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
            {"type": "actions", "block_id": "alternatives", "elements": buttons},
        ),
    )


def _mrkdwn_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, 3000)}}


def stats_blocks(stats: Stats) -> list[Block]:
    """The statistics for the App Home tab, in a few sections."""
    blocks: list[Block] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "How syncdoc is doing"}},
    ]
    rows = []
    for row in stats.entries[:MAX_HOME_ENTRIES]:
        votes = (
            f" · 👍 {row.helpful} · 👎 {row.wrong} ({_percent(row.helpful_rate)} helpful)"
            if row.votes
            else ""
        )
        rows.append(
            f"• {escape(row.title)} `{row.entry_id}`: {row.day} / {row.week} / {row.month}{votes}"
        )
    if rows:
        blocks.append(
            _mrkdwn_section("*Answers per error (24 h / 7 d / 30 d):*\n" + "\n".join(rows))
        )
    else:
        blocks.append(_mrkdwn_section("No answers recorded yet."))
    if stats.pastes:
        blocks.append(
            _mrkdwn_section(
                f"*Pastes nobody recognised (30 days):* {stats.unrecognised} of {stats.pastes} "
                f"({_percent(stats.unrecognised_share)}). `syncdoc gaps` lists them with drafts."
            )
        )
    unused = stats.never_matched
    if unused:
        listed = ", ".join(f"`{i}`" for i in unused[:MAX_LISTED_UNUSED])
        more = f" and {len(unused) - MAX_LISTED_UNUSED} more" if len(unused) > 40 else ""
        blocks.append(
            _mrkdwn_section(
                f"*Never matched in 90 days ({len(unused)} of {stats.kb_size}):* {listed}{more}"
            )
        )
    if stats.confused:
        lines = [
            f"• `{pair.answered or 'not recognised'}` answered, people said `{pair.chosen}` "
            f"({pair.count}×)"
            for pair in stats.confused
        ]
        blocks.append(_mrkdwn_section("*Most often confused:*\n" + "\n".join(lines)))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Vote 👍 / 👎 on any answer to improve these. "
                    "Maintainers: `syncdoc stats` and `syncdoc gaps` show the details.",
                }
            ],
        }
    )
    return blocks


def report_notice(items: Sequence[InboxItem], user: str) -> str:
    """Posted in the maintainers' channel when someone presses "Tell the maintainers": as many of
    the unknown errors as fit in one Slack section, then how many more `syncdoc gaps` lists."""
    several = len(items) > 1
    head = f"<@{user}> pasted {'errors' if several else 'an error'} syncdoc does not know:"
    tail = f"`syncdoc gaps` has a draft entry for {'each' if several else 'it'}."
    entries = []
    for item in items:
        people = f"{item.people} {'person' if item.people == 1 else 'people'}"
        example = cut(escape(" ".join(item.example.split())), MAX_NOTICE_LINE_CHARS)
        entries.append(
            f"> {example}\nSeen {item.count} time{'s' if item.count != 1 else ''} by {people}."
        )
    more = "…and {} more: run `syncdoc gaps`"
    budget = MAX_SECTION_CHARS - len(head) - len(tail) - len(more.format(len(items))) - 3
    kept, left_out = fit_lines(entries, budget)
    return "\n".join([head, *kept, *([more.format(left_out)] if left_out else []), tail])
