"""Block Kit's building blocks and Slack's published limits: sections, headers, context lines,
buttons, escaping and links in mrkdwn, and `fit`, which keeps a message within Slack's limits
(https://docs.slack.dev/reference/block-kit/blocks) and our own bound on its length. Every
renderer that speaks to Slack builds from these; what an answer says is bot/render/slack.py's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Block = dict[str, Any]

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT_CHARS = 75
MAX_BUTTON_VALUE_CHARS = 2000
MAX_URL_CHARS = 3000
# Our own bound: an answer stays readable on a phone, whatever was pasted.
MAX_TOTAL_CHARS = 12_000
MAX_FALLBACK_CHARS = 3000

CUT_NOTE = "The answer was cut short to fit in one Slack message."


@dataclass(frozen=True)
class SlackMessage:
    """What to post: `text` is the notification and fallback, `blocks` the message people see."""

    text: str
    blocks: tuple[Block, ...]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so text is shown and never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link. Slack reads `&` in the URL as markup too (`?a=1&b=2`), so it is escaped
    like the label; Slack unescapes both before it opens the page."""
    return f"<{escape(url)}|{escape(label)}>"


def fit_lines(lines: Sequence[str], budget: int) -> tuple[list[str], int]:
    """The first of `lines` that fit in `budget` characters once joined by newlines, and how many
    were left out: a list too long for one section is cut whole lines at a time, never mid-line."""
    kept: list[str] = []
    used = 0
    for line in lines:
        size = len(line) + (1 if kept else 0)
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return kept, len(lines) - len(kept)


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, never ending inside a `<link|label>` or an `&entity;`."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    opened = kept.rfind("<")
    if opened > kept.rfind(">"):
        kept = kept[:opened]
    amp = kept.rfind("&")
    if amp != -1 and ";" not in kept[amp:]:
        kept = kept[:amp]
    return kept.rstrip() + "…"


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn pasted words like @channel or #general into mentions.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    """A section of mrkdwn, shown as written (callers escape anything a person wrote)."""
    return {"type": "section", "text": mrkdwn(text)}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    """A button whose `value` comes back to us with `action_id` when it is clicked."""
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


DIVIDER: Block = {"type": "divider"}


def context_block(text: str) -> Block:
    """A small grey line of our own mrkdwn (callers escape anything a person wrote)."""
    return context(text)


# --- Staying within Slack's limits ----------------------------------------------------------------


def fit(blocks: Sequence[Block], extra_blocks: Sequence[Block] = ()) -> tuple[Block, ...]:
    """`blocks` then `extra_blocks`, every text within its limit, at most MAX_BLOCKS blocks and
    MAX_TOTAL_CHARS characters in all. Blocks are dropped from the end of `blocks` (never from
    `extra_blocks`) and a note says so."""
    body = [_clamp(b) for b in blocks]
    extras = [_clamp(b) for b in extra_blocks]
    note = context(CUT_NOTE)
    budget_blocks = MAX_BLOCKS - len(extras)
    budget_chars = MAX_TOTAL_CHARS - sum(_chars(b) for b in extras)
    if len(body) > budget_blocks or sum(_chars(b) for b in body) > budget_chars:
        budget_blocks -= 1
        budget_chars -= _chars(note)
        kept: list[Block] = []
        used = 0
        for block in body:
            size = _chars(block)
            if len(kept) == budget_blocks or used + size > budget_chars:
                break
            kept.append(block)
            used += size
        while kept and kept[-1]["type"] in ("divider", "header"):
            kept.pop()
        body = [*kept, note]
    return tuple(body + extras)


def _clamp(block: Block) -> Block:
    kind = block.get("type")
    block = dict(block)
    if kind == "header":
        block["text"] = {**block["text"], "text": cut(block["text"]["text"], MAX_HEADER_CHARS)}
    elif kind == "section":
        if "text" in block:
            block["text"] = {**block["text"], "text": cut(block["text"]["text"], MAX_SECTION_CHARS)}
        if "accessory" in block:
            block["accessory"] = _clamp_element(block["accessory"])
    elif kind == "context":
        elements = block["elements"][:MAX_CONTEXT_ELEMENTS]
        block["elements"] = [{**e, "text": cut(e["text"], MAX_SECTION_CHARS)} for e in elements]
    elif kind == "actions":
        block["elements"] = [_clamp_element(e) for e in block["elements"]]
    return block


def _clamp_element(element: Block) -> Block:
    element = dict(element)
    if element.get("type") == "button":
        label = element["text"]
        element["text"] = {**label, "text": cut(label["text"], MAX_BUTTON_TEXT_CHARS)}
        if "url" in element and len(element["url"]) > MAX_URL_CHARS:
            del element["url"]
    return element


def _chars(block: Block) -> int:
    kind = block.get("type")
    if kind in ("header", "section") and "text" in block:
        return len(block["text"]["text"])
    if kind == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return 0
