from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot import knowledge
from bot.exceptions import KnowledgeBaseError
from bot.kb_yaml import MAX_FILE_BYTES, MAX_NODES
from bot.knowledge import bundled_kb_path, load_knowledge_base
from bot.testing.hostile_kb import ALIAS_BOMB, ALIAS_BOMB_PROBLEM

from conftest import CATALOGUE, MORE_CATALOGUE, VALID_ENTRY


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


def test_an_entry_without_an_article_loads_with_none(write_kb):
    text = VALID_ENTRY.split("  article:\n")[0]
    entry = load_knowledge_base(write_kb(**{"demo.yaml": text})).by_id["demo-token-expired"]
    assert entry.article is None


def test_sources_are_read_in_order(write_kb):
    text = (
        VALID_ENTRY + "  sources:\n    - https://example.com/one\n    - https://example.com/two\n"
    )
    entry = load_knowledge_base(write_kb(**{"demo.yaml": text})).by_id["demo-token-expired"]
    assert entry.sources == ("https://example.com/one", "https://example.com/two")


def test_a_source_that_is_not_https_names_its_line(write_kb):
    text = VALID_ENTRY + "  sources:\n    - https://example.com/one\n    - forum post\n"
    folder = write_kb(**{"demo.yaml": text})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:15: entry 'demo-token-expired': sources.1 must be an https:// "
        "URL, not 'forum post'"
    ]


def test_a_placeholder_left_in_an_answer_text_names_its_line(write_kb):
    text = VALID_ENTRY.replace("Re-authorise the channel.", "'TODO: the first thing to do'")
    folder = write_kb(**{"demo.yaml": text})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:9: entry 'demo-token-expired': fix step 1 is still a placeholder "
        "('TODO: the first thing to do'); write it, or the entry is not served"
    ]


@pytest.mark.parametrize(
    ("original", "draft", "line", "where"),
    [
        ("title: Demo token expired", "title: TODO name it", 2, "title"),
        ("meaning: The token", "meaning: TODO explain. The token", 7, "meaning"),
        ("title: Demo article", "title: TODO pick the article", 11, "article.title"),
        ("url: https://example.com/demo", "url: https://TODO.example.com/", 12, "article.url"),
    ],
)
def test_every_answer_text_is_checked_for_placeholders(write_kb, original, draft, line, where):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY.replace(original, draft, 1)})
    [problem] = problems_of(folder)
    assert problem.startswith(
        f"{folder / 'demo.yaml'}:{line}: entry 'demo-token-expired': {where} "
    )


@pytest.mark.parametrize(
    "written", ['"\\x54ODO: the first thing to do"', '"TO\\\n    DO: the first thing to do"']
)
def test_a_placeholder_written_with_escapes_is_found(write_kb, written):
    text = VALID_ENTRY.replace("Re-authorise the channel.", written)
    folder = write_kb(**{"demo.yaml": text})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:9: entry 'demo-token-expired': fix step 1 is still a placeholder "
        "('TODO: the first thing to do'); write it, or the entry is not served"
    ]


def test_a_todo_in_the_maintainers_notes_is_allowed(write_kb):
    text = VALID_ENTRY + "  notes: TODO find a second source\n"
    assert len(load_knowledge_base(write_kb(**{"demo.yaml": text}))) == 1


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
    if not (CATALOGUE.exists() and MORE_CATALOGUE.exists()):
        pytest.skip("the shared catalogues are not beside this checkout")
    catalogue = [
        *yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")),
        *yaml.safe_load(MORE_CATALOGUE.read_text(encoding="utf-8")),
    ]
    kb = load_knowledge_base(bundled_kb_path())
    assert sorted(e.id for e in kb) == sorted(e["id"] for e in catalogue)


def test_bundled_patterns_keep_the_catalogue_texts_exactly():
    if not CATALOGUE.exists():
        pytest.skip("the shared catalogue is not beside this checkout")
    catalogue = {e["id"]: e for e in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))}
    kb = load_knowledge_base(bundled_kb_path())
    for entry in kb:
        if entry.id not in catalogue:
            continue  # The second catalogue's entries: see the test below.
        for message in catalogue[entry.id]["messages"]:
            assert any(_says(pattern, message) for pattern in entry.patterns), (entry.id, message)
        assert entry.severity == catalogue[entry.id]["severity"], entry.id


# Texts of the second catalogue that are not patterns of their entry, and why (see its notes).
NOT_PATTERNS = {
    ("woocommerce-consumer-secret-invalid", "woocommerce_rest_authentication_error"): (
        "the bare code is woocommerce-invalid-signature's"
    ),
    ("woocommerce-rest-forbidden", "Sorry, you are not allowed to do that."): (
        "scores 86-88 on the near twins' 'Sorry, you are not allowed to view/create' sentences"
    ),
    (
        "shopify-graphql-throttled",
        '{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}',
    ): ("a compacted body, not the source's text; kept as an example"),
}


def _as_pattern(message: str) -> re.Pattern[str]:
    """The catalogue writes a varying part as XXX; a pattern writes it as a named <placeholder>."""
    return re.compile(re.escape(message).replace("XXX", "<[^<>]+>"))


