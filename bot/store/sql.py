"""SQL with named parameters (`:name`), the same text for SQLite and PostgreSQL.

sqlite3 takes `:name` itself; psycopg wants `%(name)s` and every literal `%` doubled (it does not
know SQL's strings). `bind` reads the text once, token by token, so that only a real parameter is
replaced: quoted strings, quoted names, comments and PostgreSQL's `::` casts keep their text, and a
`?` means nothing. A tuple value is a list (`key IN (:keys)`), one parameter per item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

NAMED = "named"
"""sqlite3's parameter style: `:name`."""
PYFORMAT = "pyformat"
"""psycopg's parameter style: `%(name)s`, and `%%` for a literal `%`."""

_TOKEN = re.compile(
    r"""'(?:[^']|'')*'"""  # a string: copied whole, whatever it holds
    r'|"(?:[^"]|"")*"'  # a quoted name
    r"|--[^\n]*"  # a comment
    r"|::"  # a PostgreSQL cast, not a parameter
    r"|:([A-Za-z_]\w*)"  # a parameter
    r"|%"
)


def bind(sql: str, params: Mapping[str, Any], style: str) -> tuple[str, dict[str, Any]]:
    """`sql` in the driver's `style`, and the values of the parameters it names. A missing
    parameter is a `KeyError`; an empty list is written `NULL` (so `IN (:keys)` matches nothing)."""
    values: dict[str, Any] = {}

    def placeholder(name: str) -> str:
        return f"%({name})s" if style == PYFORMAT else f":{name}"

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:  # psycopg reads every `%` as a placeholder, even inside a string
            token = match.group(0)
            return token.replace("%", "%%") if style == PYFORMAT else token
        value = params[name]
        if not isinstance(value, tuple):
            values[name] = value
            return placeholder(name)
        names = [f"{name}__{n}" for n in range(len(value))]
        values.update(zip(names, value, strict=True))
        return ", ".join(placeholder(each) for each in names) or "NULL"

    return _TOKEN.sub(replace, sql), values


class Transaction:
    """One open transaction on a DB-API cursor, taking statements with named parameters."""

    def __init__(self, cursor: Any, style: str) -> None:
        self._cursor = cursor
        self._style = style

    def execute(self, sql: str, /, **params: Any) -> Transaction:
        text, values = bind(sql, params, self._style)
        self._cursor.execute(text, values)
        return self

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run `sql` once per row (nothing for no rows); rows name the same parameters, no lists."""
        if rows:
            text, _ = bind(sql, rows[0], self._style)
            self._cursor.executemany(text, rows)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount
