"""macOS: a LaunchAgent, `~/Library/LaunchAgents/com.pawpado.Desktop.plist` (RunAtLoad)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pawpado_desktop.atomic_file import atomic_write
from pawpado_desktop.autostart.common import APP_ID


class LaunchAgent:
    def __init__(self, directory: Path) -> None:
        self.path = directory / f"{APP_ID}.plist"

    @property
    def where(self) -> str:
        return str(self.path)

    def write(self, argv: Sequence[str]) -> None:
        agent = {
            "Label": APP_ID,
            "ProgramArguments": list(argv),
            "RunAtLoad": True,
            "ProcessType": "Interactive",  # a user-facing app: no throttling
            "LimitLoadToSessionType": "Aqua",  # only in a graphical login
        }
        import plistlib  # macOS only; kept off the tray's path to its icon (~20 ms)

        atomic_write(self.path, plistlib.dumps(agent), mode=0o644)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def read(self) -> list[str] | None:
        import plistlib
        from xml.parsers.expat import ExpatError

        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError, ExpatError):
            return None  # missing or unreadable: launchd would not load it either
        if not isinstance(agent, dict) or agent.get("Label") != APP_ID:
            return None
        if agent.get("Disabled") is True or agent.get("RunAtLoad") is not True:
            return None
        argv = agent.get("ProgramArguments")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return None
        return argv or None
