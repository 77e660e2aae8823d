"""Whatever people paste, syncdoc answers: no exception, no hang, nothing unsafe echoed back.

Property tests drive the engine (normalise -> match -> triage -> renderers) with arbitrary and
deliberately regex-hostile text up to Slack's 40,000 characters. Fixed cases go through the
`syncdoc explain` command's `main()` with the bytes a process would read on stdin. Time limits here
are hang guards, generous against the measured times in docs/reliability.md (bench/hostile.py),
not speed claims.
"""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.inbox import template_of, unknowns
from bot.normalise import DISPLAY_CHARS, MAX_RECORDS, MAX_SEGMENTS_PER_RECORD, normalise
from bot.redact import redact
from bot.render.json import report_to_dict
from bot.render.text import render_text
from bot.testing.cli import run_syncdoc
from bot.testing.fake_slack import (
    BOT_USER_ID,
    DM_CHANNEL_ID,
    app_mention_event,
    block_problems,
    message_event,
)
from bot.triage import MAX_CANDIDATES, MAX_UNMATCHED

from conftest import VALID_ENTRY

SLACK_MAX_CHARS = 40_000
HANG_GUARD_SECONDS = 10
# A whole command on a 1 MB paste, on a loaded machine running the suite in parallel, has taken
# 12 s; what is guarded against is a hang (minutes), so the guard is wide.
COMMAND_HANG_GUARD_SECONDS = 60
TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
TOKEN_TITLE = "eBay token expired"
THROTTLED = "Request is throttled"

# What the normaliser's regular expressions loop on or start a match at; long runs of these are
# the inputs that make a backtracking regex slow.
_LOOPED_CHARS = list(" \t\n\r\u00a0\u2028'\"`*~<>[]{}()|¦:;.,-_#@/\\!?&=%+x1aZ")
_TOKENS = [
    *("<http://", "<mailto:", "<@U1|", "<!here>", "<#C1|", "&amp;", "&#x", "```", "> ", "*a", "~a"),
    *("'a b c' ", "'aaaaaaaa ", '"message": "', '{"error":"', "<message>", "</message>", " -> "),
    *(" | ", "Step: ", "Error: ", "at a.b(", 'File "', "2026-01-01 ", "12:30:", "a@b.", "xxx-"),
    *("order #", "HTTP/1.1 ", "...", "…", "Caused by", "\x00", "\x1b[31m", "\u202e", "😀", "ﷺ"),
    TOKEN,
    THROTTLED,
]
_run = st.tuples(
    st.sampled_from(_LOOPED_CHARS + _TOKENS) | st.text(max_size=8), st.integers(1, 6_000)
)
hostile_text = st.lists(_run, max_size=12).map(
    lambda parts: "".join(piece * times for piece, times in parts)[:SLACK_MAX_CHARS]
)
# Any code point, lone surrogates included: Slack's JSON may carry "\ud800".
any_text = st.text(st.characters(exclude_categories=()), max_size=SLACK_MAX_CHARS)
pastes = hostile_text | any_text

