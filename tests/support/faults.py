"""Faults a test injects on this computer: a full disk, a keyring that stalls or is locked.

- `DiskFull` / the `disk_full` fixture: fsync of files in the config folder fails
  with ENOSPC, as on a full disk.
- `StallingKeyring`: answers until `stall()`, then blocks like an unseen unlock prompt.
- `LockedKeyring`: there but locked.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

# -- a full disk ---------------------------------------------------------------------


@dataclass
class DiskFull:
    """Fails the flush to disk of files in `folder` with ENOSPC, like a full disk.

    Wraps os.fsync, where a full disk shows up for a small file written through
    the page cache; descriptors are matched to paths through /proc/self/fd.
    """

    folder: Path
    failures: int = 0

    def _ours(self, fd: int) -> bool:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False
        return target.startswith(str(self.folder))

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def faulty(fd: int, *args: Any) -> Any:
            if self._ours(fd):
                self.failures += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(fd, *args)

        return faulty


@pytest.fixture
def disk_full(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    """The config folder's disk is full from now on (other paths are untouched)."""
    isolated_config.mkdir(parents=True, exist_ok=True)
    fault = DiskFull(isolated_config.resolve())
    monkeypatch.setattr(os, "fsync", fault.wrap(os.fsync))
    yield fault


# -- keyrings that go wrong -------------------------------------------------------------


class StallingKeyring(KeyringBackend):
    """An in-memory keyring that answers until `stall()`, then blocks every call,
    like an unlock prompt nobody sees (released at teardown)."""

    priority = -1  # never auto-selected

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}
        self.stalled = threading.Event()
        self.released = threading.Event()

    def stall(self) -> None:
        self.stalled.set()

    def _gate(self) -> None:
        if self.stalled.is_set():
            self.released.wait(30)

    def get_password(self, service: str, username: str) -> str | None:
        self._gate()
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._gate()
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._gate()
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(KeyringBackend):
    """A keyring that is there but locked: every call says so at once."""

    priority = -1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")
