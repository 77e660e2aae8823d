"""Loading and validating the YAML knowledge base into an immutable `KnowledgeBase`.

Every problem a maintainer can cause is reported as a `Problem` that names the file and the line,
so that a broken edit never surfaces as a traceback.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import fastjsonschema
import jsonschema
import yaml

from bot.exceptions import KnowledgeBaseError

Severity = Literal["transient", "action_required", "info"]
SEVERITIES: tuple[Severity, ...] = ("transient", "action_required", "info")
DEFAULT_ESCALATE_AFTER = 5
SCHEMA_FILE = "schema.json"
SETTINGS_FILE = "settings.yaml"
SETTINGS_SCHEMA_FILE = "settings.schema.json"
KB_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, printed as `FILE:LINE: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Article:
    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One known error, as a maintainer wrote it."""

    id: str
    title: str
    channel: str
    severity: Severity
    patterns: tuple[str, ...]
    meaning: str
    fix: tuple[str, ...]
    article: Article
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    escalate_after: int = DEFAULT_ESCALATE_AFTER
    tags: tuple[str, ...] = ()
    # Patterns other systems show too ("423 Locked"): claimed only where the paste names the
    # entry's channel (settings.yaml `channels:`).
    generic_patterns: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    # Where each pattern and example sits, for lint messages that point at the exact line.
    pattern_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    example_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    counter_example_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class KnowledgeSettings:
    """What `settings.yaml` says for the whole base; every part may be left empty."""

    channels: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    success_phrases: tuple[str, ...] = ()
    article_hosts: tuple[str, ...] = ()
    other_systems: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """All entries of a knowledge base folder, validated. Never mutated: reloads build a new one."""

    entries: tuple[Entry, ...]
    path: Path
    fingerprint: str
    by_id: Mapping[str, Entry] = field(compare=False, repr=False)
    settings: KnowledgeSettings = field(default_factory=KnowledgeSettings)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)


def bundled_kb_path() -> Path:
    """The knowledge base shipped with syncdoc: inside the installed package, else the repo's."""
    packaged = resources.files("bot") / "knowledge"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "knowledge"


@cache
def load_schema(name: str = SCHEMA_FILE) -> dict[str, Any]:
    """The JSON Schema a knowledge base file is validated against (shipped beside the YAML):
    `schema.json` for entry files, `settings.schema.json` for `settings.yaml`."""
    return json.loads((bundled_kb_path() / name).read_text(encoding="utf-8"))


def kb_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.suffix in KB_SUFFIXES and p.is_file())


def fingerprint(path: Path) -> str:
    """A digest of the folder's YAML files' names and contents: equal digests, equal bases."""
    digest = hashlib.sha256()
    if path.is_dir():
        for file in kb_files(path):
            _add_to_digest(digest, file, file.read_bytes())
    return digest.hexdigest()


def _add_to_digest(digest: Any, file: Path, raw: bytes) -> None:
    digest.update(file.name.encode() + b"\0" + raw + b"\0")


def load_knowledge_base(path: Path | str) -> KnowledgeBase:
    """Load and validate every `*.yaml` file in `path`.

    Raises `KnowledgeBaseError` carrying every problem found, never a partial base.
    """
    root = Path(path)
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), 0, "knowledge base folder not found")])
    files = kb_files(root)
    if not files:
        raise KnowledgeBaseError([Problem(str(root), 0, "no *.yaml files in this folder")])

    problems: list[Problem] = []
    entries: list[Entry] = []
    first_seen: dict[str, Entry] = {}
    settings = KnowledgeSettings()
    digest = hashlib.sha256()
    for file in files:
        raw = file.read_bytes()
        _add_to_digest(digest, file, raw)
        if file.name == SETTINGS_FILE:
            settings, file_problems = _load_settings(file, raw)
            problems.extend(file_problems)
            continue
        file_entries, file_problems = _load_file(file, raw)
        problems.extend(file_problems)
        for entry in file_entries:
            other = first_seen.get(entry.id)
            if other is not None:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        f"duplicate id '{entry.id}' (first defined at {other.file}:{other.line})",
                    )
                )
                continue
            first_seen[entry.id] = entry
            entries.append(entry)
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(
        entries=tuple(entries),
        path=root,
        fingerprint=digest.hexdigest(),
        by_id=MappingProxyType(dict(first_seen)),
        settings=settings,
    )


