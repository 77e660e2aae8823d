"""Checking a knowledge base file against the JSON Schemas shipped beside the YAML.

Every file gets the fast check, a compiled schema (fastjsonschema), some fifteen times quicker
than jsonschema. Only a file that fails it is validated again by jsonschema, whose errors carry
the exact path that is turned into a line here; jsonschema is imported then and only then, so a
valid base loads without it (start-up time). Problems come back as `(line, message)`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema
import yaml

from bot.kb_yaml import MAX_PROBLEMS_PER_FILE, LineProblem, key_line, node_at, quote
from bot.paths import bundled_kb_path

if TYPE_CHECKING:
    import jsonschema

SCHEMA_FILE = "schema.json"
SETTINGS_SCHEMA_FILE = "settings.schema.json"


@cache
def load_schema(name: str = SCHEMA_FILE) -> dict[str, Any]:
    """The JSON Schema a knowledge base file is validated against (shipped beside the YAML):
    `schema.json` for entry files, `settings.schema.json` for `settings.yaml`."""
    return json.loads((bundled_kb_path() / name).read_text(encoding="utf-8"))


def is_valid(data: Any, name: str = SCHEMA_FILE) -> bool:
    """The fast check: whether `data` is valid against the schema `name`."""
    try:
        _compiled_schema(name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def entry_file_problems(root: yaml.Node, data: Any) -> list[LineProblem]:
    """What is wrong with an entry file the fast check refused, each at its line."""
    return [
        problem
        for error in _first_errors(SCHEMA_FILE, data)
        for problem in _entry_problem(root, data, error)
    ]


def settings_problems(root: yaml.Node, data: Any) -> list[LineProblem]:
    """What is wrong with a `settings.yaml` the fast check refused, each at its line."""
    problems: list[LineProblem] = []
    for error in _first_errors(SETTINGS_SCHEMA_FILE, data):
        path = list(error.absolute_path)
        value_node, key_node = node_at(root, path)
        line = (key_node or value_node).start_mark.line + 1
        where = ".".join(str(p) for p in path) or "the file"
        if not path and error.validator == "type":
            problems.append((line, "settings must be a mapping (channels: ...)"))
        elif error.validator == "additionalProperties" and not path:
            allowed = ", ".join(sorted(error.schema.get("properties", {})))
            for key in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                problems.append(
                    (
                        key_line(root, [key], line),
                        f"unknown settings key {quote(repr(key))} (allowed: {allowed})",
                    )
                )
        elif "propertyNames" in error.schema_path:
            key = error.instance
            problems.append(
                (
                    key_line(root, [*path, key], line),
                    f"settings {where}: {quote(repr(key))} must be a kebab-case channel id",
                )
            )
        else:
            problems.append((line, f"settings {where}: {quote(error.message)}"))
    return problems


@cache
def _compiled_schema(name: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(load_schema(name))


def _first_errors(name: str, data: Any) -> list[jsonschema.ValidationError]:
    """The first `MAX_PROBLEMS_PER_FILE` schema errors, in document order: a file wrong
    everywhere is reported in a page, not in ten thousand lines."""
    import jsonschema  # Only for a file that failed the fast check (see the module's docstring).

    validator = jsonschema.Draft202012Validator(load_schema(name))
    errors = itertools.islice(validator.iter_errors(data), MAX_PROBLEMS_PER_FILE)
    return sorted(errors, key=lambda e: list(e.absolute_path))


def _entry_problem(
    root: yaml.Node, data: Any, error: jsonschema.ValidationError
) -> Iterator[LineProblem]:
    path = list(error.absolute_path)
    node, key_node = node_at(root, path)
    line = (key_node or node).start_mark.line + 1
    prefix = ""
    if path and isinstance(path[0], int) and isinstance(data[path[0]], dict):
        entry_id = data[path[0]].get("id")
        prefix = (
            f"entry {quote(repr(entry_id))}: "
            if isinstance(entry_id, str)
            else f"entry #{path[0] + 1}: "
        )
    where = ".".join(str(p) for p in path[1:])

    if not path:
        yield line, "the file must be a list of entries, each starting with '- id:'"
    elif error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        for key in missing:
            target = f"{where}." if where else ""
            yield line, f"{prefix}missing required key '{target}{key}'"
    elif error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            yield (
                key_line(root, [*path, key], line),
                f"{prefix}unknown key {quote(repr(key))} (allowed: {', '.join(allowed)})",
            )
    elif error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        yield line, f"{prefix}{where} must be one of {choices}, not {quote(repr(error.instance))}"
    elif (where.endswith("url") or where.startswith("sources.")) and error.validator == "pattern":
        yield line, f"{prefix}{where} must be an https:// URL, not {quote(repr(error.instance))}"
    elif where == "id" and error.validator == "pattern":
        yield (
            line,
            f"{prefix}id must be kebab-case (a-z, 0-9, '-'): {quote(repr(error.instance))}",
        )
    elif error.validator == "type":
        expected = error.validator_value
        yield line, f"{prefix}{where or 'entry'} must be of type {expected}"
    else:
        yield line, f"{prefix}{where}: {quote(error.message)}"
