"""Loading and validating the YAML knowledge base into an immutable `KnowledgeBase`.

Every problem a maintainer can cause is reported as a `Problem` that names the file and the line,
so that a broken edit never surfaces as a traceback.

Loading is bounded whatever a file holds: files above `MAX_FILE_BYTES` are not parsed, YAML
aliases are refused (a 300-byte "billion laughs" file expands to gigabytes), nesting and node
counts are capped before anything is built from the parsed tree, and no message repeats more than
a short quote of what it complains about.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
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
# A draft's placeholder (`syncdoc gaps` writes "TODO: ..."): an entry holding one is never served.
TODO_MARK = re.compile(r"\bTODO\b")
# The parts of an entry an answer shows; a placeholder anywhere else (notes) is a maintainer's own.
ANSWER_TEXT = (("title",), ("meaning",), ("fix",), ("article", "title"), ("article", "url"))

# Bounds on what one load may cost. The shipped base: 12 files, the largest 27 kB, 58 entries,
# nesting 4 levels, at most 566 values a file, no aliases; bench/synth.py's 10,000-entry base:
# files of 100 entries, 110 kB.
# A file at MAX_FILE_BYTES made only of tiny values would parse into some 130,000 nodes (~40 MB,
# seconds); such a file is counted from the parser's events first and refused at MAX_NODES.
MAX_FILE_BYTES = 256 * 1024
MAX_BASE_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_DEPTH = 20
MAX_NODES = 50_000
MAX_PROBLEMS_PER_FILE = 50
MAX_QUOTE_CHARS = 80


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
    # None when no Linnworks or official channel page covers the error: answers then say so.
    article: Article | None
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    escalate_after: int = DEFAULT_ESCALATE_AFTER
    tags: tuple[str, ...] = ()
    # Public pages where the error's wording was seen, so a maintainer can tell whose text it is.
    sources: tuple[str, ...] = ()
    # Patterns other systems show too ("423 Locked"): claimed only where the paste names the
    # entry's channel (settings.yaml `channels:`).
    generic_patterns: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    # Where each pattern and example sits, for lint messages that point at the exact line.
    pattern_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    example_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    counter_example_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    article_url_line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class KnowledgeSettings:
    """What `settings.yaml` says for the whole base; every part may be left empty."""

    channels: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    success_phrases: tuple[str, ...] = ()
    article_hosts: tuple[str, ...] = ()
    other_systems: tuple[str, ...] = ()
    outside_linnworks: tuple[str, ...] = ()
    linnworks: tuple[str, ...] = ()


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
    """The folder's YAML files, and links to YAML files that are gone (reported as unreadable,
    not skipped: their entries would vanish without a word). Hidden names are editors' own
    (Emacs keeps a dangling `.#name.yaml` link while a file is edited)."""
    return sorted(
        p
        for p in path.iterdir()
        if p.suffix in KB_SUFFIXES
        and (p.is_file() or (p.is_symlink() and not p.exists() and not p.name.startswith(".")))
    )


def read_capped(file: Path) -> bytes:
    """The file's bytes, but never more than one past `MAX_FILE_BYTES`: a huge file costs no
    more memory than a file just over the limit."""
    with file.open("rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)


def fingerprint(path: Path) -> str:
    """A digest of the folder's YAML files' names and contents: equal digests, equal bases.

    An unreadable file or folder counts with its error, so that making it readable again, or
    unreadable, is a change the watcher loads (and reports) like any other."""
    digest = hashlib.sha256()
    try:
        files = kb_files(path) if path.is_dir() else []
    except OSError as exc:
        digest.update(f"unreadable folder: {exc.errno}".encode())
        return digest.hexdigest()
    for file in files:
        try:
            raw = read_capped(file)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and not file.is_symlink():
                continue  # Removed since the listing: the next poll sees the folder without it.
            raw = f"\0unreadable: {exc.errno}".encode()
        _add_to_digest(digest, file, raw)
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
    try:
        files = kb_files(root)
    except OSError as exc:
        raise KnowledgeBaseError([Problem(str(root), 0, _unreadable("folder", exc))]) from None
    if not files:
        raise KnowledgeBaseError([Problem(str(root), 0, "no *.yaml files in this folder")])

    problems: list[Problem] = []
    entries: list[Entry] = []
    first_seen: dict[str, Entry] = {}
    settings = KnowledgeSettings()
    digest = hashlib.sha256()
    total_bytes = 0
    for file in files:
        try:
            raw = read_capped(file)
        except OSError as exc:
            problems.append(Problem(str(file), 0, _unreadable("file", exc)))
            continue
        _add_to_digest(digest, file, raw)
        total_bytes += len(raw)
        if total_bytes > MAX_BASE_BYTES:
            problems.append(
                Problem(
                    str(root),
                    0,
                    f"the knowledge base files add up to more than {MAX_BASE_BYTES // 2**20} MB; "
                    "split out what is not about Linnworks errors",
                )
            )
            break
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
    if len(entries) > MAX_ENTRIES:
        problems.append(
            Problem(
                str(root),
                0,
                f"{len(entries)} entries; a knowledge base holds at most {MAX_ENTRIES}",
            )
        )
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(
        entries=tuple(entries),
        path=root,
        fingerprint=digest.hexdigest(),
        by_id=MappingProxyType(dict(first_seen)),
        settings=settings,
    )


def _event_line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 1


def _unreadable(what: str, exc: OSError) -> str:
    return f"cannot read this {what}: {exc.strerror or exc.__class__.__name__}"


def _read_yaml(file: Path, raw: bytes) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """Decode and parse one file safely: (node tree, data, problems that stop its use).

    Nothing is built from the parsed tree (no data, no message) until its shape is known to be
    bounded: see `_shape_problem`."""
    name = str(file)
    if len(raw) > MAX_FILE_BYTES:
        return None, None, [Problem(name, 1, _too_big(len(raw)))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, None, [Problem(name, line, "file is not valid UTF-8")]
    try:
        crowded = _count_problem(text) if _most_nodes(text) > MAX_NODES else None
        if crowded is not None:
            return None, None, [Problem(name, *crowded)]
        node = _compose_yaml(text)
        shape = _shape_problem(node, text) if node is not None else None
        if shape is not None:
            return None, None, [Problem(name, *shape)]
        data = _construct(node, text) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        return None, None, [Problem(name, line, f"YAML syntax error: {_quote(reason)}")]
    except yaml.YAMLError as exc:
        return None, None, [Problem(name, 1, f"YAML error: {_quote(str(exc))}")]
    return node, data, []


def _too_big(size: int) -> str:
    over = "more than " if size > MAX_FILE_BYTES else ""
    return (
        f"file is {over}{MAX_FILE_BYTES // 1024} kB, the most one knowledge base file may be; "
        "split it into several files"
    )


def _most_nodes(text: str) -> int:
    """An upper bound on the YAML values in `text`, from the characters that can start one (a
    mapping value follows `:`, an item `-` or `,`, a flow collection opens with `[` or `{`)."""
    return 1 + 2 * text.count(":") + sum(text.count(c) for c in "-,[{?")


def _count_problem(text: str) -> tuple[int, str] | None:
    """For a file that may hold more than `MAX_NODES` values: count them from the parser's
    events, stopping at the limit, before building a tree that large (tens of MB, seconds)."""
    count = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > MAX_NODES:
                return _event_line(event), _too_many_nodes()
    return None


def _too_many_nodes() -> str:
    return f"more than {MAX_NODES} YAML values in one file; split it into several files"


def _shape_problem(root: yaml.Node, text: str) -> tuple[int, str] | None:
    """(line, message) for the first thing that would make the tree costly to build or walk:
    a YAML alias (the same node reached twice), nesting deeper than `MAX_DEPTH`, more than
    `MAX_NODES` nodes. Walks level by level, each node at most once, so it is bounded by the
    file's size, never by what the aliases would expand to."""
    aliases_possible = "*" in text  # Cheap: most files cannot hold an alias at all.
    seen: set[int] = set()
    level = [root]
    depth = count = 0
    while level:
        depth += 1
        count += len(level)
        if aliases_possible:
            before = len(seen)
            seen.update(map(id, level))
            if len(seen) != before + len(level):
                return _alias_problem(text)
        if depth > MAX_DEPTH:
            return (
                level[0].start_mark.line + 1,
                f"nested more than {MAX_DEPTH} levels deep; an entry needs 4",
            )
        if count > MAX_NODES:
            return level[0].start_mark.line + 1, _too_many_nodes()
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.SequenceNode):
                below.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below.extend(pair)
        level = below
    return None


