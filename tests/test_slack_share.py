"""Carrying a paste in a "Share in channel" button value (bot/slack/share.py)."""

from __future__ import annotations

import base64
import random
import string
import zlib

import pytest

from bot.render.blocks import MAX_BUTTON_VALUE_CHARS
from bot.slack.share import pack, unpack

LOG_LINE = (
    "2026-11-03 04:12:55 ERROR An existing connection was forcibly closed by the remote host\n"
)


@pytest.mark.parametrize(
    "text",
    ["Request is throttled", "ünïcödé ✓ &lt;!channel&gt;", LOG_LINE * 200],
    ids=["short", "unicode", "long-log"],
)
def test_a_paste_comes_back_unchanged_from_a_value_slack_accepts(text):
    value = pack(text)
    assert value is not None and len(value) <= MAX_BUTTON_VALUE_CHARS
    assert unpack(value) == text


def test_a_paste_too_big_even_compressed_gets_no_value():
    noise = "".join(random.Random(1).choices(string.ascii_letters, k=5000))
    assert pack(noise) is None


@pytest.mark.parametrize(
    "value",
    ["feedback_helpful", "z:not-base64!!", "z:" + base64.urlsafe_b64encode(b"not zlib").decode()],
)
def test_a_value_that_is_not_ours_unpacks_to_none(value):
    assert unpack(value) is None


def test_a_value_that_would_inflate_enormously_is_refused():
    bomb = zlib.compress(b"a" * 50_000_000, 9)
    value = "z:" + base64.urlsafe_b64encode(bomb).decode()
    assert unpack(value) is None
