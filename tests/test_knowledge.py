from __future__ import annotations

import re

import pytest
import yaml

from bot.exceptions import KnowledgeBaseError
from bot.knowledge import bundled_kb_path, load_knowledge_base

from conftest import CATALOGUE, VALID_ENTRY


def problems_of(folder) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(folder)
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_into_entries(write_kb):
    kb = load_knowledge_base(write_kb(**{"demo.yaml": VALID_ENTRY}))
    entry = kb.by_id["demo-token-expired"]
    assert entry.severity == "action_required"
    assert entry.fix == ("Re-authorise the channel.",)
    assert entry.escalate_after == 5
    assert entry.line == 1


def test_yaml_syntax_error_names_file_and_line(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY + "  tags: [unclosed\n"})
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{folder / 'demo.yaml'}:")
    assert "YAML syntax error" in problem


def test_missing_key_points_at_the_entry(write_kb):
    text = VALID_ENTRY.replace("  fix:\n    - Re-authorise the channel.\n", "")
    folder = write_kb(**{"demo.yaml": text})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:1: entry 'demo-token-expired': missing required key 'fix'"
    ]


def test_unknown_key_points_at_its_own_line(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY + "  regex: '(a+)+$'\n"})
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{folder / 'demo.yaml'}:13: entry 'demo-token-expired': ")
    assert "unknown key 'regex'" in problem


def test_bad_severity_is_named_with_the_choices(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY.replace("action_required", "urgent")})
    (problem,) = problems_of(folder)
    assert problem == (
        f"{folder / 'demo.yaml'}:4: entry 'demo-token-expired': severity must be one of "
        "transient, action_required, info, not 'urgent'"
    )


def test_plain_http_article_is_rejected(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY.replace("https://", "http://")})
    (problem,) = problems_of(folder)
    assert problem.endswith("article.url must be an https:// URL, not 'http://example.com/demo'")
    assert ":12:" in problem


def test_duplicate_id_across_files_names_both_places(write_kb):
    folder = write_kb(**{"a.yaml": VALID_ENTRY, "b.yaml": "# second\n" + VALID_ENTRY})
    assert problems_of(folder) == [
        f"{folder / 'b.yaml'}:2: duplicate id 'demo-token-expired' "
        f"(first defined at {folder / 'a.yaml'}:1)"
    ]


def test_key_written_twice_is_reported(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY + "  title: Another title\n"})
    (problem,) = problems_of(folder)
    assert problem == f"{folder / 'demo.yaml'}:13: key 'title' appears twice"


def test_escalate_after_only_on_transient_entries(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY + "  escalate_after: 3\n"})
    (problem,) = problems_of(folder)
    assert problem.endswith("escalate_after only applies to transient entries")


def test_file_that_is_not_a_list_is_explained(write_kb):
    folder = write_kb(**{"demo.yaml": "id: lonely\n"})
    (problem,) = problems_of(folder)
    assert "must be a list of entries" in problem


def test_invalid_utf8_names_the_line(write_kb, tmp_path):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY})
    (folder / "demo.yaml").write_bytes(VALID_ENTRY.encode() + b"# caf\xe9\n")
    (problem,) = problems_of(folder)
    assert problem == f"{folder / 'demo.yaml'}:13: file is not valid UTF-8"


def test_unsafe_yaml_tags_are_refused(write_kb):
    folder = write_kb(**{"demo.yaml": "- !!python/object/apply:os.system ['echo hacked']\n"})
    (problem,) = problems_of(folder)
    assert "YAML" in problem and ":1:" in problem


def test_every_problem_is_reported_not_just_the_first(write_kb):
    folder = write_kb(
        **{
            "a.yaml": VALID_ENTRY.replace("action_required", "urgent"),
            "b.yaml": "- id: [broken\n",
        }
    )
    problems = problems_of(folder)
    assert len(problems) == 2
    assert {p.split(":")[0] for p in problems} == {str(folder / "a.yaml"), str(folder / "b.yaml")}


