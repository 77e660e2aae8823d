"""Issue 11's rule for bot/, kept: no class over 150 lines, and no module over 300 lines unless
its docstring says why, in a paragraph that starts "Why this module is long:".

Read from the source, so a failure names the file and the class."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent
MAX_MODULE_LINES = 300
MAX_CLASS_LINES = 150
REASON = "Why this module is long:"

SOURCES = sorted(BOT.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(BOT.parent).as_posix()


def _class_lengths() -> dict[str, int]:
    lengths = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                lengths[f"{_name(path)}:{node.name}"] = node.end_lineno - node.lineno + 1
    return lengths


def _long_modules_without_a_reason() -> set[str]:
    found = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(source)) or ""
        says_why = any(line.startswith(REASON) for line in docstring.splitlines())
        if len(source.splitlines()) > MAX_MODULE_LINES and not says_why:
            found.add(_name(path))
    return found


def test_no_class_is_over_150_lines():
    long = {name: n for name, n in _class_lengths().items() if n > MAX_CLASS_LINES}
    assert not long, f"classes over {MAX_CLASS_LINES} lines: {long}"


def test_no_module_is_over_300_lines_without_saying_why_at_its_top():
    unexpected = _long_modules_without_a_reason()
    assert not unexpected, (
        f"over {MAX_MODULE_LINES} lines with no line starting {REASON!r} in the docstring: "
        f"{sorted(unexpected)}"
    )
