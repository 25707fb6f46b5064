"""Who owns the Play: one process per user and config folder at a time.

A Play bills, joins the tailnet and runs Moonlight, so two of them at once
(the tray and a terminal, or two terminals) would fight over one session and
one Tailscale. The Play's owner holds `play.lock` (pawpado_desktop.owner) for the
life of the Play and writes beside it whether it is the tray or a command. A
second Play is refused with the owner's name; the CLI hands a Play or a stop to
the tray when the tray owns it (pawpado_desktop.instance_channel).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pawpado_desktop.config import config_dir
from pawpado_desktop.errors import ExitCode, PawpadoError, Phrase
from pawpado_desktop.owner import OwnerLock

PLAY_LOCK_FILE = "play.lock"


class Role(Enum):
    """Which kind of Pawpado process a core runs in."""

    TRAY = "tray"
    CLI = "cli"


@dataclass(frozen=True)
class PlayOwner:
    pid: int
    role: Role

    def describe(self) -> Phrase:
        if self.role is Role.TRAY:
            return Phrase("the Pawpado tray")
        return Phrase("another Pawpado command (process {pid})", pid=self.pid)


class PlayElsewhere(PawpadoError):
    """Another live Pawpado process owns the Play."""

    title = "Already playing elsewhere"
    exit_code = ExitCode.BUSY

    def __init__(self, owner: PlayOwner | None) -> None:
        who = owner.describe() if owner is not None else Phrase("another Pawpado window")
        super().__init__(
            "A Play is already under way in {who}. Use that one (or wait until it ends): "
            "only one Play at a time can own your gaming PC and the game network.",
            who=who,
        )
        self.owner = owner


def play_lock(folder: Path | None = None) -> OwnerLock:
    return OwnerLock((folder or config_dir()) / PLAY_LOCK_FILE)


def read_owner(lock: OwnerLock) -> PlayOwner | None:
    """The live process that owns the Play, if any (None when free or unnamed)."""
    info = lock.owner_info()
    if info is None or lock.held:
        return None
    try:
        return PlayOwner(int(info["pid"]), Role(info.get("role", Role.CLI.value)))
    except (KeyError, TypeError, ValueError):
        return None


async def play_owner(folder: Path | None = None) -> PlayOwner | None:
    """Who owns the Play right now (off the loop: it touches the file system)."""
    return await asyncio.to_thread(read_owner, play_lock(folder))


class PlayClaim:
    """The Play lock of one core: taken for the life of each Play, refused while owned."""

    def __init__(self, role: Role, folder: Path | None = None) -> None:
        self.role = role
        self._folder = folder
        self._lock: OwnerLock | None = None
        self._taken = False

    async def take(self) -> None:
        """Own the Play, or raise PlayElsewhere naming the owner (this process included:
        the claim is marked taken before the first await, so two calls cannot both win)."""
        if self._taken:
            raise PlayElsewhere(PlayOwner(os.getpid(), self.role))
        self._taken = True
        lock = self._lock or play_lock(self._folder)
        self._lock = lock
        try:
            if await asyncio.to_thread(lock.try_acquire, role=self.role.value):
                return
            owner = await asyncio.to_thread(read_owner, lock)
        except BaseException:
            self.release()
            raise
        self._taken = False
        raise PlayElsewhere(owner)

    def release(self) -> None:
        self._taken = False
        if self._lock is not None:
            self._lock.release()
