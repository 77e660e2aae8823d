from __future__ import annotations

from bot.render.text import render_text
from bot.triage import Finding, Report

TOKEN = (
    "Authorisation token is hard expired. User needs to generate a new token for this application."
)


def test_prose_is_wrapped_to_the_width_but_links_are_whole(engine):
    text = render_text(engine.explain(TOKEN), width=60)
    prose = [line for line in text.splitlines() if "http" not in line and "Matched:" not in line]
    assert all(len(line) <= 60 for line in prose)
    assert "  https://help.linnworks.com/support/solutions/articles/7000024275" in text.splitlines()


def test_an_entry_without_an_article_says_there_is_none_yet(engine):
    paste = "The update for Sku 'BLUE-MUG' was skipped because it is identical to the update in feed 5012."
    lines = render_text(engine.explain(paste)).splitlines()
    assert "There is no help article for this error yet." in lines
    assert not any(line.startswith("Article:") for line in lines)


def test_fix_steps_are_numbered_with_hanging_indent(engine):
    lines = render_text(engine.explain(TOKEN), width=60).splitlines()
    first = lines.index("What to do:") + 1
    assert lines[first].startswith("  1. ")
    assert lines[first + 1].startswith("     ") or lines[first + 1].startswith("  2. ")


def test_escalated_error_says_it_is_usually_transient_and_why(engine):
    paste = "\n".join(["An existing connection was forcibly closed by the remote host"] * 6)
    text = render_text(engine.explain(paste))
    assert (
        "Severity: Action required (usually transient; seen 6 times in a row: "
        "this is no longer a one-off)" in text
    )


def test_unknown_paste_says_so_and_lists_the_line(engine):
    text = render_text(engine.explain("ERROR Failed to frobnicate the widget cache"))
    assert "No known Linnworks error recognised." in text
    assert "Error lines not in the knowledge base:\n  - ERROR Failed to frobnicate" in text


def test_no_colour_codes_unless_asked(engine):
    report = engine.explain(TOKEN)
    assert "\033[" not in render_text(report)
    assert "\033[31mAction required\033[0m" in render_text(report, colour=True)


def test_a_score_just_below_the_threshold_is_never_shown_as_the_threshold(engine):
    entry = engine.kb.by_id["shopify-missing-scope-merchant-approval"]
    near = Finding(entry, 84.8, False, 0, 0, "Demo", entry.severity, None, -1)
    report = Report(
        findings=(near,), unmatched=(), verdict="A verdict.", records=1, truncated=False
    )
    assert "(shopify-missing-scope-merchant-approval, score 84 of 100)" in render_text(report)
