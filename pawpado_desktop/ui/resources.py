"""Where the app's icons and translations live (the repository's `resources/`)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
