"""Every error syncdoc raises on purpose. Each knows its exit code and how to print itself."""

from __future__ import annotations

from collections.abc import Iterable


class SyncdocError(Exception):
    """Base class: a problem reported to a person as a message, never as a traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return str(self)


class UsageError(SyncdocError):
    """The command line was used wrongly."""


class ConfigError(SyncdocError):
    """A setting is missing or malformed. The message never contains a secret's value."""


class KnowledgeBaseError(SyncdocError):
    """The knowledge base cannot be loaded. Carries one `FILE:LINE: message` line per problem."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(SyncdocError):
    """The database cannot be opened, migrated or written. The message never shows a password."""
