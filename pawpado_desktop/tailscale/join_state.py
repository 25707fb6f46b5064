"""What to restore if the app dies while on the game tailnet.

Written atomically (0600) under config_dir() *before* anything in Tailscale
changes, updated once the join is done, deleted after a clean leave. A file left
behind means a crash: the next start-up restores from it. It holds no secret.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pawpado_desktop.config import config_dir, read_json, write_json
from pawpado_desktop.tailscale.errors import TailscaleError

STATE_FILE = "tailscale-join.json"
_VERSION = 1


@dataclass
class JoinRecord:
    original_profile_id: str  # "" when the user had no logged-in profile
    original_profile_name: str
    game_profile_name: str  # unique ProfileName we gave the game profile
    switched_profile: bool  # False when we joined on the (empty) current profile
    game_profile_id: str = ""  # known once the login completed
    node_ip: str = ""
    phase: str = "joining"  # "joining" until Running, then "joined"

    @classmethod
    def parse(cls, raw: Any) -> JoinRecord | None:
        if not isinstance(raw, dict) or raw.get("version") != _VERSION:
            return None
        try:
            return cls(
                original_profile_id=str(raw["original_profile_id"]),
                original_profile_name=str(raw.get("original_profile_name", "")),
                game_profile_name=str(raw["game_profile_name"]),
                switched_profile=bool(raw.get("switched_profile", True)),
                game_profile_id=str(raw.get("game_profile_id", "")),
                node_ip=str(raw.get("node_ip", "")),
                phase=str(raw.get("phase", "joining")),
            )
        except KeyError:
            return None


class JoinStateStore:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def path(self) -> Path:
        return (self._directory or config_dir()) / STATE_FILE

    def load(self) -> JoinRecord | None:
        """The recorded join, or None. An unreadable file counts as a crash record too."""
        path = self.path
        if not path.exists():
            return None
        record = JoinRecord.parse(read_json(path))
        if record is None:
            # Damaged: we still know a join was under way, not what to switch back to.
            return JoinRecord("", "", "", switched_profile=True, phase="unknown")
        return record

    def save(self, record: JoinRecord) -> None:
        try:
            write_json(self.path, {"version": _VERSION, **asdict(record)})
        except OSError as exc:
            # Without this record a crash could leave the user on the game profile.
            raise TailscaleError(
                "Pawpado could not write down how to put your Tailscale back "
                f"({exc.strerror or type(exc).__name__}), so it does not join the game "
                f"network. Free some disk space (or check that {self.path.parent} belongs "
                "to you), then press Play again.",
                title="Could not join the game network",
            ) from None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
