"""Where syncdoc's shipped knowledge base is, known without loading anything that reads it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled_kb_path() -> Path:
    """The knowledge base shipped with syncdoc: inside the installed package, else the repo's."""
    packaged = resources.files("bot") / "knowledge"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "knowledge"