def _alias_problem(text: str) -> tuple[int, str]:
    """Where the first alias is: the node tree only knows where its anchor is."""
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return (
                _event_line(event),
                f"YAML alias '*{_quote(event.anchor or '', 40)}' is not allowed in the knowledge "
                "base: write the value out in full",
            )
    return 1, "YAML aliases are not allowed in the knowledge base: write each value out in full"


def _quote(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """At most `limit` characters of `text`, for a message that must stay one short line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_settings(file: Path, raw: bytes) -> tuple[KnowledgeSettings, list[Problem]]:
    name = str(file)
    node, data, problems = _read_yaml(file, raw)
    if problems or node is None:
        return KnowledgeSettings(), problems
    problems = [Problem(name, line, msg) for line, msg in _duplicate_keys(node)]
    validator = jsonschema.Draft202012Validator(load_schema(SETTINGS_SCHEMA_FILE))
    for error in _first_errors(validator, data):
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
                        f"unknown settings key {_quote(repr(key))} (allowed: {allowed})",
                    )
                )
        elif "propertyNames" in error.schema_path:
            key = error.instance
            problems.append(
                Problem(
                    name,
                    _key_line(node, [*path, key], line),
                    f"settings {where}: {_quote(repr(key))} must be a kebab-case channel id",
                )
            )
        else:
            problems.append(Problem(name, line, f"settings {where}: {_quote(error.message)}"))
    if problems:
        return KnowledgeSettings(), _in_a_page(name, problems)
    return (
        KnowledgeSettings(
            channels=MappingProxyType(
                {channel: tuple(words) for channel, words in data.get("channels", {}).items()}
            ),
            success_phrases=tuple(data.get("success_phrases", ())),
            article_hosts=tuple(data.get("article_hosts", ())),
            other_systems=tuple(data.get("other_systems", ())),
            outside_linnworks=tuple(data.get("outside_linnworks", ())),
            linnworks=tuple(data.get("linnworks", ())),
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
    if isinstance(data, list) and len(data) > MAX_ENTRIES:
        message = f"{len(data)} entries; a knowledge base holds at most {MAX_ENTRIES}"
        return [], [Problem(name, 1, message)]
    problems.extend(_placeholders(name, node))
    if not _is_valid(data):
        validator = jsonschema.Draft202012Validator(load_schema())
        for error in _first_errors(validator, data):
            problems.extend(_schema_problem(name, node, data, error))
    if problems:
        return [], _in_a_page(name, problems)

    entries = []
    for item_node, item in zip(node.value, data, strict=True):
        entry, entry_problems = _build_entry(name, item_node, item)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _in_a_page(file: str, problems: list[Problem]) -> list[Problem]:
    """The file's problems in line order, at most `MAX_PROBLEMS_PER_FILE` of them and a last
    line saying there are more."""
    ordered = sorted(problems, key=lambda p: p.line)
    if len(ordered) <= MAX_PROBLEMS_PER_FILE:
        return ordered
    shown = ordered[:MAX_PROBLEMS_PER_FILE]
    more = "more problems in this file are not listed: fix these, then run `syncdoc lint` again"
    return [*shown, Problem(file, shown[-1].line, more)]


def _first_errors(validator: Any, data: Any) -> list[jsonschema.ValidationError]:
    """The first `MAX_PROBLEMS_PER_FILE` schema errors, in document order: a file wrong
    everywhere is reported in a page, not in ten thousand lines."""
    errors = itertools.islice(validator.iter_errors(data), MAX_PROBLEMS_PER_FILE)
    return sorted(errors, key=lambda e: list(e.absolute_path))


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
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _compose_yaml(text: str) -> yaml.Node | None:
    """The node tree, with the safe loader: an alias is one shared node here, not a copy, so
    composing costs no more than the file's size.

    A file libyaml refuses is parsed again by PyYAML's own loader, so a maintainer reads the
    same message, at the same line, whether or not libyaml is installed; except for nesting
    libyaml refuses as too deep, which PyYAML's recursive loader cannot parse either.
    """
    try:
        return _compose_with(_SafeLoader, text)
    except yaml.YAMLError as refused:
        if _SafeLoader is yaml.SafeLoader or _LIBYAML_TOO_DEEP in str(refused):
            raise  # PyYAML would take seconds to run out of stack on the same file.
        try:
            return _compose_with(yaml.SafeLoader, text)
        except RecursionError:
            raise refused from None


def _compose_with(loader_class: type, text: str) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _construct(node: yaml.Node, text: str) -> Any:
    """Plain data from a node tree `_shape_problem` accepted."""
    loader = _SafeLoader(text)
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


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
                        yield (
                            key.start_mark.line + 1,
                            f"key {_quote(repr(key.value))} appears twice",
                        )
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
        prefix = (
            f"entry {_quote(repr(entry_id))}: "
            if isinstance(entry_id, str)
            else f"entry #{path[0] + 1}: "
        )
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
                file,
                key_line,
                f"{prefix}unknown key {_quote(repr(key))} (allowed: {', '.join(allowed)})",
            )
    elif error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        yield Problem(
            file,
            line,
            f"{prefix}{where} must be one of {choices}, not {_quote(repr(error.instance))}",
        )
    elif (where.endswith("url") or where.startswith("sources.")) and error.validator == "pattern":
        yield Problem(
            file,
            line,
            f"{prefix}{where} must be an https:// URL, not {_quote(repr(error.instance))}",
        )
    elif where == "id" and error.validator == "pattern":
        yield Problem(
            file,
            line,
            f"{prefix}id must be kebab-case (a-z, 0-9, '-'): {_quote(repr(error.instance))}",
        )
    elif error.validator == "type":
        expected = error.validator_value
        yield Problem(file, line, f"{prefix}{where or 'entry'} must be of type {expected}")
    else:
        yield Problem(file, line, f"{prefix}{where}: {_quote(error.message)}")


def _placeholders(file: str, root: yaml.Node) -> Iterator[Problem]:
    """Every TODO left in the text an answer shows, read from the node tree so that a draft is
    reported in full even while other parts of it are still invalid."""
    if not isinstance(root, yaml.SequenceNode):
        return
    for number, item in enumerate(root.value, 1):
        if not isinstance(item, yaml.MappingNode):
            continue
        entry_id = _child(item, "id")
        prefix = (
            f"entry '{entry_id.value}': "
            if isinstance(entry_id, yaml.ScalarNode)
            else f"entry #{number}: "
        )
        for path in ANSWER_TEXT:
            node: yaml.Node | None = item
            for key in path:
                node = _child(node, key)
            values = node.value if isinstance(node, yaml.SequenceNode) else [node]
            for step, value in enumerate(values, 1):
                if isinstance(value, yaml.ScalarNode) and TODO_MARK.search(str(value.value)):
                    where = f"fix step {step}" if path == ("fix",) else ".".join(path)
                    yield Problem(
                        file,
                        value.start_mark.line + 1,
                        f"{prefix}{where} is still a placeholder ({quote_text(value.value)}); "
                        "write it, or the entry is not served",
                    )


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def quote_text(text: str) -> str:
    """`text` on one line, cut to 70 characters and quoted, for a problem message."""
    line = " ".join(str(text).split())
    return repr(line if len(line) <= 70 else line[:67] + "...")


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

    article = item.get("article")

    entry = Entry(
        id=item["id"],
        title=item["title"],
        channel=item["channel"],
        severity=item["severity"],
        patterns=seq("patterns"),
        meaning=item["meaning"].strip(),
        fix=seq("fix"),
        article=Article(title=article["title"], url=article["url"]) if article else None,
        examples=seq("examples"),
        counter_examples=seq("counter_examples"),
        escalate_after=item.get("escalate_after", DEFAULT_ESCALATE_AFTER),
        tags=seq("tags"),
        sources=seq("sources"),
        generic_patterns=generic_patterns,
        file=file,
        line=line,
        pattern_lines=_lines(_node_at(node, ["patterns"])[0], len(seq("patterns"))),
        example_lines=_lines(_node_at(node, ["examples"])[0], len(seq("examples"))),
        counter_example_lines=_lines(
            _node_at(node, ["counter_examples"])[0], len(seq("counter_examples"))
        ),
        article_url_line=_key_line(node, ["article", "url"], line) if article else 0,
    )
    return entry, problems