hang_guarded = settings(
    max_examples=30,
    deadline=timedelta(seconds=HANG_GUARD_SECONDS),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


# --- Properties ---------------------------------------------------------------------------------
@hang_guarded
@given(paste=pastes)
def test_normalising_any_paste_gives_bounded_records(paste):
    result = normalise(paste)
    assert len(result.records) <= MAX_RECORDS
    for record in result.records:
        assert 1 <= len(record.segments) <= MAX_SEGMENTS_PER_RECORD
        for segment in record.segments:
            assert len(segment.display) <= DISPLAY_CHARS
            assert not _has_control_characters(segment.display)


@hang_guarded
@given(paste=pastes)
def test_any_paste_gets_a_verdict_and_renders(engine, paste):
    report = engine.explain(paste)
    assert report.verdict
    assert len(report.candidates) <= MAX_CANDIDATES
    assert len(report.unmatched) <= MAX_UNMATCHED
    assert render_text(report).rstrip().endswith(report.verdict.split()[-1])
    assert json.loads(json.dumps(report_to_dict(report)))["verdict"] == report.verdict


@hang_guarded
@given(paste=pastes)
def test_text_echoed_back_has_no_control_characters(engine, paste):
    """A paste's ESC or BEL must not reach a terminal or a Slack message through our answer."""
    report = engine.explain(paste)
    echoed = [*report.unmatched, *(f.matched_text for f in report.findings)]
    assert not any(_has_control_characters(text) for text in echoed)


@hang_guarded
@given(paste=pastes)
def test_unknown_lines_of_any_paste_go_to_the_inbox_once_per_template_with_nothing_to_redact(
    engine, paste
):
    found = unknowns(engine.explain(paste), engine.kb)
    templates = [unknown.template for unknown in found]
    assert len(set(templates)) == len(templates)
    for unknown in found:
        assert redact(unknown.example) == unknown.example
        assert template_of(unknown.example) == unknown.template


@hang_guarded
@given(noise=hostile_text)
def test_a_known_error_after_hostile_noise_is_still_recognised(engine, noise):
    report = engine.explain(f"{noise[:20_000]}\n\n```{TOKEN}```")
    if not report.truncated:
        assert "ebay-token-hard-expired" in [f.entry.id for f in report.matches]


# --- Fixed cases through the command ------------------------------------------------------------
def explain(stdin: bytes, *args: str) -> tuple[int, str, str]:
    result = run_syncdoc("explain", *args, stdin=stdin, timeout=COMMAND_HANG_GUARD_SECONDS)
    return result.code, result.out, result.err


def _random_bytes(size: int) -> bytes:
    return random.Random(20261127).randbytes(size)


RECOGNISED = {
    "1 MB of random bytes after the error": TOKEN.encode() + b"\n" + _random_bytes(1_000_000),
    "invalid UTF-8 around the error": b"\xff\xfe\xc3\x28" + TOKEN.encode() + b"\xed\xa0\x80\xc0",
    "NUL bytes between the words": TOKEN.replace(" ", " \x00").encode(),
    "a 300,000-character word after it": TOKEN.encode() + b"\n" + b"A" * 300_000,
    "a 300,000-character word on its line": TOKEN.encode() + b" " + b"x" * 300_000,
    "emoji and right-to-left text": f"😀🔥 \u202eשלום {TOKEN} مرحبا 👍🏽".encode(),
    "HTML and script tags": f"<script>alert(1)</script><b>{TOKEN}</b><img onerror=x>".encode(),
    "terminal escape sequences": f"\x1b[2J\x1b]0;owned\x07{TOKEN}\x1b[0m".encode(),
    "Slack markup all round": f"> *<@U1>* <!here> ~`{TOKEN}`~ <https://x.test|y>".encode(),
    "100,000 short lines before it": b"-\n" * 50_000 + TOKEN.encode() + b"\n" + b"1\n" * 50_000,
}
# One line per regular expression of the normaliser, each a long run of what it loops on; the
# full stop ends each line so that no two are joined into one.
_REGEX_HOSTILE_LINES = (
    "' " + "a " * 350,
    "[<(" * 3_000 + ")>]" * 3_000,
    "<http://" + "a" * 20_000,
    "*a~" * 6_000,
    '"message": "' + "\\a" * 9_000,
    "a." * 9_000 + "Exception",
    "2026-01-01 12:" * 1_400,
    "Error: " * 2_800,
    "Step: " + "x" * 20_000,
    "a-" * 9_000 + "xxx",
    "a@b." * 5_000,
    "\t|" * 9_000,
)
NOT_RECOGNISED = {
    "1 MB of random bytes": _random_bytes(1_000_000),
    "NUL bytes only": b"\x00" * 100_000,
    "100,000 short lines": b"ok\n" * 100_000,
    "a 300,000-character word": b"A" * 300_000,
    "regex-hostile lines": "".join(f"{line}.\n" for line in _REGEX_HOSTILE_LINES).encode(),
    # Columns were split with a regex that took seconds per line of such spaces (now linear).
    "long runs of no-break spaces": ("A" + "\u00a0" * 19_998 + "A\n").encode() * 10,
    # Identifier masking rescanned such runs from every start (3.7 s; bench/hostile.py).
    "lines of dotted words": ("Error " + "a." * 1_000 + "\n").encode() * 99,
    # Code-like words were searched from every position of such lines (12 s; now linear).
    "lines of digits": "".join(f"Error {n} " + "1" * 1_985 + "a\n" for n in range(99)).encode(),
}


@pytest.mark.parametrize("stdin", RECOGNISED.values(), ids=RECOGNISED.keys())
def test_hostile_paste_around_a_known_error_still_explains_it(stdin):
    code, out, err = explain(stdin)
    assert (code, err) == (0, "")
    assert out.startswith(TOKEN_TITLE)
    assert "Verdict: Action required: eBay token expired" in out
    assert "\x1b" not in out and "\x00" not in out


@pytest.mark.parametrize("stdin", NOT_RECOGNISED.values(), ids=NOT_RECOGNISED.keys())
def test_hostile_paste_without_a_known_error_gets_a_plain_answer(stdin):
    code, out, err = explain(stdin)
    assert (code, err) == (1, "")
    assert out.startswith("No known Linnworks error recognised.")
    assert "\nVerdict: " in out


def test_a_flood_of_one_error_is_a_streak_not_a_crash():
    code, out, _ = explain(f"[Amazon UK] {THROTTLED}\n".encode() * 100_000)
    assert code == 0
    assert "times in a row: this is no longer a one-off" in out
    assert "Only the first part of this very long paste was read." in out


def test_yaml_tags_in_a_paste_are_text_not_instructions():
    paste = f"!!python/object/apply:os.system ['id']\n--- !!binary aGk=\n{TOKEN}"
    code, out, _ = explain(paste.encode())
    assert code == 0
    assert out.startswith(TOKEN_TITLE)


def test_hostile_paste_as_json_is_valid_json():
    code, out, _ = explain(_random_bytes(SLACK_MAX_CHARS), "--format", "json")
    assert code == 1
    assert json.loads(out)["matches"] == []


def test_jsonl_batch_answers_every_line_however_hostile():
    lines = [
        json.dumps({"text": TOKEN}).encode(),
        b"\xff\xfe{not json\x00",
        b'{"text": 5}',
        json.dumps({"text": "\x00\u202e" + "x" * 300_000}).encode(),
    ]
    code, out, err = explain(b"\n".join(lines), "--jsonl")
    assert (code, err) == (0, "")
    first, second, third, fourth = (json.loads(line) for line in out.split("\n")[:-1])
    assert first["matches"][0]["id"] == "ebay-token-hard-expired"
    assert second == {"error": 'line 2: expected a JSON object with a "text" string'}
    assert third == {"error": 'line 3: expected a JSON object with a "text" string'}
    assert fourth["matches"] == []


# --- The knowledge base cannot smuggle in a regular expression ------------------------------------
REGEX_LOOKING_ENTRY = VALID_ENTRY.replace(
    "The demo authorisation token has expired for this account",
    "'Demo feed rejected: (a+)+$ [x]* ^.*{1,} here'",
)


def test_a_pattern_that_looks_like_a_regex_is_matched_as_literal_text(write_kb):
    folder = write_kb(**{"demo.yaml": REGEX_LOOKING_ENTRY})
    code, out, _ = explain(b"Demo feed rejected: (a+)+$ [x]* ^.*{1,} here", "--kb", str(folder))
    assert code == 0
    assert out.startswith("Demo token expired")


def test_a_pattern_that_looks_like_a_regex_cannot_backtrack_on_a_paste(write_kb):
    folder = write_kb(**{"demo.yaml": REGEX_LOOKING_ENTRY})
    # As a regex, (a+)+$ takes hours on this; as literal text it is one fuzzy comparison.
    code, out, _ = explain(b"Demo feed rejected: " + b"a" * 40 + b"!", "--kb", str(folder))
    assert code in (0, 1)
    assert "\nVerdict: " in out


def test_lint_rejects_a_regex_key_in_an_entry(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY + "  regex: '(a+)+$'\n"})
    result = run_syncdoc("lint", "--kb", str(folder), timeout=COMMAND_HANG_GUARD_SECONDS)
    assert result.code == 1
    assert f"{folder / 'demo.yaml'}:13: entry 'demo-token-expired': unknown key 'regex'" in (
        result.out
    )


