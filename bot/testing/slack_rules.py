"""Slack's published rules for what it accepts in a message, a response_url body and a view,
checked the way Slack checks them, so the fake Slack (bot/testing/fake_slack/) refuses what
real Slack refuses.

Two layers: slack-sdk's own Block Kit models (`Block.parse(b).validate_json()` for each block and
each element in it, `View(**v).validate_json()`), and the published limits those models do not
check (https://docs.slack.dev/reference/block-kit): empty texts, field and context lengths, `emoji`
only on plain_text and `verbatim` only on mrkdwn, empty actions and contexts, repeated block_id or
action_id, header and button labels in plain_text, view types, and in mrkdwn `<`, `>` and `&`
escaped outside Slack's own `<…>` sequences (a `>` may open a quote at a line's start; see
https://docs.slack.dev/messaging/formatting-message-text). One more rule is ours: no live
`<!channel>`, `<!here>`, `<!everyone>` or `<!subteam^…>` anywhere in mrkdwn: the bot never means
to ping a whole channel or group, so one there is pasted text that escaped escaping.

Each function returns one message per problem, in Slack's style (`... [json-pointer:/blocks/0]`);
an empty list means Slack would accept it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.models.blocks import Block, BlockElement, TextObject
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_ID_CHARS = 255
MAX_FIELDS = 10
MAX_FIELD_CHARS = 2000
MAX_CONTEXT_TEXT_CHARS = 3000
_TEXT_LIMITS = {"section": 3000, "header": 150}
_MAX_CONTEXT_ELEMENTS = 10
_MAX_ACTIONS_ELEMENTS = 25
_MAX_BUTTON_TEXT = 75
_MAX_BUTTON_VALUE = 2000
_MAX_URL = 3000
VIEW_TYPES = ("home", "modal")
_TEXT_TYPES = ("plain_text", "mrkdwn")
# Slack's control sequences: mentions, channels, special commands, links. Outside them, `<` and
# `&` must be written `&lt;` and `&amp;`, and `>` `&gt;` except as a quote at a line's start.
_CONTROL = re.compile(r"<(?:[@#!][^<>\s]*|(?:https?|mailto):[^<>\s]+)(?:\|[^<>]*)?>")
_BARE_MARKUP = re.compile(r"<|(?<!^)(?<!\n)>|&(?!amp;|lt;|gt;)")
_MASS_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^)")


def message_problems(params: Mapping[str, Any], *, text_required: bool) -> tuple[str, list[str]]:
    """(Slack's error code, problems) for a chat.postMessage / postEphemeral / response_url body;
    ("", []) when Slack would accept it."""
    text, blocks = params.get("text"), params.get("blocks")
    if text_required and not text and not blocks:
        return "no_text", ["text or blocks must be given"]
    if text and len(str(text)) > MAX_MESSAGE_TEXT:
        return "msg_too_long", [f"text is more than {MAX_MESSAGE_TEXT} characters"]
    if blocks is not None and not isinstance(blocks, list):
        return "invalid_blocks_format", ["blocks must be a list"]
    problems = block_problems(blocks or [])
    if text:
        problems.extend(f"{p} in text" for p in _mrkdwn_problems(str(text)))
    return ("invalid_blocks", problems) if problems else ("", [])


def view_problems(view: Any, *, types: tuple[str, ...] = VIEW_TYPES) -> list[str]:
    """What Slack would refuse in a view (`types`: the view types the method takes)."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    problems = []
    if view.get("type") not in types:
        problems.append(f"view type must be one of {', '.join(types)} [json-pointer:/view/type]")
    try:
        View(**view).validate_json()
    except (
        Exception
    ) as exc:  # slack-sdk raises SlackObjectFormationError, or TypeError on a bad key
        problems.append(f"{exc} [json-pointer:/view]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*problems, "view blocks must be a list [json-pointer:/view/blocks]"]
    return problems + block_problems(blocks, max_blocks=MAX_VIEW_BLOCKS)


def block_problems(blocks: list[Any], *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """What real Slack would refuse in `blocks`, one message per problem (empty: acceptable)."""
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{n}]"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(f"missing type {where}")
            continue
        problems.extend(f"{p} {where}" for p in _sdk_problems(block))
        problems.extend(f"{p} {where}" for p in _limit_problems(block))
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"block_id {block_id!r} is repeated {where}/block_id")
            block_ids.add(block_id)
    return problems


def _sdk_problems(block: dict[str, Any]) -> Iterator[str]:
    """slack-sdk's models on the block and on each element and text object in it."""
    try:
        parsed = Block.parse(block)
        if parsed is None:
            yield f"unknown block type {block['type']!r}"
            return
        parsed.validate_json()
    except Exception as exc:  # SlackObjectFormationError, or TypeError on an unknown key
        yield str(exc)
        return
    for element in [*(block.get("elements") or []), block.get("accessory")]:
        if not isinstance(element, dict):
            continue
        parse = TextObject.parse if element.get("type") in _TEXT_TYPES else BlockElement.parse
        try:
            parsed_element = parse(element)  # type: ignore[operator]
            if parsed_element is None:
                yield f"unknown element type {element.get('type')!r}"
                continue
            parsed_element.validate_json()
        except Exception as exc:
            yield str(exc)


def _limit_problems(block: dict[str, Any]) -> Iterator[str]:
    """The published limits slack-sdk's models leave unchecked."""
    kind = block["type"]
    text = block.get("text")
    limit = _TEXT_LIMITS.get(kind)
    if limit and isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
        yield f"must be less than {limit + 1} characters /text"
    if kind == "header" and isinstance(text, dict) and text.get("type") != "plain_text":
        yield "header text must be plain_text /text"
    fields = block.get("fields") or []
    if len(fields) > MAX_FIELDS:
        yield f"no more than {MAX_FIELDS} items allowed /fields"
    for field in fields:
        if len(str(field.get("text", ""))) > MAX_FIELD_CHARS:
            yield f"must be less than {MAX_FIELD_CHARS + 1} characters /fields"
    elements = block.get("elements")
    if kind in ("actions", "context") and not elements:
        yield "must have at least 1 element /elements"
    elements = elements or []
    if kind == "context":
        if len(elements) > _MAX_CONTEXT_ELEMENTS:
            yield f"no more than {_MAX_CONTEXT_ELEMENTS} items allowed /elements"
        for element in elements:
            if len(str(element.get("text", ""))) > MAX_CONTEXT_TEXT_CHARS:
                yield f"must be less than {MAX_CONTEXT_TEXT_CHARS + 1} characters /elements"
    if kind == "actions" and len(elements) > _MAX_ACTIONS_ELEMENTS:
        yield f"no more than {_MAX_ACTIONS_ELEMENTS} items allowed /elements"
    action_ids: set[str] = set()
    for element in [*elements, block.get("accessory") or {}]:
        action_id = element.get("action_id")
        if action_id is not None:
            if len(action_id) > MAX_ID_CHARS:
                yield f"action_id must be less than {MAX_ID_CHARS + 1} characters"
            if action_id in action_ids:
                yield f"action_id {action_id!r} is repeated in the block"
            action_ids.add(action_id)
        if element.get("type") == "button":
            yield from _button_problems(element)
    yield from _text_object_problems(block)


def _button_problems(button: dict[str, Any]) -> Iterator[str]:
    label = button.get("text") or {}
    if label.get("type") != "plain_text":
        yield "button text must be plain_text"
    if len(str(label.get("text", ""))) > _MAX_BUTTON_TEXT:
        yield "button text too long"
    if len(button.get("value", "")) > _MAX_BUTTON_VALUE:
        yield "button value too long"
    if len(button.get("url", "")) > _MAX_URL:
        yield "button url too long"
    if "style" in button and button["style"] not in ("primary", "danger"):
        yield f"button style must be primary or danger, not {button['style']!r}"


def _text_object_problems(value: Any) -> Iterator[str]:
    """Every text object anywhere in the block: not empty, `emoji` and `verbatim` where they
    belong, and in mrkdwn no live mass mention and no bare `<`, `>` or `&`."""
    if isinstance(value, dict):
        if value.get("type") in _TEXT_TYPES and "text" in value:
            kind, text = value["type"], value["text"]
            if not isinstance(text, str) or not text:
                yield f"{kind} text must be more than 0 characters"
            if "emoji" in value and kind != "plain_text":
                yield "emoji is only allowed on plain_text"
            if "verbatim" in value and kind != "mrkdwn":
                yield "verbatim is only allowed on mrkdwn"
            if kind == "mrkdwn" and isinstance(text, str):
                yield from _mrkdwn_problems(text)
            return
        for inner in value.values():
            yield from _text_object_problems(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _text_object_problems(inner)


def _mrkdwn_problems(text: str) -> Iterator[str]:
    if _MASS_MENTION.search(text):
        yield "live mass mention (<!channel>, <!here>, <!everyone>, <!subteam^…>) in mrkdwn"
    bare = _BARE_MARKUP.search(_CONTROL.sub("", text))
    if bare:
        yield f"unescaped {bare.group()!r} in mrkdwn (write &lt; &gt; &amp;)"
