"""Where the app's icons and translations live: `pawpado_desktop/resources/`, package data
that the wheel, the PyInstaller bundle and the Flatpak all carry."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def _root() -> Path:
    root = files("pawpado_desktop").joinpath("resources")
    # Qt opens icons by file name, so the package must be installed as files on disk
    # (a wheel, a PyInstaller bundle and a Flatpak are; a zipped import would not be).
    if not isinstance(root, Path):
        raise RuntimeError(f"pawpado_desktop's resources are not files on disk ({root!r})")
    return root


def resource(*parts: str) -> Path:
    return _root().joinpath(*parts)