def test_missing_folder_is_a_clear_problem(tmp_path):
    missing = tmp_path / "nowhere"
    assert problems_of(missing) == [f"{missing}:0: knowledge base folder not found"]


def test_empty_file_is_allowed_beside_others(write_kb):
    kb = load_knowledge_base(write_kb(**{"demo.yaml": VALID_ENTRY, "new.yaml": ""}))
    assert [e.id for e in kb] == ["demo-token-expired"]


def test_bundled_knowledge_base_has_every_catalogue_id():
    if not CATALOGUE.exists():
        pytest.skip("the shared catalogue is not beside this checkout")
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    kb = load_knowledge_base(bundled_kb_path())
    assert sorted(e.id for e in kb) == sorted(e["id"] for e in catalogue)


def test_bundled_patterns_keep_the_catalogue_texts_exactly():
    if not CATALOGUE.exists():
        pytest.skip("the shared catalogue is not beside this checkout")
    catalogue = {e["id"]: e for e in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))}
    kb = load_knowledge_base(bundled_kb_path())
    for entry in kb:
        for message in catalogue[entry.id]["messages"]:
            assert any(_says(pattern, message) for pattern in entry.patterns), (entry.id, message)
        assert entry.severity == catalogue[entry.id]["severity"], entry.id


def _says(pattern: str, message: str) -> bool:
    """The pattern is the message, or the message with a varying part as a <placeholder>."""
    parts = re.split(r"<[^<>]+>", pattern)
    return (
        pattern == message
        or re.fullmatch(r"\S+".join(re.escape(p) for p in parts), message) is not None
    )


def test_settings_file_is_read_into_the_base_settings(write_kb):
    folder = write_kb(
        **{
            "demo.yaml": VALID_ENTRY,
            "settings.yaml": "channels:\n  amazon: [Amazon, AMZ]\narticle_hosts: [help.linnworks.com]\n",
        }
    )
    kb = load_knowledge_base(folder)
    assert len(kb) == 1
    assert kb.settings.channels["amazon"] == ("Amazon", "AMZ")
    assert kb.settings.article_hosts == ("help.linnworks.com",)
    assert kb.settings.success_phrases == ()


def test_a_bad_settings_key_names_file_and_line(write_kb):
    folder = write_kb(
        **{"demo.yaml": VALID_ENTRY, "settings.yaml": "channels: {}\nhosts: [a.example]\n"}
    )
    assert problems_of(folder) == [
        f"{folder / 'settings.yaml'}:2: unknown settings key 'hosts' "
        "(allowed: article_hosts, channels, other_systems, success_phrases)"
    ]


def test_a_settings_channel_must_be_a_kebab_case_id(write_kb):
    folder = write_kb(
        **{"demo.yaml": VALID_ENTRY, "settings.yaml": "channels:\n  Amazon UK: [Amazon]\n"}
    )
    assert problems_of(folder) == [
        f"{folder / 'settings.yaml'}:2: settings channels: 'Amazon UK' must be a kebab-case "
        "channel id"
    ]


def test_the_bundled_settings_file_is_valid():
    assert load_knowledge_base(bundled_kb_path()).settings is not None


def test_generic_may_only_list_the_entrys_own_patterns(write_kb):
    entry = VALID_ENTRY.replace("  patterns:\n", "  generic: ['423 Locked']\n  patterns:\n")
    folder = write_kb(**{"demo.yaml": entry})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:5: entry 'demo-token-expired': generic lists '423 Locked', "
        "which is not one of its patterns"
    ]


def test_generic_true_makes_every_pattern_generic(write_kb):
    entry = VALID_ENTRY.replace("  patterns:\n", "  generic: true\n  patterns:\n")
    (loaded,) = load_knowledge_base(write_kb(**{"demo.yaml": entry})).entries
    assert loaded.generic_patterns == loaded.patterns