# --- The same through Slack ----------------------------------------------------------------------


def test_a_mention_padded_with_thousands_of_spaces_is_answered(slack, app):
    # The help check once backtracked cubically here: minutes for 3,000 spaces, days for 40,000.
    event = app_mention_event(f"<@{BOT_USER_ID}>" + " " * 3_000 + "x")
    assert app.sender.event(event).status == 200
    (post,) = slack.wait_for("chat.postMessage", timeout=HANG_GUARD_SECONDS)
    assert post.params["thread_ts"] == event["event"]["ts"]


def _random_text(size: int) -> str:
    """Any code points, control characters and lone surrogates included (Slack's JSON carries
    them as \\u escapes)."""
    rng = random.Random(20261127)
    return "".join(
        chr(rng.choice((rng.randrange(0x20), rng.randrange(0x110000)))) for _ in range(size)
    )


TYPED_MARKUP = "&lt;!channel&gt; &lt;@U0BADBAD&gt; &lt;https://evil.test|click&gt; &amp;lt;"
INJECTION = "<!channel> <!here> <@U0BADBAD> <#C0BADBAD> <https://evil.test|click me> &lt;b&gt;"
SLACK_PASTES = {
    "random code points": _random_text(SLACK_MAX_CHARS),
    "lone surrogates and NUL around the error": f"\ud800\x00 {TOKEN} \udfff\x00",
    "13,000 short lines": "ok\n" * 13_000,
    "a 40,000-character word": "A" * SLACK_MAX_CHARS,
    "regex-hostile lines": "".join(f"{line}.\n" for line in _REGEX_HOSTILE_LINES)[:SLACK_MAX_CHARS],
    "emoji and right-to-left text around the error": f"😀🔥 \u202eשלום {TOKEN} مرحبا 👍🏽",
    "HTML and script tags around the error": f"<script>alert(1)</script><b>{TOKEN}</b>",
    "YAML tags before the error": f"!!python/object/apply:os.system ['id']\n{TOKEN}",
    "Slack markup injection around the error": f"{INJECTION} *{TOKEN}* {INJECTION}",
    "Slack markup injection alone": INJECTION * 400,
    # What a person typing <!channel> sends: Slack escapes it, the normaliser unescapes it.
    "typed markup in an unknown error": f"Error: stock sync failed {TYPED_MARKUP}",
}