def _read_yaml(file: Path, raw: bytes) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """Decode and parse one file safely: (node tree, data, problems that stop its use)."""
    name = str(file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, None, [Problem(name, line, "file is not valid UTF-8")]
    try:
        node, data = _parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        return None, None, [Problem(name, line, f"YAML syntax error: {reason}")]
    except yaml.YAMLError as exc:
        return None, None, [Problem(name, 1, f"YAML error: {exc}")]
    return node, data, []


def _load_settings(file: Path, raw: bytes) -> tuple[KnowledgeSettings, list[Problem]]:
    name = str(file)
    node, data, problems = _read_yaml(file, raw)
    if problems or node is None:
        return KnowledgeSettings(), problems
    problems = [Problem(name, line, msg) for line, msg in _duplicate_keys(node)]
    validator = jsonschema.Draft202012Validator(load_schema(SETTINGS_SCHEMA_FILE))
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        value_node, key_node = _node_at(node, path)
        line = (key_node or value_node).start_mark.line + 1
        where = ".".join(str(p) for p in path) or "the file"
        if not path and error.validator == "type":
            problems.append(Problem(name, line, "settings must be a mapping (channels: ...)"))
        elif error.validator == "additionalProperties" and not path:
            allowed = ", ".join(sorted(error.schema.get("properties", {})))
            for key in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                problems.append(
                    Problem(
                        name,
                        _key_line(node, [key], line),
                        f"unknown settings key '{key}' (allowed: {allowed})",
                    )
                )
        elif "propertyNames" in error.schema_path:
            key = error.instance
            problems.append(
                Problem(
                    name,
                    _key_line(node, [*path, key], line),
                    f"settings {where}: '{key}' must be a kebab-case channel id",
                )
            )
        else:
            problems.append(Problem(name, line, f"settings {where}: {error.message}"))
    if problems:
        return KnowledgeSettings(), sorted(problems, key=lambda p: p.line)
    return (
        KnowledgeSettings(
            channels=MappingProxyType(
                {channel: tuple(words) for channel, words in data.get("channels", {}).items()}
            ),
            success_phrases=tuple(data.get("success_phrases", ())),
            article_hosts=tuple(data.get("article_hosts", ())),
            other_systems=tuple(data.get("other_systems", ())),
        ),
        [],
    )


def _key_line(root: yaml.Node, path: list[Any], default: int) -> int:
    _, key_node = _node_at(root, path)
    return key_node.start_mark.line + 1 if key_node else default


def _load_file(file: Path, raw: bytes) -> tuple[list[Entry], list[Problem]]:
    name = str(file)
    node, data, problems = _read_yaml(file, raw)
    if problems:
        return [], problems
    if node is None:
        return [], []  # An empty file is allowed: a maintainer may be starting one.

    problems = [Problem(name, line, msg) for line, msg in _duplicate_keys(node)]
    if not _is_valid(data):
        validator = jsonschema.Draft202012Validator(load_schema())
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            problems.extend(_schema_problem(name, node, data, error))
    if problems:
        return [], sorted(problems, key=lambda p: p.line)

    entries = []
    for item_node, item in zip(node.value, data, strict=True):
        entry, entry_problems = _build_entry(name, item_node, item)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems


@cache
def _compiled_schema() -> Callable[[Any], Any]:
    return fastjsonschema.compile(load_schema())


def _is_valid(data: Any) -> bool:
    """The fast check: a compiled schema, some fifteen times quicker than jsonschema.

    Only a file that fails it is validated again by jsonschema, whose errors carry the exact
    path that `_schema_problem` turns into a line number.
    """
    try:
        _compiled_schema()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


# libyaml's parser is several times faster than PyYAML's pure-Python one and gives the same
# nodes and line marks; both construct with the safe constructor only.
_SafeLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse with the safe loader, keeping the node tree for line numbers.

    A file libyaml refuses is parsed again by PyYAML's own loader, so a maintainer reads the
    same message, at the same line, whether or not libyaml is installed.
    """
    try:
        return _parse_with(_SafeLoader, text)
    except yaml.YAMLError:
        if _SafeLoader is yaml.SafeLoader:
            raise
        return _parse_with(yaml.SafeLoader, text)


def _parse_with(loader_class: type, text: str) -> tuple[yaml.Node | None, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _duplicate_keys(node: yaml.Node) -> Iterator[tuple[int, str]]:
    """PyYAML silently keeps the last of two equal keys; a maintainer wants to know."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        yield key.start_mark.line + 1, f"key '{key.value}' appears twice"
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _node_at(node: yaml.Node, path: list[Any]) -> tuple[yaml.Node, yaml.Node | None]:
    """Follow a JSON path through the node tree: (value node, key node of the last step)."""
    key_node = None
    for step in path:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node, key_node = node.value[step], None
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == step:
                    node, key_node = v, k
                    break
            else:
                break
        else:
            break
    return node, key_node


def _schema_problem(
    file: str, root: yaml.Node, data: Any, error: jsonschema.ValidationError
) -> Iterator[Problem]:
    path = list(error.absolute_path)
    node, key_node = _node_at(root, path)
    line = (key_node or node).start_mark.line + 1
    prefix = ""
    if path and isinstance(path[0], int) and isinstance(data[path[0]], dict):
        entry_id = data[path[0]].get("id")
        prefix = f"entry '{entry_id}': " if isinstance(entry_id, str) else f"entry #{path[0] + 1}: "
    where = ".".join(str(p) for p in path[1:])

    if not path:
        yield Problem(file, line, "the file must be a list of entries, each starting with '- id:'")
    elif error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        for key in missing:
            target = f"{where}." if where else ""
            yield Problem(file, line, f"{prefix}missing required key '{target}{key}'")
    elif error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            _, unknown_key = _node_at(root, [*path, key])
            key_line = unknown_key.start_mark.line + 1 if unknown_key else line
            yield Problem(
                file, key_line, f"{prefix}unknown key '{key}' (allowed: {', '.join(allowed)})"
            )
    elif error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        yield Problem(
            file, line, f"{prefix}{where} must be one of {choices}, not {error.instance!r}"
        )
    elif where.endswith("url") and error.validator == "pattern":
        yield Problem(
            file, line, f"{prefix}{where} must be an https:// URL, not {error.instance!r}"
        )
    elif where == "id" and error.validator == "pattern":
        yield Problem(
            file, line, f"{prefix}id must be kebab-case (a-z, 0-9, '-'): {error.instance!r}"
        )
    elif error.validator == "type":
        expected = error.validator_value
        yield Problem(file, line, f"{prefix}{where or 'entry'} must be of type {expected}")
    else:
        yield Problem(file, line, f"{prefix}{where}: {error.message}")


def _lines(seq_node: yaml.Node | None, count: int) -> tuple[int, ...]:
    if isinstance(seq_node, yaml.SequenceNode):
        return tuple(n.start_mark.line + 1 for n in seq_node.value)
    return (0,) * count


def _build_entry(
    file: str, node: yaml.MappingNode, item: dict[str, Any]
) -> tuple[Entry | None, list[Problem]]:
    line = node.start_mark.line + 1
    problems = []
    if "escalate_after" in item and item["severity"] != "transient":
        key_line = _node_at(node, ["escalate_after"])[1]
        problems.append(
            Problem(
                file,
                key_line.start_mark.line + 1 if key_line else line,
                f"entry '{item['id']}': escalate_after only applies to transient entries",
            )
        )
        return None, problems

    def seq(key: str) -> tuple[str, ...]:
        return tuple(item.get(key, ()))

    generic = item.get("generic", False)
    generic_patterns = seq("patterns") if generic is True else tuple(generic or ())
    for text in generic_patterns:
        if text not in item["patterns"]:
            key_line = _node_at(node, ["generic"])[1]
            problems.append(
                Problem(
                    file,
                    key_line.start_mark.line + 1 if key_line else line,
                    f"entry '{item['id']}': generic lists {text!r}, which is not one of its "
                    "patterns",
                )
            )
    if problems:
        return None, problems

    entry = Entry(
        id=item["id"],
        title=item["title"],
        channel=item["channel"],
        severity=item["severity"],
        patterns=seq("patterns"),
        meaning=item["meaning"].strip(),
        fix=seq("fix"),
        article=Article(title=item["article"]["title"], url=item["article"]["url"]),
        examples=seq("examples"),
        counter_examples=seq("counter_examples"),
        escalate_after=item.get("escalate_after", DEFAULT_ESCALATE_AFTER),
        tags=seq("tags"),
        generic_patterns=generic_patterns,
        file=file,
        line=line,
        pattern_lines=_lines(_node_at(node, ["patterns"])[0], len(seq("patterns"))),
        example_lines=_lines(_node_at(node, ["examples"])[0], len(seq("examples"))),
        counter_example_lines=_lines(
            _node_at(node, ["counter_examples"])[0], len(seq("counter_examples"))
        ),
    )
    return entry, problems
