"""Carrying a paste inside a "Share in channel" button, so sharing needs no server-side memory.

Slack does not send an ephemeral message back with a click on it, and a button value holds at most
2,000 characters. Short pastes travel as they are; longer ones compressed; a paste that does not
fit even then gets no Share button (the caller says so).
"""

from __future__ import annotations

import base64
import binascii
import zlib

from bot.render.blocks import MAX_BUTTON_VALUE_CHARS

_COMPRESSED = "z:"
_PLAIN = "t:"


def pack(text: str) -> str | None:
    """A button value that `unpack` turns back into `text`, or None when it cannot fit."""
    plain = _PLAIN + text
    if len(plain) <= MAX_BUTTON_VALUE_CHARS:
        return plain
    squeezed = zlib.compress(text.encode("utf-8"), 9)
    packed = _COMPRESSED + base64.urlsafe_b64encode(squeezed).decode("ascii")
    return packed if len(packed) <= MAX_BUTTON_VALUE_CHARS else None


def unpack(value: str) -> str | None:
    """The paste a button carried, or None when the value is not one of ours."""
    if value.startswith(_PLAIN):
        return value[len(_PLAIN) :]
    if value.startswith(_COMPRESSED):
        try:
            raw = base64.urlsafe_b64decode(value[len(_COMPRESSED) :].encode("ascii"))
            # A value is at most 2,000 characters; refuse to inflate it into anything huge.
            inflater = zlib.decompressobj()
            data = inflater.decompress(raw, 1_000_000)
            if inflater.unconsumed_tail:
                return None
            return data.decode("utf-8")
        except (ValueError, binascii.Error, zlib.error, UnicodeDecodeError):
            return None
    return None
