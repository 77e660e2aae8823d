from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import bundled_kb_path

CATALOGUE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "linnworks-errors.yaml"

VALID_ENTRY = """\
- id: demo-token-expired
  title: Demo token expired
  channel: demo
  severity: action_required
  patterns:
    - The demo authorisation token has expired for this account
  meaning: The token the integration uses is no longer accepted.
  fix:
    - Re-authorise the channel.
  article:
    title: Demo article
    url: https://example.com/demo
"""


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The bundled knowledge base, loaded once for the whole run."""
    return Engine.from_path(bundled_kb_path())


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files (name -> text) into a fresh knowledge folder and return its path."""

    def write(**files: str) -> Path:
        folder = tmp_path / "kb"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write
