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


class StoreDamagedError(StoreError):
    """The SQLite file is damaged (not a database, or malformed pages): it cannot be repaired in
    place, only moved aside."""

    def __init__(self, message: str, path: object) -> None:
        super().__init__(message)
        self.path = path


class StoreUnavailableError(StoreError):
    """The store is degraded (down, slow, full, read-only): the guard in bot/store_guard.py has
    already logged why, once for the whole outage, so callers need not log it again."""
