"""Reading one knowledge base file's YAML at a bounded cost, and finding the line of any value.

Files above `MAX_FILE_BYTES` are not parsed, YAML aliases are refused (a 300-byte "billion
laughs" file expands to gigabytes), and nesting and node counts are capped before anything is
built from the parsed tree. Problems come back as `(line, message)`; bot.knowledge names the
file. No message repeats more than a short quote of what it complains about (`quote`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import yaml

# Bounds on what one file may cost. The shipped base: 12 files, the largest 27 kB, 58 entries,
# nesting 4 levels, at most 566 values a file, no aliases; bench/synth.py's 10,000-entry base:
# files of 100 entries, 110 kB. (bot.knowledge bounds the whole base.)
# A file at MAX_FILE_BYTES made only of tiny values would parse into some 130,000 nodes (~40 MB,
# seconds); such a file is counted from the parser's events first and refused at MAX_NODES.
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 20
MAX_NODES = 50_000
MAX_PROBLEMS_PER_FILE = 50
MAX_QUOTE_CHARS = 80

LineProblem = tuple[int, str]
"""A problem in one file: (line, message)."""

# libyaml's parser is several times faster than PyYAML's pure-Python one and gives the same
# nodes and line marks; both construct with the safe constructor only. The test suite and bench/
# read their data files with it too.
if yaml.__with_libyaml__:  # noqa: SIM108 (a conditional expression is no class to mypy)
    SafeLoader = yaml.CSafeLoader
else:  # A PyYAML built without libyaml.
    SafeLoader = yaml.SafeLoader  # type: ignore[assignment,misc]
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
# The first characters of a plain scalar that the safe resolver may read as other than a string
# (true, null, 12, 1.5, 2026-11-28, <<, =); it has no resolver for any first character.
_NOT_ONLY_STRINGS = frozenset(SafeLoader.yaml_implicit_resolvers)
_STRINGS_ELSE = None not in _NOT_ONLY_STRINGS


class _Composer(SafeLoader):
    """The safe loader, telling strings apart at once: libyaml's composer asks Python for each
    scalar's tag, and the resolver's general walk was a tenth of loading a base. A quoted scalar,
    or a plain one whose first character no resolver is filed under, gets the tag the resolver
    would give it (the default); any other goes to the resolver itself."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if (
            kind is yaml.ScalarNode
            and not self.yaml_path_resolvers
            and (not implicit[0] or (_STRINGS_ELSE and value and value[0] not in _NOT_ONLY_STRINGS))
        ):
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


def read_yaml(raw: bytes) -> tuple[yaml.Node | None, Any, LineProblem | None]:
    """Decode and parse one file safely: (node tree, data, the problem that stops its use).

    Nothing is built from the parsed tree (no data, no message) until its shape is known to be
    bounded: see `_shape_problem`."""
    if len(raw) > MAX_FILE_BYTES:
        return None, None, (1, _too_big(len(raw)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, None, (line, "file is not valid UTF-8")
    try:
        crowded = _count_problem(text) if _most_nodes(text) > MAX_NODES else None
        if crowded is not None:
            return None, None, crowded
        node = _compose_yaml(text)
        shape = _shape_problem(node, text) if node is not None else None
        if shape is not None:
            return None, None, shape
        data = _construct(node, text) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        return None, None, (line, f"YAML syntax error: {quote(reason)}")
    except yaml.YAMLError as exc:
        return None, None, (1, f"YAML error: {quote(str(exc))}")
    return node, data, None


def quote(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """At most `limit` characters of `text`, for a message that must stay one short line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duplicate_keys(node: yaml.Node) -> Iterator[LineProblem]:
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
                            f"key {quote(repr(key.value))} appears twice",
                        )
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def node_at(node: yaml.Node, path: list[Any]) -> tuple[yaml.Node, yaml.Node | None]:
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


def key_line(root: yaml.Node, path: list[Any], default: int) -> int:
    """The line of the key at the end of `path`, or `default` when there is no such key."""
    _, key_node = node_at(root, path)
    return key_node.start_mark.line + 1 if key_node else default


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of `key` in a mapping node; None for anything else."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


# --- Bounds ---------------------------------------------------------------------------------------
def _event_line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 1


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


def _count_problem(text: str) -> LineProblem | None:
    """For a file that may hold more than `MAX_NODES` values: count them from the parser's
    events, stopping at the limit, before building a tree that large (tens of MB, seconds)."""
    count = 0
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > MAX_NODES:
                return _event_line(event), _too_many_nodes()
    return None


def _too_many_nodes() -> str:
    return f"more than {MAX_NODES} YAML values in one file; split it into several files"


def _shape_problem(root: yaml.Node, text: str) -> LineProblem | None:
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


def _alias_problem(text: str) -> LineProblem:
    """Where the first alias is: the node tree only knows where its anchor is."""
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return (
                _event_line(event),
                f"YAML alias '*{quote(event.anchor or '', 40)}' is not allowed in the knowledge "
                "base: write the value out in full",
            )
    return 1, "YAML aliases are not allowed in the knowledge base: write each value out in full"


# --- Parsing --------------------------------------------------------------------------------------
def _compose_yaml(text: str) -> yaml.Node | None:
    """The node tree, with the safe loader: an alias is one shared node here, not a copy, so
    composing costs no more than the file's size.

    A file libyaml refuses is parsed again by PyYAML's own loader, so a maintainer reads the
    same message, at the same line, whether or not libyaml is installed; except for nesting
    libyaml refuses as too deep, which PyYAML's recursive loader cannot parse either.
    """
    try:
        return _compose_with(_Composer, text)
    except yaml.YAMLError as refused:
        if SafeLoader is yaml.SafeLoader or _LIBYAML_TOO_DEEP in str(refused):
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
    loader = SafeLoader(text)
    try:
        return _plain(node, loader)
    finally:
        loader.dispose()


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
# Keys the safe constructor rewrites (`<<: *base` merges, `=`) rather than keeps.
_REWRITTEN_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


def _plain(node: yaml.Node, loader: Any) -> Any:
    """What `loader.construct_document(node)` builds, with strings, lists and dicts made here:
    the safe constructor's generic walk (a method look-up, a generator and a cache entry per
    node) was most of reading a file. Any other node, and a mapping with a key the constructor
    rewrites, is built by the constructor itself, so values, errors and their lines are its
    own. Aliases never get here (`_shape_problem`), so no node is built twice."""
    tag = node.tag
    if tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_plain(child, loader) for child in node.value]
    if (
        tag == _MAP
        and isinstance(node, yaml.MappingNode)
        and not any(key.tag in _REWRITTEN_KEYS for key, _ in node.value)
    ):
        mapping = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, loader)
            if not isinstance(key, Hashable):
                return loader.construct_object(node, deep=True)  # Its own error, at its line.
            mapping[key] = _plain(value_node, loader)
        return mapping
    return loader.construct_object(node, deep=True)
