"""Block Kit answers for Slack, each with a plain-text fallback, within Slack's published limits.

Everything a person pasted is escaped before it is echoed back, so a pasted `<!channel>` or
`<@U123>` is shown as text and never pings anyone. Renderers return plain data (`SlackMessage`);
sending it is the transport's job. Callers may append their own blocks (`extra_blocks`), which is
where buttons such as "Share in channel" go; they are always kept when an answer is cut to fit.

Why this module is long: it holds every answer Slack shows (to a paste, a lookup, an entry,
help, the App Home tab), in that order, so one reader can compare them and keep them alike. The
Block Kit builders and Slack's limits they share are in bot.render.blocks; the maintainers' loop
has its own module (bot.render.maintainers), built from the same builders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.knowledge import Entry, KnowledgeBase, Severity
from bot.match import CONFIDENT, shown_score
from bot.render import (
    NO_ARTICLE,
    NO_ARTICLE_SHORT,
    SEVERITY_WORDS,
    first_sentence,
    is_log_excerpt,
)
from bot.render.blocks import (
    DIVIDER,
    MAX_FALLBACK_CHARS,
    MAX_SECTION_CHARS,
    Block,
    SlackMessage,
    context,
    cut,
    escape,
    fit,
    header,
    link,
    mrkdwn,
    section,
)
from bot.triage import Finding, Report, failure_ratio

if TYPE_CHECKING:  # bot.search imports numpy, which an answer to a paste need not load.
    from bot.search import Hit

# Our own bounds: an answer stays readable on a phone, whatever was pasted (and see blocks.py).
MAX_DETAILED = 3
MAX_UNMATCHED_SHOWN = 5
MAX_ECHO_CHARS = 200

MARKERS: dict[str, str] = {"transient": "🟢", "action_required": "🔴", "info": "ℹ️"}
SHARE_ACTION_ID = "share_answer"
SHARE_ENTRY_ACTION_ID = "share_entry"
SHOW_ACTION_ID = "show_entry"
ARTICLE_ACTION_ID = "open_article"
NOTHING_FITS = "*I don't recognise a Linnworks error in this, and no known error fits these words.*"
DEFAULT_UNKNOWN_HINT = (
    "Ask the syncdoc maintainers to add it to the knowledge base: send them the full error text "
    "and where it appeared (channel, sync step, time)."
)


# --- Text helpers ---------------------------------------------------------------------------------


def echo(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """User text as one line of inline code: capped, escaped, backticks neutralised."""
    line = " ".join(text.split()).replace("`", "'")
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return f"`{escape(line)}`"


def severity_label(severity: Severity) -> str:
    return f"{MARKERS[severity]} {SEVERITY_WORDS[severity]}"


def _article(entry: Entry) -> Block:
    article = entry.article
    if article is None:
        return section(f"📖 {NO_ARTICLE}")
    return {
        "type": "section",
        "text": mrkdwn(f"📖 {link(article.url, article.title)}"),
        "accessory": {
            "type": "button",
            "action_id": ARTICLE_ACTION_ID,
            "text": {"type": "plain_text", "text": "Open article"},
            "url": article.url,
        },
    }


def _article_link(entry: Entry) -> str:
    """The article as an inline mrkdwn link, or words saying there is none."""
    if entry.article is None:
        return NO_ARTICLE_SHORT
    return link(entry.article.url, entry.article.title)


def _article_ref(entry: Entry) -> str:
    """The article for plain-text fallbacks: its URL, or words saying there is none."""
    return escape(entry.article.url) if entry.article else NO_ARTICLE_SHORT


def share_block(value: str) -> Block:
    """The "Share in channel" button; `value` comes back to us when it is clicked."""
    return {
        "type": "actions",
        "block_id": "share",
        "elements": [
            {
                "type": "button",
                "action_id": SHARE_ACTION_ID,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "style": "primary",
                "value": value,
            }
        ],
    }


def share_entry_block(entry_id: str) -> Block:
    """The "Share in channel" button under one entry shown from a lookup (its value: the id)."""
    block = share_block(entry_id)
    block["elements"][0]["action_id"] = SHARE_ENTRY_ACTION_ID
    return block


# --- Answers to a paste ---------------------------------------------------------------------------


def render_report(
    report: Report,
    *,
    unknown_hint: str | None = None,
    extra_blocks: Sequence[Block] = (),
) -> SlackMessage:
    """The answer to a paste: each recognised error explained, or "not recognised" with the best
    candidates and how to get the error added (`unknown_hint`, our own mrkdwn)."""
    matches = report.matches
    if matches:
        blocks = _recognised(report)
        text = _recognised_text(report)
    else:
        blocks = _not_recognised(report, unknown_hint or DEFAULT_UNKNOWN_HINT)
        text = _not_recognised_text(report)
    if report.truncated:
        blocks.append(context("Only the first part of this very long paste was read."))
    return SlackMessage(cut(text, MAX_FALLBACK_CHARS), fit(blocks, extra_blocks))


def _recognised(report: Report) -> list[Block]:
    matches = report.matches
    blocks: list[Block] = []
    if is_log_excerpt(report):
        known = f"{len(matches)} known error{'s' if len(matches) != 1 else ''}"
        lines = f"{report.records} line{'s' if report.records != 1 else ''}"
        blocks.append(header(f"Log excerpt: {known} in {lines}"))
        summary = [_summary_line(f) for f in matches]
        ratio = failure_ratio(report.failures, report.successes)
        if ratio:
            summary.append(f"Syncs in this log: {ratio}; the others succeeded.")
        blocks.append(section("\n".join(summary)))
        blocks.append(section(f"*Verdict:* {escape(report.verdict)}"))
    for finding in matches[:MAX_DETAILED]:
        if blocks:
            blocks.append(DIVIDER)
        blocks.extend(_finding_blocks(finding))
    hidden = matches[MAX_DETAILED:]
    if hidden:
        titles = ", ".join(escape(f.entry.title) for f in hidden)
        blocks.append(context(f"Also found, listed in the summary above: {titles}."))
    if report.unmatched:
        blocks.append(_unmatched(report.unmatched))
    if not is_log_excerpt(report):
        blocks.append(section(f"*Verdict:* {escape(report.verdict)}"))
    return blocks


def _summary_line(finding: Finding) -> str:
    times = "once" if finding.count == 1 else f"{finding.count} times"
    run = f", {finding.longest_run} in a row" if finding.longest_run > 1 else ""
    label = severity_label(finding.effective_severity)
    return f"• *{escape(finding.entry.title)}*: {times}{run} · {label}"


def _severity_line(finding: Finding) -> str:
    line = f"*{severity_label(finding.effective_severity)}*"
    if finding.escalation:
        usual = SEVERITY_WORDS[finding.entry.severity].lower()
        line += f"\nUsually {usual}; {escape(finding.escalation)}."
    return line


def _finding_blocks(finding: Finding) -> list[Block]:
    entry = finding.entry
    seen = f" · seen {finding.count} times" if finding.count > 1 else ""
    evidence = (
        f"Confidence {shown_score(finding.score)}/100{seen} · `{entry.id}` · matched "
        f"{echo(finding.matched_text)}"
    )
    return [*_entry_blocks(entry, _severity_line(finding)), context(evidence)]


def _entry_blocks(entry: Entry, severity_line: str) -> list[Block]:
    steps = "\n".join(f"{n}. {escape(step)}" for n, step in enumerate(entry.fix, 1))
    return [
        header(entry.title),
        section(severity_line),
        section(escape(entry.meaning)),
        section(f"*What to do*\n{steps}"),
        _article(entry),
    ]


def _unmatched(lines: Sequence[str]) -> Block:
    shown = [f"• {echo(line)}" for line in lines[:MAX_UNMATCHED_SHOWN]]
    more = len(lines) - len(shown)
    if more:
        shown.append(f"…and {more} more.")
    return section("*Error lines not in the knowledge base yet:*\n" + "\n".join(shown))


def _not_recognised(report: Report, hint: str) -> list[Block]:
    if report.unmatched:
        opening = "*I don't recognise this error.* It is not in the knowledge base yet."
    else:
        opening = "*I don't recognise a Linnworks error in this text.*"
    blocks = [section(opening)]
    if report.candidates:
        lines = [_candidate_line(c) for c in report.candidates]
        blocks.append(section("*Did you mean…*\n" + "\n".join(lines)))
    if report.unmatched:
        blocks.append(_unmatched(report.unmatched))
    blocks.append(section(f"*How to get it added:* {hint}"))
    return blocks


def _candidate_line(candidate: Finding) -> str:
    entry = candidate.entry
    if candidate.looked_up:
        fit = f"fits your words {candidate.score:.0f}/100"
    else:
        why = f"; {escape(candidate.held_back)}" if candidate.held_back else ""
        fit = f"match {shown_score(candidate.score)}/100, needs {CONFIDENT:.0f}{why}"
    return (
        f"• *{escape(entry.title)}* (`{entry.id}`, {severity_label(entry.severity)}, {fit}): "
        f"{_article_link(entry)}"
    )


def _recognised_text(report: Report) -> str:
    lines = [
        f"{severity_label(f.effective_severity)}: {escape(f.entry.title)} ({_article_ref(f.entry)})"
        for f in report.matches
    ]
    return "\n".join([*lines, escape(report.verdict)])


def _not_recognised_text(report: Report) -> str:
    text = "I don't recognise a known Linnworks error in this text."
    if report.candidates:
        text += " Did you mean: " + "; ".join(escape(c.entry.title) for c in report.candidates)
        text += "?"
    return text


# --- Lookups by words ----------------------------------------------------------------------------


def render_search_results(
    words: str,
    hits: Sequence[Hit],
    *,
    unknown_hint: str | None = None,
    extra_blocks: Sequence[Block] = (),
) -> SlackMessage:
    """The entries a lookup found, each with its severity marker, title, one line of meaning and
    a Show button; or that nothing fits and how to get an error added (`unknown_hint`)."""
    if not hits:
        hint = unknown_hint or DEFAULT_UNKNOWN_HINT
        nothing = [
            section(f"{NOTHING_FITS}\n{echo(words)}"),
            section(f"*How to get it added:* {hint}"),
        ]
        return SlackMessage(
            f"No known error fits {escape(cut(' '.join(words.split()), 200))}",
            fit(nothing, extra_blocks),
        )
    count = f"{len(hits)} known error{'s' if len(hits) != 1 else ''}"
    blocks: list[Block] = [section(f"*{count} fit* {echo(words)}:")]
    for hit in hits:
        entry = hit.entry
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    f"{MARKERS[entry.severity]} *{escape(entry.title)}*\n"
                    f"{escape(first_sentence(entry.meaning))}"
                ),
                "accessory": {
                    "type": "button",
                    "action_id": SHOW_ACTION_ID,
                    "text": {"type": "plain_text", "text": "Show"},
                    "value": entry.id,
                },
            }
        )
    blocks.append(context("🔴 action required · 🟢 transient · ℹ️ info · *Show* opens the answer"))
    text = "Known errors that fit: " + "; ".join(escape(h.entry.title) for h in hits)
    return SlackMessage(cut(text, MAX_FALLBACK_CHARS), fit(blocks, extra_blocks))


# --- Other answers -------------------------------------------------------------------------------


def render_entry(entry: Entry) -> SlackMessage:
    """One knowledge base entry, as `/syncerror <id>` shows it."""
    line = f"*{severity_label(entry.severity)}* · `{entry.id}` · {escape(entry.channel)}"
    blocks = [*_entry_blocks(entry, line), _sources(entry)]
    text = f"{severity_label(entry.severity)}: {escape(entry.title)} ({_article_ref(entry)})"
    return SlackMessage(text, fit(blocks))


def _sources(entry: Entry) -> Block:
    """Where the entry's wording was seen, one link per page named by its host, so a maintainer
    can tell a Linnworks text from a channel's."""
    if not entry.sources:
        return context("Where this wording was seen: not recorded.")
    links = ", ".join(link(url, _host(url)) for url in entry.sources)
    return context(f"Wording seen on: {links}")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def render_entry_list(entries: Iterable[Entry], *, channel: str | None = None) -> SlackMessage:
    """The known errors grouped by channel, each with its id for `/syncerror <id>`."""
    ordered = sorted(entries, key=lambda e: (e.channel, e.title.lower()))
    scope = f" for {escape(channel)}" if channel else ""
    blocks: list[Block] = [header(f"Known errors{scope}: {len(ordered)}")]
    for name, group in groupby(ordered, key=lambda e: e.channel):
        lines = [f"• {MARKERS[e.severity]} `{e.id}`: {escape(e.title)}" for e in group]
        blocks.extend(_sections_of(f"*{escape(name)}*", lines))
    blocks.append(context("🔴 action required · 🟢 transient · ℹ️ info"))
    return SlackMessage(f"Known errors{scope}: {len(ordered)}", fit(blocks))