def test_bundled_patterns_keep_the_second_catalogue_texts_with_named_placeholders():
    if not MORE_CATALOGUE.exists():
        pytest.skip("the shared catalogue is not beside this checkout")
    kb = load_knowledge_base(bundled_kb_path())
    for item in yaml.safe_load(MORE_CATALOGUE.read_text(encoding="utf-8")):
        entry = kb.by_id[item["id"]]
        assert (entry.severity, entry.channel) == (item["severity"], item["channel"]), entry.id
        assert item["source_url"] in entry.sources, entry.id
        for message in item["messages"]:
            if (entry.id, message) in NOT_PATTERNS:
                assert message not in entry.patterns
                continue
            assert any(_as_pattern(message).fullmatch(p) for p in entry.patterns), (
                entry.id,
                message,
            )


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
        "(allowed: article_hosts, channels, connection_tags, linnworks, not_linnworks, other_systems, "
        "outside_linnworks, outside_signs, own_code, platform_namespaces, success_phrases, "
        "success_words)"
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


# --- Bounds: what a file may cost to load ---------------------------------------------------------


def test_an_alias_bomb_is_one_problem_at_the_first_alias(write_kb):
    folder = write_kb(**{"good.yaml": VALID_ENTRY, "bomb.yaml": ALIAS_BOMB})
    assert problems_of(folder) == [f"{folder / 'bomb.yaml'}{ALIAS_BOMB_PROBLEM}"]


def test_a_single_alias_is_refused_too(write_kb):
    text = VALID_ENTRY.replace(
        "  fix:\n    - Re-authorise the channel.\n",
        "  fix: &steps\n    - Re-authorise the channel.\n",
    )
    text += VALID_ENTRY.replace("demo-token-expired", "demo-other").replace(
        "  fix:\n    - Re-authorise the channel.\n", "  fix: *steps\n"
    )
    folder = write_kb(**{"demo.yaml": text})
    assert problems_of(folder) == [
        f"{folder / 'demo.yaml'}:20: YAML alias '*steps' is not allowed in the knowledge base: "
        "write the value out in full"
    ]


def test_an_alias_bomb_in_the_settings_file_is_one_problem(write_kb):
    bomb = "channels:\n  ebay: &a [ebay, ebay]\n  amazon: [*a, *a]\n"
    folder = write_kb(**{"demo.yaml": VALID_ENTRY, "settings.yaml": bomb})
    assert problems_of(folder) == [
        f"{folder / 'settings.yaml'}:3: YAML alias '*a' is not allowed in the knowledge base: "
        "write the value out in full"
    ]


def test_a_file_over_the_size_limit_is_refused_unparsed(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY})
    (folder / "huge.yaml").write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    assert problems_of(folder) == [
        f"{folder / 'huge.yaml'}:1: file is more than 256 kB, the most one knowledge base file "
        "may be; split it into several files"
    ]


def test_nesting_beyond_the_limit_is_refused(write_kb):
    folder = write_kb(**{"deep.yaml": "- fix: " + "[" * 30 + "]" * 30 + "\n"})
    assert problems_of(folder) == [
        f"{folder / 'deep.yaml'}:1: nested more than 20 levels deep; an entry needs 4"
    ]


def test_nesting_deeper_than_libyaml_allows_is_a_syntax_error_not_a_crash(write_kb):
    folder = write_kb(**{"deep.yaml": "- fix: " + "[" * 5000 + "]" * 5000 + "\n"})
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{folder / 'deep.yaml'}:1: YAML syntax error:")


def test_a_file_of_too_many_values_is_refused(write_kb):
    folder = write_kb(**{"flood.yaml": "- [" + "1," * MAX_NODES + "1]\n"})
    assert problems_of(folder) == [
        f"{folder / 'flood.yaml'}:1: more than {MAX_NODES} YAML values in one file; "
        "split it into several files"
    ]


def test_a_base_of_too_many_entries_is_refused(write_kb, monkeypatch):
    monkeypatch.setattr(knowledge, "MAX_ENTRIES", 1)
    other = VALID_ENTRY.replace("demo-token-expired", "demo-other")
    folder = write_kb(**{"a.yaml": VALID_ENTRY, "b.yaml": other})
    assert problems_of(folder) == [f"{folder}:0: 2 entries; a knowledge base holds at most 1"]


def test_a_long_wrong_value_is_quoted_short(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY.replace("action_required", "x" * 5000)})
    (problem,) = problems_of(folder)
    assert "severity must be one of transient, action_required, info, not 'xxx" in problem
    assert len(problem) < len(str(folder)) + 200


def test_a_file_wrong_everywhere_is_reported_in_a_page(write_kb):
    entries = "".join(f"- id: Bad Id {n}\n" for n in range(500))
    folder = write_kb(**{"demo.yaml": entries})
    problems = problems_of(folder)
    assert len(problems) == knowledge.MAX_PROBLEMS_PER_FILE + 1
    assert problems[-1].endswith(
        "more problems in this file are not listed: fix these, then run `syncdoc lint` again"
    )


def test_an_unreadable_file_is_a_problem_not_skipped(write_kb, unreadable):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY, "locked.yaml": VALID_ENTRY})
    unreadable(folder / "locked.yaml")
    assert problems_of(folder) == [
        f"{folder / 'locked.yaml'}:0: cannot read this file: Permission denied"
    ]


def test_a_link_to_a_file_that_is_gone_is_a_problem_not_skipped(write_kb):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY})
    (folder / "moved.yaml").symlink_to(folder.parent / "nowhere.yaml")
    (folder / ".#demo.yaml").symlink_to("root@host.1234:1795770000")  # an editor's lock
    assert problems_of(folder) == [
        f"{folder / 'moved.yaml'}:0: cannot read this file: No such file or directory"
    ]


def test_an_unreadable_folder_is_a_problem(write_kb, monkeypatch):
    folder = write_kb(**{"demo.yaml": VALID_ENTRY})
    real_iterdir = Path.iterdir

    def refuse_folder(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refuse_folder)
    assert problems_of(folder) == [f"{folder}:0: cannot read this folder: Permission denied"]


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
