"""The Slack answer (bot/render/slack.py): what a person reads, and Slack's limits, checked with
the same rules the fake Slack enforces."""

from __future__ import annotations

import json

import pytest

from bot.knowledge import Article, Entry
from bot.render.blocks import (
    CUT_NOTE,
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_SECTION_CHARS,
    MAX_TOTAL_CHARS,
    cut,
    escape,
    fit,
)
from bot.render.slack import (
    MARKERS,
    SHARE_ACTION_ID,
    echo,
    render_entry,
    render_entry_list,
    render_help,
    render_home,
    render_note,
    render_report,
    share_block,
)
from bot.testing.fake_slack import block_problems
from bot.triage import Finding, Report

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)
CLOSED = "An existing connection was forcibly closed by the remote host"


def everything(message) -> str:
    """All text of a message, as one string (fallback text and every block)."""
    return json.dumps(message.payload(), ensure_ascii=False)


def block_texts(message) -> str:
    texts = []
    for block in message.blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [e.get("text", "") for e in block.get("elements", []) if "text" in e]
    return "\n".join(t if isinstance(t, str) else t["text"] for t in texts)


def long_entry(**changes) -> Entry:
    base = dict(
        id="demo-long",
        title="Demo error",
        channel="demo",
        severity="action_required",
        patterns=("Demo error text",),
        meaning="A demo meaning.",
        fix=("Do the demo fix.",),
        article=Article("Demo article", "https://example.com/demo"),
    )
    return Entry(**{**base, **changes})


def finding(entry: Entry, **changes) -> Finding:
    base = dict(
        entry=entry,
        score=99.0,
        confident=True,
        count=1,
        longest_run=1,
        matched_text="Demo error text",
        effective_severity=entry.severity,
        escalation=None,
        first_seen=0,
    )
    return Finding(**{**base, **changes})


def report_of(*findings: Finding, **changes) -> Report:
    base = dict(findings=findings, unmatched=(), verdict="A verdict.", records=1, truncated=False)
    return Report(**{**base, **changes})


# --- A recognised error ----------------------------------------------------------------------------


def test_recognised_error_shows_title_severity_meaning_steps_article_and_confidence(engine):
    message = render_report(engine.explain(TOKEN))
    entry = engine.kb.by_id["ebay-token-hard-expired"]
    header, severity, meaning, steps, article, evidence, verdict = message.blocks
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "eBay token expired", "emoji": True},
    }
    assert severity["text"]["text"] == "*🔴 Action required*"
    assert meaning["text"]["text"] == escape(entry.meaning)
    assert steps["text"]["text"].startswith("*What to do*\n1. Go to Settings &gt; Channel")
    assert steps["text"]["text"].count("\n") == len(entry.fix)
    assert article["text"]["text"] == f"📖 <{entry.article.url}|eBay token expiry/generation>"
    assert article["accessory"]["url"] == entry.article.url
    assert evidence["elements"][0]["text"] == (
        f"Confidence 100/100 · `ebay-token-hard-expired` · matched `{TOKEN}`"
    )
    assert verdict["text"]["text"].startswith("*Verdict:* Action required")


def test_fallback_text_names_severity_title_and_article(engine):
    message = render_report(engine.explain(TOKEN))
    assert message.text.startswith("🔴 Action required: eBay token expired (https://")
    assert "Verdict" not in message.text and "will keep failing" in message.text


def test_an_entry_without_an_article_says_so_where_the_article_would_be():
    message = render_report(report_of(finding(long_entry(article=None))))
    _, _, _, _, article, *_ = message.blocks
    assert article == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "📖 There is no help article for this error yet.",
            "verbatim": True,
        },
    }
    assert message.text.startswith("🔴 Action required: Demo error (no help article yet)")
    assert block_problems(message.payload()["blocks"]) == []


def test_a_candidate_without_an_article_says_so_instead_of_a_link():
    candidate = finding(long_entry(article=None), confident=False, score=70.0)
    message = render_report(report_of(candidate))
    assert "match 70/100, needs 85): no help article yet" in block_texts(message)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (TOKEN, "🔴 Action required"),
        (CLOSED, "🟢 Transient"),
    ],
)
def test_severity_is_shown_in_words_with_its_marker(engine, text, label):
    assert f"*{label}*" in block_texts(render_report(engine.explain(text)))


def test_info_entries_have_the_info_marker(engine):
    entry = next(e for e in engine.kb if e.severity == "info")
    assert "*ℹ️ Info*" in block_texts(render_entry(entry))


