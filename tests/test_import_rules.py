"""How bot/'s modules may import each other: no cycle, data flowing one way (the pipeline knows
nothing of its presentation, presentation nothing of Slack), the settings without the knowledge
base, the running bot without the linter, and a valid knowledge base loaded without jsonschema.

Read from the source, so a rule names the import that breaks it. Imports inside functions load
only when called and are counted only where a rule is about any dependency at all; imports under
`if TYPE_CHECKING:` never run and are not counted."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import bot

BOT = Path(bot.__file__).parent
PIPELINE = (
    "bot.config",
    "bot.engine",
    "bot.inbox",
    "bot.kb_schema",
    "bot.kb_yaml",
    "bot.knowledge",
    "bot.lint",
    "bot.loadcache",
    "bot.match",
    "bot.normalise",
    "bot.paths",
    "bot.redact",
    "bot.reload",
    "bot.search",
    "bot.stats",
    "bot.triage",
)
"""Modules that make the data; presentation (bot.render) and transport come after them."""
RUNNING_BOT = ("bot.slack.app", "bot.slack.maintainers", "bot.slack.startup", "bot.cli")
"""What `syncdoc run` and `syncdoc serve` load before the first request."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(BOT.rglob("*.py"))}


@cache
def imports(module: str, *, top_level_only: bool) -> frozenset[str]:
    """The bot modules `module` imports, except under `if TYPE_CHECKING:`."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function = True
        if not (top_level_only and in_function):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, in_function=False)
    return frozenset(name for name in found if name in MODULES and name != module)


def loaded_with(module: str) -> set[str]:
    """Every bot module importing `module` loads (its module-level imports, transitively)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(imports(current, top_level_only=True))
    return seen - {module}


def test_the_rules_know_every_module_they_name():
    assert set(PIPELINE) | set(RUNNING_BOT) <= set(MODULES)


def test_no_import_cycle_even_through_imports_inside_functions():
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for other in sorted(imports(module, top_level_only=False)):
            if state.get(other) == "open":
                cycle = [*path[path.index(other) :], other]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, [*path, other])
        state[module] = "done"

    for module in MODULES:
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("module", PIPELINE)
def test_the_pipeline_knows_nothing_of_its_presentation_or_transport(module):
    sideways = {
        other
        for other in imports(module, top_level_only=False)
        if other.startswith(("bot.render", "bot.slack", "bot.cli"))
    }
    assert not sideways, f"{module} imports {sorted(sideways)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("bot.render")))
def test_presentation_knows_nothing_of_slack_transport_or_the_command_line(module):
    sideways = {
        other
        for other in imports(module, top_level_only=False)
        if other.startswith(("bot.slack", "bot.cli"))
    }
    assert not sideways, f"{module} imports {sorted(sideways)}"


def test_the_settings_do_not_load_the_knowledge_base():
    assert "bot.knowledge" not in loaded_with("bot.config")


@pytest.mark.parametrize("module", RUNNING_BOT)
def test_the_running_bot_does_not_load_the_linter(module):
    assert "bot.lint" not in loaded_with(module)


def test_a_valid_knowledge_base_loads_without_jsonschema():
    # A fresh interpreter: this one has imported jsonschema for other tests.
    check = (
        "import sys\n"
        "from bot.knowledge import bundled_kb_path, load_knowledge_base\n"
        "load_knowledge_base(bundled_kb_path())\n"
        "print('jsonschema' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
