"""The Slack app manifest (manifest.yml), adapted to this deployment for `syncdoc manifest`:
the configured command name, and for HTTP mode the Request URL in its three places."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.slack.http import EVENTS_PATH

MANIFEST_FILE = "manifest.yml"
MAX_REQUEST_URL_CHARS = 3000  # Slack's limit for a slash command's URL (manifest schema)


def manifest_path() -> Path:
    """manifest.yml: inside the installed package, else at the top of the repository."""
    packaged = resources.files("bot") / MANIFEST_FILE
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / MANIFEST_FILE


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load(manifest_path().read_text(encoding="utf-8"))


def request_url_problem(url: str) -> str | None:
    """Why Slack could not use `url` as syncdoc's Request URL in HTTP mode; None if it can."""
    if not url.startswith("https://"):
        return "--request-url must be the https:// address Slack can reach"
    if not url.split("?", 1)[0].endswith(EVENTS_PATH):
        return f"--request-url must end with {EVENTS_PATH}, where `syncdoc serve` listens"
    if len(url) > MAX_REQUEST_URL_CHARS:
        return f"--request-url must be at most {MAX_REQUEST_URL_CHARS} characters"
    return None


def app_manifest(command: str, request_url: str | None = None) -> dict[str, Any]:
    """The manifest with `command` as the slash command; with `request_url`, for HTTP mode
    (Socket Mode off, every Slack request sent to that URL)."""
    manifest = load_manifest()
    (slash,) = manifest["features"]["slash_commands"]
    info = manifest["display_information"]
    info["long_description"] = info["long_description"].replace(slash["command"], command)
    slash["command"] = command
    if request_url:
        slash["url"] = request_url
        settings = manifest["settings"]
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
        settings["socket_mode_enabled"] = False
    return manifest


def manifest_yaml(command: str, request_url: str | None = None) -> str:
    return yaml.safe_dump(
        app_manifest(command, request_url), sort_keys=False, allow_unicode=True, width=100
    )
