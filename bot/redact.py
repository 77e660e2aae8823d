"""Removing customer data from error text before syncdoc stores it.

The inbox of unknown errors keeps one example per error for the maintainers. Pastes carry buyers'
e-mail addresses, order numbers and names (accounts in brackets, products and people in quotes);
none of that is needed to write a knowledge base entry, so it is replaced by a placeholder. Each
placeholder is one that `bot.normalise.canonical` masks the same way as the value it replaces, so
pastes that differ only in customer data redact to the same text and the same template.
"""

from __future__ import annotations

import re

from bot.normalise import BRACKETED, EMAIL_ADDRESS, JSON_MESSAGE_KEYS, QUOTED_VALUE, is_short_value

EMAIL = "someone@example.com"
ORDER = "<order number>"
NUMBER = "<number>"
NAME = "<name>"
ACCOUNT = "[account]"

# Amazon (123-1234567-1234567), eBay (12-12345-12345) and the like: digit groups joined by dashes.
_DASHED_ORDER = re.compile(r"(?<![\w-])\d{2,4}(?:-\d{4,8}){1,3}(?![\w-])")
# "Order 1234", "order #AB-1234", "OrderId: 5512", "order number 99": the word says what it is.
_NAMED_ORDER = re.compile(
    r"\b(order(?:\s*(?:id|no\.?|number|ref(?:erence)?))?\s*[:=]?\s*)"
    r"#?(?=[\w-]*\d)[A-Za-z0-9][\w-]{2,40}",
    re.IGNORECASE,
)
_HASH_NUMBER = re.compile(r"(?<![\w&])#\d{3,}\b")
# Five or more digits in a row are an id of something (order, listing, phone), never wording.
_LONG_NUMBER = re.compile(r"(?<![\w.])\d{5,}(?![\w.])")
# A short quoted value (bot.normalise's rule: at most three words) is a name, SKU or title; a
# longer quoted phrase is a message and stays. A quoted word followed by a colon is a JSON key and
# stays too, and so does the value of a JSON message field, however short: it is the error itself.
_QUOTED = re.compile(QUOTED_VALUE.pattern + r"(?!\s*:)")
_MESSAGE_KEY = re.compile(rf"(?:{JSON_MESSAGE_KEYS})['\"]?\s*:\s*$", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with e-mails, order numbers, long numbers and bracketed or quoted names replaced."""
    text = EMAIL_ADDRESS.sub(EMAIL, text)
    text = _DASHED_ORDER.sub(ORDER, text)
    text = _NAMED_ORDER.sub(lambda m: m.group(1) + ORDER, text)
    text = _HASH_NUMBER.sub(ORDER, text)
    text = _LONG_NUMBER.sub(NUMBER, text)
    text = BRACKETED.sub(_redact_bracket, text)
    return _QUOTED.sub(_redact_quoted, text)


def _redact_bracket(match: re.Match[str]) -> str:
    # Already-redacted placeholders stay as they are, so redacting twice changes nothing.
    return match.group(0) if match.group(0) == ACCOUNT else ACCOUNT


def _redact_quoted(match: re.Match[str]) -> str:
    quote, inner = match.group(1), match.group(2)
    before = match.string[max(0, match.start() - 40) : match.start()]
    if not is_short_value(inner) or inner.startswith("<") or _MESSAGE_KEY.search(before):
        return match.group(0)
    return f"{quote}{NAME}{quote}"