@pytest.mark.parametrize("paste", SLACK_PASTES.values(), ids=SLACK_PASTES.keys())
def test_hostile_direct_message_gets_one_answer_slack_accepts(slack, app, paste):
    assert (
        app.sender.event(message_event(paste, channel=DM_CHANNEL_ID, channel_type="im")).status
        == 200
    )
    slack.wait_for("chat.postMessage", timeout=HANG_GUARD_SECONDS)
    app.wait_idle()
    (post,) = slack.calls_to("chat.postMessage")
    assert block_problems(post.blocks) == []
    if TOKEN in paste:
        assert post.blocks[0]["text"]["text"] == TOKEN_TITLE
    shown = post.text + post.block_text()
    for markup in ("<!channel>", "<!here>", "<@U0BADBAD>", "<#C0BADBAD>", "<https://evil.test"):
        assert markup not in shown, f"{markup} from the paste reached Slack unescaped"


def test_markup_typed_into_an_unknown_error_is_echoed_escaped(slack, app):
    paste = f"Error: stock sync failed {TYPED_MARKUP}"
    app.sender.event(message_event(paste, channel=DM_CHANNEL_ID, channel_type="im"))
    (post,) = slack.wait_for("chat.postMessage")
    assert "&lt;!channel&gt; &lt;@U0BADBAD&gt;" in post.block_text()
