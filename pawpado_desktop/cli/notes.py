"""Lasting caveats (such as "your sign-in is kept in a plain file") said once.

Such a note is true on every run, so repeating it on every command buries the
output that matters. Each is shown the first time only: the digests of the notes
already shown are kept in a small state file in the config folder (no text, so
no path or address is stored). A note that changes (another file, another cause)
is a new note and is shown again.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.config import config_dir, read_json, write_json
from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present.i18n import tr

NOTES_FILE = "notes-shown.json"
MAX_REMEMBERED = 50

_said: set[str] = set()  # in this process: never twice, whatever the file says


def _digest(note: str) -> str:
    return hashlib.sha256(note.encode()).hexdigest()[:16]


def _path() -> Path | None:
    try:
        return config_dir() / NOTES_FILE
    except (OSError, PawpadoError):
        return None


def _remembered(path: Path | None) -> list[str]:
    raw = read_json(path) if path is not None else None
    return [d for d in raw if isinstance(d, str)] if isinstance(raw, list) else []


def show_once(note: str, *, label: str | None = None, again: bool = False) -> bool:
    """Print `label: note` on stderr unless it was shown before; True if printed
    (`label`: "Note" unless told, in the user's language).

    `again`: print it even if an earlier run did (it explains an error now), but
    still not twice in one run.
    """
    digest = _digest(note)
    if digest in _said:
        return False
    path = _path()
    seen = _remembered(path)
    _said.add(digest)
    if digest in seen and not again:
        return False
    with contextlib.suppress(OSError, ValueError):  # the terminal is gone (SIGHUP)
        line = tr("{label}: {note}", label=label or tr("Note"), note=plain(note))
        print(line, file=sys.stderr, flush=True)
    if path is not None and digest not in seen:
        with contextlib.suppress(OSError):  # unwritable: shown again next time, no harm
            write_json(path, [*seen, digest][-MAX_REMEMBERED:])
    return True
