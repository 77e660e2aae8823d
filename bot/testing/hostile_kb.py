"""Knowledge base files built to hurt a loader, for the tests and bench/kb_bounds.py."""

from __future__ import annotations

ALIAS_BOMB = """\
- id: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  title: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  channel: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  severity: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  patterns: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  meaning: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  fix: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""
""""Billion laughs": 319 bytes whose aliases expand to 9**7 lists of nine strings (gigabytes)."""

ALIAS_BOMB_PROBLEM = (
    ":2: YAML alias '*a' is not allowed in the knowledge base: write the value out in full"
)
"""What the loader reports for `ALIAS_BOMB`, after the file's path."""
