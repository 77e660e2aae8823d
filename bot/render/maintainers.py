"""Slack messages for the maintainers' loop: feedback buttons on answers, "Was it one of these?"
after a 👎, statistics for the App Home tab, and notices in the maintainers' channel (bursts,
reported unknown errors, invalid knowledge base edits).

The same statistics for the terminal and as JSON are in bot.render.text and bot.render.json; the
buttons' action ids and values in bot.render.feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.render import MAX_LISTED_UNUSED, lint_command, percent
from bot.render.blocks import (
    DIVIDER,
    MAX_BUTTON_TEXT_CHARS,
    MAX_SECTION_CHARS,
    Block,
    SlackMessage,
    button,
    context_block,
    cut,
    escape,
    fit_lines,
    header,
    section,
)
from bot.render.feedback import (
    ALTERNATIVES_BLOCK_ID,
    CHOOSE_ACTION,
    FEEDBACK_BLOCK_ID,
    REPORT_ACTION,
    VOTE_HELPFUL_ACTION,
    VOTE_WRONG_ACTION,
    choice_value,
)
from bot.render.slack import render_note

if TYPE_CHECKING:
    from bot.knowledge import Entry, KnowledgeBase
    from bot.stats import Stats
    from bot.store import Burst, InboxItem

MAX_NOTICE_LINE_CHARS = 300
"""A line quoted in a maintainers' notice (a pasted error, a problem in the knowledge base) is cut
here, so several fit in one message."""
MAX_HOME_ENTRIES = 10


# --- On answers: feedback buttons, "was it one of these?", "several people are seeing this" ------
def feedback_block(answer_id: str, *, report_button: bool = False) -> Block:
    """👍 / 👎 on an answer, and "Tell the maintainers" on an answer that knew nothing."""
    elements = [
        button("👍 Helpful", VOTE_HELPFUL_ACTION, answer_id),
        button("👎 Wrong answer", VOTE_WRONG_ACTION, answer_id),
    ]
    if report_button:
        elements.append(button("Tell the maintainers", REPORT_ACTION, answer_id, "primary"))
    return {"type": "actions", "block_id": FEEDBACK_BLOCK_ID, "elements": elements}


def alternatives_message(answer_id: str, entries: Sequence[Entry]) -> SlackMessage:
    """Offered after a 👎: the other entries it might have been, and "none of these"."""
    if not entries:
        return render_note(
            "Thanks, noted as a wrong answer. The maintainers see it in `syncdoc stats`."
        )
    buttons = [
        button(
            cut(entry.title, MAX_BUTTON_TEXT_CHARS),
            f"{CHOOSE_ACTION}_{n}",
            choice_value(answer_id, entry.id),
        )
        for n, entry in enumerate(entries)
    ]
    buttons.append(button("None of these", f"{CHOOSE_ACTION}_none", choice_value(answer_id, None)))
    text = "Sorry that was wrong. Was it one of these?"
    return SlackMessage(
        text,
        (
            section(f"*{text}*"),
            {"type": "actions", "block_id": ALTERNATIVES_BLOCK_ID, "elements": buttons},
        ),
    )


def burst_note(burst: Burst, minutes: int) -> str:
    """Added to the answer while a burst is going on."""
    return (
        f":rotating_light: {burst.people} different people have pasted this in the last "
        f"{minutes} minutes: it is happening to several people right now, so it is likely on the "
        "channel's or Linnworks' side rather than in your account."
    )


# --- The App Home tab ----------------------------------------------------------------------------
def stats_blocks(stats: Stats) -> list[Block]:
    """The statistics for the App Home tab, in a few sections (within Slack's limits once the
    home view is fitted: see `bot.render.blocks.fit`)."""
    blocks: list[Block] = [DIVIDER, header("How syncdoc is doing")]
    rows = []
    for row in stats.entries[:MAX_HOME_ENTRIES]:
        votes = (
            f" · 👍 {row.helpful} · 👎 {row.wrong} ({percent(row.helpful_rate)} helpful)"
            if row.votes
            else ""
        )
        rows.append(
            f"• {escape(row.title)} `{row.entry_id}`: {row.day} / {row.week} / {row.month}{votes}"
        )
    if rows:
        blocks.append(section("*Answers per error (24 h / 7 d / 30 d):*\n" + "\n".join(rows)))
    else:
        blocks.append(section("No answers recorded yet."))
    if stats.pastes:
        blocks.append(
            section(
                f"*Pastes nobody recognised (30 days):* {stats.unrecognised} of {stats.pastes} "
                f"({percent(stats.unrecognised_share)}). `syncdoc gaps` lists them with drafts."
            )
        )
    unused = stats.never_matched
    if unused:
        listed = ", ".join(f"`{i}`" for i in unused[:MAX_LISTED_UNUSED])
        more = (
            f" and {len(unused) - MAX_LISTED_UNUSED} more"
            if len(unused) > MAX_LISTED_UNUSED
            else ""
        )
        blocks.append(
            section(
                f"*Never matched in 90 days ({len(unused)} of {stats.kb_size}):* {listed}{more}"
            )
        )
    if stats.confused:
        lines = [
            f"• `{pair.answered or 'not recognised'}` answered, people said `{pair.chosen}` "
            f"({pair.count}×)"
            for pair in stats.confused
        ]
        blocks.append(section("*Most often confused:*\n" + "\n".join(lines)))
    blocks.append(
        context_block(
            "Vote 👍 / 👎 on any answer to improve these. "
            "Maintainers: `syncdoc stats` and `syncdoc gaps` show the details."
        )
    )
    return blocks


# --- Notices in the maintainers' channel ---------------------------------------------------------
def burst_notice(burst: Burst, subject: str, minutes: int, channels: Sequence[str] = ()) -> str:
    """Posted once per burst in the maintainers' channel."""
    where = f" (latest in {', '.join(f'<#{c}>' for c in channels)})" if channels else ""
    quoted = cut(escape(" ".join(subject.split())), MAX_NOTICE_LINE_CHARS)
    return (
        f":rotating_light: Several people are seeing the same error right now: {burst.people} "
        f"different people in the last {minutes} minutes{where}.\n> {quoted}"
    )


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


def problems_message(path: Path | str, problems: Sequence[object], serving: int) -> str:
    """The notice for an invalid edit of the knowledge base (Slack mrkdwn, readable as plain
    text): as many problems as fit in one Slack section, then how many more `syncdoc lint` shows."""
    head = (
        f":warning: The knowledge base at `{escape(str(path))}` has an invalid edit, so the bot "
        f"keeps serving the last good version ({serving} entries).\n```\n"
    )
    command = escape(lint_command(path))
    tail = (
        f"\n```\nFix the lines above (`{command}` shows the same); "
        "the bot picks up the fix by itself."
    )

    def more(count: int) -> str:
        return f"\n…and {count} more: run `{command}`"

    lines = [cut(str(p), MAX_NOTICE_LINE_CHARS) for p in problems]
    budget = MAX_SECTION_CHARS - len(head) - len(tail) - len(more(len(problems)))
    kept, left_out = fit_lines(lines, budget)
    return head + "\n".join(kept) + (more(left_out) if left_out else "") + tail


def recovered_message(kb: KnowledgeBase) -> str:
    """The notice that the knowledge base is valid again after an invalid edit."""
    return f":white_check_mark: The knowledge base is valid again: serving {len(kb)} entries."
