"""`syncdoc lint` beyond the self-test (bot/lint.py): the hosts an article may be on, the entry
count every run names, and placeholders left in drafts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.knowledge import bundled_kb_path, load_knowledge_base
from bot.lint import lint, lint_folder

from conftest import VALID_ENTRY

CONTENT_FARM = "https://openillumi.com/en/en-woocommerce-api-401-error-solve-oauth1"
HOSTS = "article_hosts:\n  - help.linnworks.com\n  - shopify.dev\n"


def test_an_article_on_a_content_farm_is_a_problem_at_its_url_line(write_kb):
    entry = VALID_ENTRY.replace("https://example.com/demo", CONTENT_FARM)
    folder = write_kb(**{"demo.yaml": entry, "settings.yaml": HOSTS})
    assert [str(p) for p in lint(folder)] == [
        f"{folder / 'demo.yaml'}:12: entry 'demo-token-expired': article host 'openillumi.com' "
        "is not in article_hosts (settings.yaml); link Linnworks' help or the channel's official "
        "documentation, or leave the article out"
    ]


def test_an_article_on_an_allowed_host_passes(write_kb):
    entry = VALID_ENTRY.replace("https://example.com/demo", "https://shopify.dev/docs/api")
    assert lint(write_kb(**{"demo.yaml": entry, "settings.yaml": HOSTS})) == []


def test_an_entry_without_an_article_needs_no_allowed_host(write_kb):
    entry = VALID_ENTRY.split("  article:\n")[0]
    assert lint(write_kb(**{"demo.yaml": entry, "settings.yaml": HOSTS})) == []


def test_a_base_that_lists_no_article_hosts_accepts_any_https_article(write_kb):
    entry = VALID_ENTRY.replace("https://example.com/demo", CONTENT_FARM)
    assert lint(write_kb(**{"demo.yaml": entry})) == []


def test_every_bundled_article_is_on_a_host_the_bundled_settings_allow():
    kb = load_knowledge_base(bundled_kb_path())
    hosts = {urlsplit(e.article.url).hostname for e in kb if e.article}
    assert hosts and hosts <= set(kb.settings.article_hosts)


def test_a_run_counts_the_entries_it_checked(write_kb):
    twin = VALID_ENTRY.replace("demo-token-expired", "demo-other").replace("demo auth", "demo")
    result = lint_folder(write_kb(**{"a.yaml": VALID_ENTRY, "b.yaml": twin}))
    assert result.entries == 2


def test_a_base_that_does_not_load_still_has_its_entries_counted(write_kb):
    broken = VALID_ENTRY.replace("action_required", "urgent")
    result = lint_folder(write_kb(**{"a.yaml": VALID_ENTRY, "b.yaml": broken}))
    assert (result.entries, len(result.problems)) == (2, 1)


def test_the_pre_commit_hook_runs_the_installed_syncdoc_lint_once_per_commit():
    root = Path(__file__).resolve().parent.parent
    [hook] = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    scripts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert hook["id"] == "syncdoc-lint"
    assert hook["entry"].split()[0] in scripts and hook["entry"].split()[1:] == ["lint"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("knowledge/amazon.yaml") and files.search("knowledge/schema.json")
    assert not files.search("bot/lint.py")
