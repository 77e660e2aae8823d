"""The inbox of unknown errors: grouping, redaction, and drafts that lint once filled in."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from bot.cli import main
from bot.inbox import readable_pattern, unknowns, written_up
from bot.knowledge import bundled_kb_path
from bot.lint import lint
from bot.render.drafts import TODO, draft_entry, drafts_document
from bot.store import InboxItem, template_key

UNKNOWN_PASTES = [
    "2026-11-27 09:12:01 ERROR Order 203-1234567-1234567 could not be imported for [eBay UK]: "
    "the buyer's postcode 'SW1A 1AA' is not valid",
    "Step: Synchronize orders for [Shopify Main], Unhandled Error is thrown: The fulfilment "
    "location for order #1002 could not be resolved",
    '{"errors": [{"message": "Warehouse bin capacity exceeded for SKU WIDGET-42"}]}',
    "Magento sync failed: customer jane@example.com rejected because the store view is locked",
]


def item_for(engine, paste: str, *, count: int = 3, people: int = 2) -> InboxItem:
    [unknown] = unknowns(engine.explain(paste), engine.kb)
    return InboxItem(
        key=template_key(unknown.template),
        template=unknown.template,
        example=unknown.example,
        count=count,
        people=people,
        channels=("C0123", "C0456"),
        first_seen=1_800_000_000.0,
        last_seen=1_800_003_600.0,
        reported_at=None,
        reported_by=None,
        channel_hint=unknown.channel_hint,
    )


def fill_placeholders(data: object, key: str = "") -> object:
    """What a maintainer does with a draft: replace every TODO with real words."""
    if isinstance(data, list):
        return [fill_placeholders(value, key) for value in data]
    if isinstance(data, dict):
        return {k: fill_placeholders(v, k) for k, v in data.items()}
    if isinstance(data, str) and data.startswith(TODO):
        return {
            "title": "A newly documented error",
            "severity": "action_required",
            "meaning": "Linnworks could not finish the task because of the reason in the text.",
            "fix": "Correct the record named in the error and run the sync again.",
            "url": "https://help.linnworks.com/support/solutions/articles/new",
        }[key]
    return data


def test_two_pastes_differing_only_in_order_number_have_one_template(engine):
    one = unknowns(engine.explain("Order 203-1234567-1234567 is stuck in the despatch queue error"))
    two = unknowns(engine.explain("Order 111-7654321-7654321 is stuck in the despatch queue error"))
    assert [u.template for u in one] == [u.template for u in two]
    assert one[0].example == "Order <order number> is stuck in the despatch queue error"


def test_customer_data_never_reaches_the_example(engine):
    [unknown] = unknowns(engine.explain(UNKNOWN_PASTES[3]))
    assert "jane@example.com" not in unknown.example
    [unknown] = unknowns(engine.explain(UNKNOWN_PASTES[0]))
    assert "203-1234567-1234567" not in unknown.example
    assert "eBay UK" not in unknown.example
    assert "SW1A" not in unknown.example


def test_known_errors_and_chat_are_not_unknowns(engine):
    assert (
        unknowns(engine.explain("An existing connection was forcibly closed by the remote host"))
        == []
    )
    assert unknowns(engine.explain("morning all, anyone around for the stand-up?")) == []


def test_a_paste_repeating_one_unknown_error_adds_it_once(engine):
    paste = "\n".join(f"Order {n}12345 is stuck in the despatch queue error" for n in range(1, 6))
    assert len(unknowns(engine.explain(paste))) == 1


def test_the_channel_is_read_from_the_account_name_before_it_is_redacted(engine):
    [unknown] = unknowns(engine.explain(UNKNOWN_PASTES[0]), engine.kb)
    assert unknown.channel_hint == "ebay"


def test_the_draft_pattern_leaves_out_timestamps_and_log_levels():
    example = "2026-11-27 09:12:01 ERROR Order <order number> is stuck in the despatch queue"
    assert readable_pattern(example) == "Order <order number> is stuck in the despatch queue"


@pytest.mark.parametrize("paste", UNKNOWN_PASTES)
def test_a_draft_is_one_yaml_entry_with_placeholders_for_what_a_person_decides(engine, paste):
    draft = yaml.safe_load(draft_entry(item_for(engine, paste), engine.kb))
    [entry] = draft
    assert entry["id"] not in engine.kb.by_id
    assert entry["channel"] in {e.channel for e in engine.kb}
    placeholders = {k for k, v in entry.items() if isinstance(v, str) and v.startswith(TODO)}
    assert placeholders == {"title", "severity", "meaning"}
    assert entry["fix"][0].startswith(TODO)
    assert entry["article"]["url"].startswith(TODO)
    assert entry["examples"] == [item_for(engine, paste).example]


def test_an_unfilled_draft_does_not_pass_lint(engine, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_path(), kb)
    (kb / "inbox.yaml").write_text(draft_entry(item_for(engine, UNKNOWN_PASTES[0]), engine.kb))
    messages = [str(p) for p in lint(kb)]
    assert any("severity must be one of" in m for m in messages)
    assert any("article.url must be an https:// URL" in m for m in messages)


def test_every_draft_passes_syncdoc_lint_once_its_placeholders_are_filled(engine, tmp_path, capsys):
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_path(), kb)
    items = [item_for(engine, paste) for paste in UNKNOWN_PASTES]
    filled = fill_placeholders(yaml.safe_load(drafts_document(items, engine.kb)))
    (kb / "inbox.yaml").write_text(yaml.safe_dump(filled, sort_keys=False))

    assert main(["lint", "--kb", str(kb)]) == 0, capsys.readouterr()
    assert capsys.readouterr().out.endswith(
        f"{kb}/: {len(engine.kb) + len(items)} entries, clean\n"
    )


def test_drafts_in_one_document_get_different_ids(engine):
    paste = UNKNOWN_PASTES[1]
    twice = [item_for(engine, paste), item_for(engine, paste.replace("resolved", "resolved now"))]
    ids = [entry["id"] for entry in yaml.safe_load(drafts_document(twice, engine.kb))]
    assert len(set(ids)) == 2


def test_the_draft_says_how_often_and_where_the_error_was_seen(engine):
    draft = draft_entry(item_for(engine, UNKNOWN_PASTES[2], count=7, people=4), engine.kb)
    assert draft.startswith(
        "# Seen 7 times by 4 people in C0123, C0456; first 2027-01-15 08:00 UTC"
    )


def test_an_error_the_knowledge_base_now_knows_is_written_up(engine, tmp_path):
    item = item_for(engine, UNKNOWN_PASTES[0])
    assert not written_up(item, engine)
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_path(), kb)
    filled = fill_placeholders(yaml.safe_load(draft_entry(item, engine.kb)))
    (kb / "inbox.yaml").write_text(yaml.safe_dump(filled))
    from bot.engine import Engine

    assert written_up(item, Engine.from_path(kb))


def test_a_draft_placeholder_matches_whatever_stands_in_its_place(engine, tmp_path):
    item = item_for(engine, UNKNOWN_PASTES[1])
    draft = yaml.safe_load(draft_entry(item, engine.kb))
    assert "for order <order number> could not be resolved" in draft[0]["patterns"][0]
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_path(), kb)
    (kb / "inbox.yaml").write_text(yaml.safe_dump(fill_placeholders(draft)))
    from bot.engine import Engine

    other_order = "The fulfilment location for order GB-LONDON-EAST could not be resolved"
    assert [f.entry.id for f in Engine.from_path(kb).explain(other_order).matches] == [
        draft[0]["id"]
    ]


def test_the_draft_pattern_of_a_json_body_is_its_message():
    example = '{"errors": [{"message": "Warehouse bin capacity exceeded for SKU WIDGET-42"}]}'
    assert readable_pattern(example) == "Warehouse bin capacity exceeded for SKU WIDGET-42"


def record(engine, store, text: str, user: str, channel: str = "C1") -> None:
    from bot.config import Settings
    from bot.recorder import PasteRecorder

    PasteRecorder(store, engine, Settings.from_env({})).record(
        engine.explain(text), user=user, channel=channel
    )


def test_syncdoc_gaps_lists_unknown_errors_most_seen_first_as_one_yaml_file(
    syncdoc_env, engine, store, capsys
):
    record(engine, store, UNKNOWN_PASTES[1], "U1")
    for user, number in (("U1", "203-1234567-1234567"), ("U2", "111-7654321-7654321")):
        record(engine, store, f"Order {number} is stuck in the despatch queue error", user)
    record(engine, store, "An existing connection was forcibly closed by the remote host", "U3")

    assert main(["gaps"]) == 0
    out = capsys.readouterr().out
    first, second = yaml.safe_load(out)
    assert first["examples"] == ["Order <order number> is stuck in the despatch queue error"]
    assert "Synchronize orders" in second["examples"][0]
    assert "# Seen 2 times by 2 people in C1;" in out
    assert "203-1234567" not in out


def test_syncdoc_gaps_json_gives_counts_people_channels_times_and_the_draft(
    syncdoc_env, engine, store, capsys
):
    record(engine, store, "Order 2031234567 is stuck in the despatch queue error", "U1", "C1")
    record(engine, store, "Order 1117654321 is stuck in the despatch queue error", "U2", "C2")
    record(engine, store, "Order 9997654321 is stuck in the despatch queue error", "U2", "C2")
    assert main(["gaps", "--format", "json"]) == 0
    [gap] = json.loads(capsys.readouterr().out)
    assert (gap["count"], gap["people"], gap["channels"]) == (3, 2, ["C1", "C2"])
    assert gap["example"] == "Order <order number> is stuck in the despatch queue error"
    assert gap["reported"] is False
    assert gap["first_seen"] <= gap["last_seen"]
    assert yaml.safe_load(gap["draft"])[0]["patterns"] == [gap["example"]]


def test_syncdoc_gaps_leaves_out_errors_the_knowledge_base_now_knows(
    syncdoc_env, engine, store, tmp_path, capsys
):
    record(engine, store, UNKNOWN_PASTES[0], "U1")
    record(engine, store, UNKNOWN_PASTES[2], "U1")
    kb = tmp_path / "kb"
    shutil.copytree(bundled_kb_path(), kb)
    main(["gaps", "--limit", "1"])
    filled = fill_placeholders(yaml.safe_load(capsys.readouterr().out))
    (kb / "inbox.yaml").write_text(yaml.safe_dump(filled, sort_keys=False))

    assert main(["gaps", "--kb", str(kb), "--format", "json"]) == 0
    remaining = json.loads(capsys.readouterr().out)
    assert len(remaining) == 1
    assert remaining[0]["example"] != filled[0]["examples"][0]


def todo_lines(text: str) -> list[int]:
    """The lines of a draft that still hold a TODO an answer would show (severity has none to
    show: an unfilled one is reported as not one of the three)."""
    return [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if TODO in line and not line.lstrip().startswith(("severity:", "#"))
    ]


def test_syncdoc_gaps_into_the_checkout_fails_lint_until_every_todo_is_replaced(
    syncdoc_env, engine, store, tmp_path, monkeypatch, capsys
):
    record(engine, store, UNKNOWN_PASTES[0], "U1")
    checkout = tmp_path / "checkout"
    shutil.copytree(bundled_kb_path(), checkout / "knowledge")
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("SYNCDOC_KB", raising=False)
    draft = checkout / "knowledge" / "new.yaml"

    main(["gaps"])  # syncdoc gaps > knowledge/new.yaml
    draft.write_text(capsys.readouterr().out)
    assert main(["lint"]) == 1
    reported = [line for line in capsys.readouterr().out.splitlines() if "placeholder" in line]
    assert [int(line.split(":")[1]) for line in reported] == todo_lines(draft.read_text())
    assert all(line.startswith("knowledge/new.yaml:") for line in reported)

    [entry] = fill_placeholders(yaml.safe_load(draft.read_text()))
    entry["meaning"] = "TODO: what the error means, in plain words"
    draft.write_text(yaml.safe_dump([entry], sort_keys=False))
    assert main(["lint"]) == 1
    [problem] = capsys.readouterr().out.splitlines()
    assert "meaning is still a placeholder" in problem

    entry["meaning"] = "Linnworks could not import the order because the postcode is invalid."
    draft.write_text(yaml.safe_dump([entry], sort_keys=False))
    assert main(["lint"]) == 0
    assert capsys.readouterr().out == f"knowledge/: {len(engine.kb) + 1} entries, clean\n"


def test_syncdoc_gaps_with_an_empty_inbox_says_so(syncdoc_env, capsys):
    assert main(["gaps"]) == 0
    assert "No unknown errors" in capsys.readouterr().out


def test_syncdoc_gaps_rejects_a_limit_below_one(syncdoc_env, capsys):
    assert main(["gaps", "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err
