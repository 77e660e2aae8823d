"""Settings: read once from the environment (or a plain dict in tests) and passed down.

Secrets are wrapped in `Secret`, whose repr and str never show the value, so a settings object
can be logged or printed in an error without leaking a token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.exceptions import ConfigError
from bot.loadcache import default_cache_dir
from bot.paths import bundled_kb_path

DEFAULT_COMMAND = "/syncerror"
MAX_COMMAND_CHARS = 32  # Slack's limit, slash included (its app manifest schema)
DEFAULT_BURST_PEOPLE = 3
DEFAULT_BURST_MINUTES = 30
DEFAULT_STORE_TIMEOUT = 2.0
DEFAULT_SLACK_RETRY_SECONDS = 300.0
DEFAULT_OUTBOX_SIZE = 1000
DEFAULT_SHUTDOWN_SECONDS = 15.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOKEN_KINDS = {
    "SLACK_BOT_TOKEN": ("xoxb-", "the Bot User OAuth Token, on the app's OAuth & Permissions page"),
    "SLACK_APP_TOKEN": ("xapp-", "an App-Level Token with connections:write, on Basic Information"),
}


class Secret:
    """A token or signing secret. `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    kb_path: Path
    slack_bot_token: Secret | None = None
    slack_app_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_api_url: str | None = None
    port: int = 3000
    command: str = DEFAULT_COMMAND
    data_dir: Path | None = None
    database_url: Secret | None = None
    maintainers_channel: str | None = None
    burst_people: int = DEFAULT_BURST_PEOPLE
    burst_minutes: int = DEFAULT_BURST_MINUTES
    log_level: str = "INFO"
    # None: no load cache (the default here, so that tests building Settings by hand write
    # nothing to the user's cache folder; from_env turns it on).
    cache_dir: Path | None = None
    store_timeout: float = DEFAULT_STORE_TIMEOUT
    """Seconds an answer may wait for the store before going out without it."""
    slack_retry_seconds: float = DEFAULT_SLACK_RETRY_SECONDS
    """How long an answer Slack certainly did not post is retried."""
    outbox_size: int = DEFAULT_OUTBOX_SIZE
    """How many answers may wait for Slack at once."""
    shutdown_seconds: float = DEFAULT_SHUTDOWN_SECONDS
    """On SIGTERM, how long answers still in flight may take before they are logged as dropped."""
    workers: int | None = None
    """`syncdoc serve` processes (None: one per CPU core)."""

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        default_kb_path: Path | None = None,
        **overrides: object,
    ) -> Settings:
        """Build settings from `env` (default: the process environment); overrides win.

        The knowledge base is `SYNCDOC_KB`, else `default_kb_path`, else the bundled one."""
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def secret(name: str) -> Secret | None:
            value = text(name)
            return Secret(value) if value else None

        port_text = text("PORT") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"PORT must be a number from 1 to 65535, not {port_text!r}")
        command = text("SYNCDOC_COMMAND") or DEFAULT_COMMAND
        if (
            not command.startswith("/")
            or any(c.isspace() for c in command)
            or not 2 <= len(command) <= MAX_COMMAND_CHARS
        ):
            raise ConfigError(
                f"SYNCDOC_COMMAND must look like /syncerror (a slash and 1 to "
                f"{MAX_COMMAND_CHARS - 1} characters, as Slack allows), not {command[:40]!r}"
            )
        api_url = text("SLACK_API_URL")
        if api_url and not api_url.startswith(("http://", "https://")):
            raise ConfigError("SLACK_API_URL must start with http:// or https://")
        if api_url and not api_url.endswith("/"):
            api_url += "/"
        for name, (prefix, where) in TOKEN_KINDS.items():
            _check_token(name, text(name), prefix, where)
        log_level = (text("SYNCDOC_LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"SYNCDOC_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        data_dir = text("SYNCDOC_DATA_DIR")
        cache_dir = text("SYNCDOC_CACHE_DIR")

        def whole_number(name: str, default: int, least: int) -> int:
            value = text(name)
            if value is None:
                return default
            if not value.isdigit() or int(value) < least:
                raise ConfigError(
                    f"{name} must be a whole number of at least {least}, not {value!r}"
                )
            return int(value)

        def seconds(name: str, default: float, least: float) -> float:
            value = text(name)
            if value is None:
                return default
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if not number >= least or number == float("inf"):
                raise ConfigError(
                    f"{name} must be a number of seconds of at least {least}, not {value!r}"
                )
            return number

        workers = text("SYNCDOC_WORKERS")
        values: dict[str, object] = {
            "kb_path": Path(text("SYNCDOC_KB") or default_kb_path or bundled_kb_path()),
            "slack_bot_token": secret("SLACK_BOT_TOKEN"),
            "slack_app_token": secret("SLACK_APP_TOKEN"),
            "slack_signing_secret": secret("SLACK_SIGNING_SECRET"),
            "slack_api_url": api_url,
            "port": int(port_text),
            "command": command,
            "data_dir": Path(data_dir) if data_dir else None,
            "database_url": secret("DATABASE_URL"),
            "maintainers_channel": text("SYNCDOC_MAINTAINERS_CHANNEL"),
            "burst_people": whole_number("SYNCDOC_BURST_PEOPLE", DEFAULT_BURST_PEOPLE, 2),
            "burst_minutes": whole_number("SYNCDOC_BURST_MINUTES", DEFAULT_BURST_MINUTES, 1),
            "log_level": log_level,
            "cache_dir": _cache_dir(cache_dir),
            "store_timeout": seconds("SYNCDOC_STORE_TIMEOUT", DEFAULT_STORE_TIMEOUT, 0.05),
            "slack_retry_seconds": seconds(
                "SYNCDOC_SLACK_RETRY_SECONDS", DEFAULT_SLACK_RETRY_SECONDS, 0
            ),
            "outbox_size": whole_number("SYNCDOC_OUTBOX_SIZE", DEFAULT_OUTBOX_SIZE, 1),
            "shutdown_seconds": seconds("SYNCDOC_SHUTDOWN_SECONDS", DEFAULT_SHUTDOWN_SECONDS, 1),
            "workers": whole_number("SYNCDOC_WORKERS", 1, 1) if workers else None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every missing setting (by environment variable)."""
        missing = [name.upper() for name in names if not getattr(self, name.lower())]
        if missing:
            raise ConfigError(
                f"missing setting{'s' if len(missing) > 1 else ''}: " + ", ".join(missing)
            )


def _cache_dir(value: str | None) -> Path | None:
    if value is None:
        return default_cache_dir()
    return None if value.casefold() == "off" else Path(value)


def _check_token(name: str, value: str | None, prefix: str, where: str) -> None:
    """A malformed token is named, never shown: the message says what the right one looks like."""
    if value is None or (value.startswith(prefix) and not any(c.isspace() for c in value)):
        return
    swapped = next(
        (n for n, (p, _) in TOKEN_KINDS.items() if n != name and value.startswith(p)), None
    )
    hint = f"; it looks like the value meant for {swapped}" if swapped else ""
    raise ConfigError(f"{name} must start with {prefix} ({where}){hint}")