def test_a_streak_of_a_transient_error_says_it_became_action_required_and_why(engine):
    message = render_report(engine.explain("\n".join([CLOSED] * 6)))
    text = block_texts(message)
    assert "*🔴 Action required*\nUsually transient; seen 6 times in a row" in text
    assert "no longer a one-off" in text


def test_log_excerpt_gets_a_summary_with_counts_runs_and_verdict(engine):
    log = "\n".join([CLOSED] * 3 + [TOKEN] + [CLOSED] * 2)
    report = engine.explain(log)
    message = render_report(report)
    assert message.blocks[0]["text"]["text"] == "Log excerpt: 2 known errors in 6 lines"
    summary = message.blocks[1]["text"]["text"]
    closed = escape(engine.kb.by_id["general-connection-forcibly-closed"].title)
    assert f"• *{closed}*: 5 times, 3 in a row · 🟢 Transient" in summary
    assert "• *eBay token expired*: once · 🔴 Action required" in summary
    assert message.blocks[2]["text"]["text"] == f"*Verdict:* {escape(report.verdict)}"


# --- Not recognised ------------------------------------------------------------------------------


def test_unknown_error_says_so_and_offers_candidates_and_how_to_add(engine):
    message = render_report(engine.explain("Access to reports denied"), unknown_hint="Ask #help.")
    text = block_texts(message)
    assert text.startswith("*I don't recognise this error.*")
    assert "*Did you mean…*\n• *Amazon app authorisation lapsed" in text
    assert "`amazon-reports-access-denied`" in text
    assert "*Error lines not in the knowledge base yet:*\n• `Access to reports denied`" in text
    assert "*How to get it added:* Ask #help." in text
    assert message.text.startswith("I don't recognise a known Linnworks error in this text.")


def test_chat_without_an_error_is_not_called_an_unknown_error(engine):
    text = block_texts(render_report(engine.explain("thanks, that fixed it!")))
    assert text.startswith("*I don't recognise a Linnworks error in this text.*")
    assert "Did you mean" not in text


# --- Escaping ------------------------------------------------------------------------------------


def test_pasted_mentions_are_escaped_and_never_ping(engine):
    # Slack delivers a literal "<!channel>" typed by a person as "&lt;!channel&gt;".
    report = engine.explain("Fatal error &lt;!channel&gt; sync failed for &lt;@U0002OTHER&gt;")
    rendered = everything(render_report(report))
    assert "&lt;!channel&gt;" in rendered and "&lt;@U0002OTHER&gt;" in rendered
    assert "<!channel>" not in rendered and "<@U0002OTHER>" not in rendered


def test_every_mrkdwn_text_is_verbatim_so_slack_links_nothing_by_itself(engine):
    message = render_report(engine.explain("\n".join([TOKEN, "weird failure @here"])))
    mrkdwn = [
        t
        for b in message.blocks
        for t in [b.get("text"), *b.get("elements", [])]
        if isinstance(t, dict) and t.get("type") == "mrkdwn"
    ]
    assert mrkdwn and all(t["verbatim"] is True for t in mrkdwn)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a <b> & c", "`a &lt;b&gt; &amp; c`"),
        ("with `backticks` inside", "`with 'backticks' inside`"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_echo_shows_user_text_as_one_escaped_code_span(text, shown):
    assert echo(text) == shown


def test_echo_caps_long_text_before_escaping_so_no_entity_is_cut():
    shown = echo("&" * 500, limit=10)
    assert shown == "`" + "&amp;" * 9 + "…`"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("see <https://example.com/a/long/path|the article> now", 20, "see…"),
        ("fish &amp; chips", 10, "fish…"),
        ("short", 10, "short"),
    ],
)
def test_cut_never_ends_inside_a_link_or_an_entity(text, limit, expected):
    assert cut(text, limit) == expected


# --- Slack's limits ------------------------------------------------------------------------------


def test_every_knowledge_base_entry_renders_within_slacks_limits(engine):
    for entry in engine.kb:
        assert block_problems(list(render_entry(entry).blocks)) == [], entry.id


def test_every_knowledge_base_example_answer_is_within_slacks_limits(engine):
    for entry in engine.kb:
        for example in entry.examples:
            message = render_report(engine.explain(example))
            assert block_problems(list(message.blocks)) == [], example
            assert len(message.text) <= 3000


