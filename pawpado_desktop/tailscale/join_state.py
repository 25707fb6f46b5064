"""What to restore if the app dies while on the game tailnet.

Written atomically (0600) under config_dir() *before* anything in Tailscale
changes, updated once the join is done, deleted after a clean leave. It holds no
secret. The joining process owns the join through an `OwnerLock` beside it
(`tailnet-join.lock`), held from before the record is written until the leave
or the rollback ends; the record names that owner (PID and start time). A record
whose lock can be taken was left by a dead owner: the next start-up restores it.
A record whose lock is held belongs to a live process and is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pawpado_desktop.config import config_dir, read_json, write_json
from pawpado_desktop.owner import ProcessIdentity
from pawpado_desktop.tailscale.errors import TailscaleJoinFailed

log = logging.getLogger(__name__)

STATE_FILE = "tailscale-join.json"
LOCK_FILE = "tailnet-join.lock"
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
    owner_pid: int = 0  # the process that owns the join (see `JoinStateStore.lock_path`)
    owner_started: int | None = None  # its start time, so a reused PID is not mistaken for it

    @classmethod
    def parse(cls, raw: Any) -> JoinRecord | None:
        """The record, or None when it says nothing about what to switch back to.

        Any other field that is unusable falls back to its default alone, with a
        warning naming it: the rest still restores the user's Tailscale.
        """
        if not isinstance(raw, dict) or raw.get("version") != _VERSION:
            return None
        original, game = raw.get("original_profile_id"), raw.get("game_profile_name")
        if not isinstance(original, str) or not isinstance(game, str):
            return None
        record = cls(original, "", game, switched_profile=True)
        for name, kinds in _OPTIONAL_FIELDS.items():
            if name not in raw:
                continue
            if type(raw[name]) in kinds:  # `type() in`: a JSON true is not a PID
                setattr(record, name, raw[name])
            else:
                log.warning("%s: the field %s is not usable; using its default", STATE_FILE, name)
        return record

    @property
    def owner(self) -> ProcessIdentity | None:
        if self.owner_pid <= 0:
            return None
        return ProcessIdentity(self.owner_pid, self.owner_started)


_OPTIONAL_FIELDS: dict[str, tuple[type, ...]] = {
    "original_profile_name": (str,),
    "switched_profile": (bool,),
    "game_profile_id": (str,),
    "node_ip": (str,),
    "phase": (str,),
    "owner_pid": (int,),
    "owner_started": (int, type(None)),
}


class JoinStateStore:
    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def path(self) -> Path:
        return (self._directory or config_dir()) / STATE_FILE

    @property
    def lock_path(self) -> Path:
        """The join's owner lock, beside the record."""
        return self.path.with_name(LOCK_FILE)

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
            raise TailscaleJoinFailed(
                "Pawpado could not write down how to put your Tailscale back "
                "({reason}), so it does not join the game "
                "network. Free some disk space (or check that {folder} belongs "
                "to you), then press Play again.",
                reason=exc.strerror or type(exc).__name__,
                folder=self.path.parent,
            ) from None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