def _sections_of(title: str, lines: Sequence[str]) -> list[Block]:
    """`lines` under `title`, split into as many sections as Slack's size limit needs."""
    sections: list[Block] = []
    current = title
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            sections.append(section(current))
            current = f"{title} (continued)"
        current += "\n" + line
    sections.append(section(current))
    return sections


def render_help(command: str) -> SlackMessage:
    """What each entry point does, for `/syncerror help` and an empty mention."""
    # Escaped as a whole: the placeholders' angle brackets and the menu path's ">" are Slack
    # markup unless written as entities.
    text = "\n".join(
        escape(line)
        for line in [
            "*syncdoc explains Linnworks sync errors.*",
            "• Paste an error in a channel I'm in: I answer in the thread when I know it.",
            "• Send me a direct message or @mention me: I always answer.",
            f"• `{command} <error text>`: the answer, only for you, with a Share button.",
            f"• `{command} <words>`: look an error up by what you remember, e.g. "
            f"`{command} feed rejected` or `{command} what does error 931 mean?`; "
            "*Show* opens one. Ask me the same in a DM.",
            f"• `{command} list [channel]`: the errors I know (e.g. `{command} list ebay`).",
            f"• `{command} <id>`: one entry, e.g. `{command} ebay-token-hard-expired`.",
            "• On any message: *More actions (⋯) > Explain this error*.",
        ]
    )
    return SlackMessage(f"How to use {command}", (section(text),))


def render_note(text: str) -> SlackMessage:
    """A one-line reply of our own mrkdwn (callers escape anything a person wrote), cut to
    Slack's limits should it ever be longer than a section holds."""
    return SlackMessage(cut(text, MAX_FALLBACK_CHARS), fit((section(text),)))


def render_home(
    kb: KnowledgeBase, command: str, extra_blocks: Sequence[Block] = ()
) -> dict[str, Any]:
    """The App Home tab: how to use syncdoc and what it knows, then `extra_blocks`."""
    channels = sorted({e.channel for e in kb})
    blocks = [
        header("syncdoc: Linnworks sync errors, explained"),
        *render_help(command).blocks,
        DIVIDER,
        section(
            f"I know *{len(kb)}* errors from {len(channels)} channels: "
            + ", ".join(escape(c) for c in channels)
            + f". `{command} list` shows them all."
        ),
    ]
    return {"type": "home", "blocks": list(fit(blocks, extra_blocks))}