def test_huge_meaning_and_title_are_cut_to_slacks_limits():
    entry = long_entry(
        title="T" * 400, meaning="m " * 4000, fix=tuple(f"step {n}" for n in range(900))
    )
    message = render_report(report_of(finding(entry)))
    assert block_problems(list(message.blocks)) == []
    header = message.blocks[0]["text"]["text"]
    assert len(header) == MAX_HEADER_CHARS and header.endswith("…")
    assert all(len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in message.blocks if "text" in b)


def test_many_findings_are_summarised_and_only_three_detailed():
    entries = [long_entry(id=f"demo-{n}", title=f"Demo {n}") for n in range(30)]
    message = render_report(report_of(*[finding(e, count=2) for e in entries], records=60))
    headers = [b["text"]["text"] for b in message.blocks if b["type"] == "header"]
    assert headers == ["Log excerpt: 30 known errors in 60 lines", "Demo 0", "Demo 1", "Demo 2"]
    assert "Demo 29" in message.blocks[1]["text"]["text"]
    assert block_problems(list(message.blocks)) == []


def test_answers_past_the_block_limit_are_cut_with_a_note_and_keep_the_extra_blocks():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"b{n}"}} for n in range(80)]
    share = share_block("t:paste")
    fitted = fit(blocks, [share])
    assert len(fitted) == MAX_BLOCKS
    assert fitted[-1] == share
    assert fitted[-2]["elements"][0]["text"] == CUT_NOTE
    assert fitted[-3]["text"]["text"] == "b47"


def test_answers_past_the_total_size_are_cut_with_a_note():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}} for _ in range(8)]
    fitted = fit(blocks)
    assert sum(len(b["text"]["text"]) for b in fitted if b["type"] == "section") <= MAX_TOTAL_CHARS
    assert fitted[-1]["elements"][0]["text"] == CUT_NOTE


def test_truncated_paste_says_only_the_first_part_was_read():
    message = render_report(report_of(finding(long_entry()), truncated=True))
    assert "Only the first part of this very long paste was read." in block_texts(message)


# --- Other answers -------------------------------------------------------------------------------


def test_share_block_carries_the_value_on_a_share_button():
    (button,) = share_block("t:hello")["elements"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        SHARE_ACTION_ID,
        "t:hello",
        "Share in channel",
    )


def test_entry_list_names_every_entry_grouped_by_channel(engine):
    message = render_entry_list(engine.kb)
    assert message.blocks[0]["text"]["text"] == f"Known errors: {len(engine.kb)}"
    for entry in engine.kb:
        (section,) = [
            b["text"]["text"] for b in message.blocks[1:-1] if f"`{entry.id}`" in b["text"]["text"]
        ]
        assert section.startswith(f"*{entry.channel}*\n")
        assert f"• {MARKERS[entry.severity]} `{entry.id}`: {escape(entry.title)}" in section
    assert block_problems(list(message.blocks)) == []


def test_a_very_long_entry_list_is_split_into_sections_within_limits():
    entries = [long_entry(id=f"demo-{n:04d}", title="A title " * 8) for n in range(300)]
    message = render_entry_list(entries)
    assert block_problems(list(message.blocks)) == []
    assert "*demo* (continued)" in block_texts(message)


def test_help_names_every_entry_point_with_the_configured_command():
    text = block_texts(render_help("/lnwerror"))
    for expected in (
        "`/lnwerror &lt;error text&gt;`",  # Slack shows &lt; &gt; as < >
        "`/lnwerror list [channel]`",
        "`/lnwerror &lt;id&gt;`",
        "Explain this error",
        "direct message",
        "thread",
    ):
        assert expected in text


def test_home_tab_says_how_many_errors_are_known(engine):
    view = render_home(engine.kb, "/syncerror")
    assert view["type"] == "home"
    assert f"I know *{len(engine.kb)}* errors" in json.dumps(view, ensure_ascii=False)
    assert block_problems(view["blocks"]) == []


def test_a_note_longer_than_a_section_is_cut_to_fit():
    message = render_note("word " * 1000)
    assert block_problems(list(message.blocks)) == []
    assert message.blocks[0]["text"]["text"].endswith("…")


def test_the_help_text_escapes_what_slack_would_read_as_markup():
    text = block_texts(render_help("/syncerror"))
    assert "`/syncerror &lt;error text&gt;`" in text
    assert "More actions (⋯) &gt; Explain this error" in text
    assert block_problems(list(render_help("/syncerror").blocks)) == []
