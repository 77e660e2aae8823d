"""Loading and validating the YAML knowledge base into an immutable `KnowledgeBase`.

Every problem a maintainer can cause is reported as a `Problem` that names the file and the line,
so that a broken edit never surfaces as a traceback.

Loading is bounded whatever a file holds: each file is read by bot.kb_yaml (size, aliases,
nesting and node counts capped before anything is built) and checked against the JSON Schema by
bot.kb_schema; this module bounds the whole base, builds the entries, and names each problem's
file.

Why this module is long: the entry's data model and the one load that builds
it, read top to bottom; what could stand alone (YAML, schema) already does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from bot.collector import collector_paused
from bot.exceptions import KnowledgeBaseError
from bot.kb_schema import SETTINGS_SCHEMA_FILE, entry_file_problems, is_valid, settings_problems
from bot.kb_yaml import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS_PER_FILE,
    LineProblem,
    child,
    duplicate_keys,
    key_line,
    node_at,
    read_yaml,
)
from bot.paths import bundled_kb_path as bundled_kb_path  # the base's own API too

Severity = Literal["transient", "action_required", "info"]
SEVERITIES: tuple[Severity, ...] = ("transient", "action_required", "info")
DEFAULT_ESCALATE_AFTER = 5
SETTINGS_FILE = "settings.yaml"
KB_SUFFIXES = (".yaml", ".yml")
# A draft's placeholder (`syncdoc gaps` writes "TODO: ..."): an entry holding one is never served.
TODO_MARK = re.compile(r"\bTODO\b")
# The parts of an entry an answer shows; a placeholder anywhere else (notes) is a maintainer's own.
ANSWER_TEXT = (("title",), ("meaning",), ("fix",), ("article", "title"), ("article", "url"))

# Bounds on what one load may cost, for the whole base (bot.kb_yaml bounds each file).
MAX_BASE_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 20_000


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
    success_words: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    connection_tags: tuple[str, ...] = ()
    article_hosts: tuple[str, ...] = ()
    other_systems: tuple[str, ...] = ()
    outside_linnworks: tuple[str, ...] = ()
    outside_signs: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    not_linnworks: tuple[str, ...] = ()
    own_code: tuple[str, ...] = ()
    platform_namespaces: tuple[str, ...] = ()
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


# Nothing a load makes is garbage until it is done (bot/collector.py).
@collector_paused()
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


def _unreadable(what: str, exc: OSError) -> str:
    return f"cannot read this {what}: {exc.strerror or exc.__class__.__name__}"


def _load_settings(file: Path, raw: bytes) -> tuple[KnowledgeSettings, list[Problem]]:
    name = str(file)
    node, data, unusable = read_yaml(raw)
    if unusable is not None:
        return KnowledgeSettings(), [Problem(name, *unusable)]
    if node is None:
        return KnowledgeSettings(), []
    found = list(duplicate_keys(node))
    if not is_valid(data, SETTINGS_SCHEMA_FILE):
        found.extend(settings_problems(node, data))
    if found:
        return KnowledgeSettings(), _in_a_page(name, found)
    return (
        KnowledgeSettings(
            channels=MappingProxyType(
                {channel: tuple(words) for channel, words in data.get("channels", {}).items()}
            ),
            success_phrases=tuple(data.get("success_phrases", ())),
            success_words=MappingProxyType(
                {kind: tuple(words) for kind, words in data.get("success_words", {}).items()}
            ),
            connection_tags=tuple(data.get("connection_tags", ())),
            article_hosts=tuple(data.get("article_hosts", ())),
            other_systems=tuple(data.get("other_systems", ())),
            outside_linnworks=tuple(data.get("outside_linnworks", ())),
            outside_signs=MappingProxyType(
                {tool: tuple(signs) for tool, signs in data.get("outside_signs", {}).items()}
            ),
            not_linnworks=tuple(data.get("not_linnworks", ())),
            own_code=tuple(data.get("own_code", ())),
            platform_namespaces=tuple(data.get("platform_namespaces", ())),
            linnworks=tuple(data.get("linnworks", ())),
        ),
        [],
    )


def _load_file(file: Path, raw: bytes) -> tuple[list[Entry], list[Problem]]:
    name = str(file)
    node, data, unusable = read_yaml(raw)
    if unusable is not None:
        return [], [Problem(name, *unusable)]
    if node is None:
        return [], []  # An empty file is allowed: a maintainer may be starting one.

    found = list(duplicate_keys(node))
    if isinstance(data, list) and len(data) > MAX_ENTRIES:
        message = f"{len(data)} entries; a knowledge base holds at most {MAX_ENTRIES}"
        return [], [Problem(name, 1, message)]
    if _may_hold_placeholder(raw):
        found.extend(_placeholders(node))
    if not is_valid(data):
        found.extend(entry_file_problems(node, data))
    if found:
        return [], _in_a_page(name, found)

    entries = []
    problems: list[Problem] = []
    for item_node, item in zip(node.value, data, strict=True):
        entry, entry_problems = _build_entry(name, item_node, item)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _in_a_page(file: str, found: list[LineProblem]) -> list[Problem]:
    """The file's problems in line order, at most `MAX_PROBLEMS_PER_FILE` of them and a last
    line saying there are more."""
    ordered = [Problem(file, line, message) for line, message in sorted(found, key=lambda p: p[0])]
    if len(ordered) <= MAX_PROBLEMS_PER_FILE:
        return ordered
    shown = ordered[:MAX_PROBLEMS_PER_FILE]
    more = "more problems in this file are not listed: fix these, then run `syncdoc lint` again"
    return [*shown, Problem(file, shown[-1].line, more)]


def _may_hold_placeholder(raw: bytes) -> bool:
    """Whether any value of the file may hold "TODO": only one its text holds, or one an escape
    of a double-quoted string makes ("\\x54ODO", a line joined by "\\"); walking every entry's
    answer texts for it was a tenth of loading a base."""
    return b"TODO" in raw or b"\\" in raw


def _placeholders(root: yaml.Node) -> Iterator[LineProblem]:
    """Every TODO left in the text an answer shows, read from the node tree so that a draft is
    reported in full even while other parts of it are still invalid."""
    if not isinstance(root, yaml.SequenceNode):
        return
    for number, item in enumerate(root.value, 1):
        if not isinstance(item, yaml.MappingNode):
            continue
        entry_id = child(item, "id")
        prefix = (
            f"entry '{entry_id.value}': "
            if isinstance(entry_id, yaml.ScalarNode)
            else f"entry #{number}: "
        )
        for path in ANSWER_TEXT:
            node: yaml.Node | None = item
            for key in path:
                node = child(node, key)
            values = node.value if isinstance(node, yaml.SequenceNode) else [node]
            for step, value in enumerate(values, 1):
                if isinstance(value, yaml.ScalarNode) and TODO_MARK.search(str(value.value)):
                    where = f"fix step {step}" if path == ("fix",) else ".".join(path)
                    yield (
                        value.start_mark.line + 1,
                        f"{prefix}{where} is still a placeholder ({quote_text(value.value)}); "
                        "write it, or the entry is not served",
                    )


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
        problems.append(
            Problem(
                file,
                key_line(node, ["escalate_after"], line),
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
            problems.append(
                Problem(
                    file,
                    key_line(node, ["generic"], line),
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
        pattern_lines=_lines(node_at(node, ["patterns"])[0], len(seq("patterns"))),
        example_lines=_lines(node_at(node, ["examples"])[0], len(seq("examples"))),
        counter_example_lines=_lines(
            node_at(node, ["counter_examples"])[0], len(seq("counter_examples"))
        ),
        article_url_line=key_line(node, ["article", "url"], line) if article else 0,
    )
    return entry, problems
