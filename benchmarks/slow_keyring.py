"""A keyring backend for benchmarks: every call waits first, like a sluggish Secret Service.

Name it in PYTHON_KEYRING_BACKEND (`benchmarks.slow_keyring.SlowKeyring`) and the
app's own backend choice picks it up like a user's configuration. The delay is
PAWPADO_BENCH_KEYRING_DELAY seconds (default 0.3). Entries live in this
process's memory, or, when PAWPADO_BENCH_KEYRING_FILE names a file, in that
file (0600), so a benchmark can store a sign-in that a launched app then finds.
Nothing reaches a real keyring.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from pawpado_desktop.config import atomic_write

DELAY_ENV = "PAWPADO_BENCH_KEYRING_DELAY"
FILE_ENV = "PAWPADO_BENCH_KEYRING_FILE"


class SlowKeyring(KeyringBackend):
    priority = 1  # a plain value where keyring declares a classproperty

    memory: ClassVar[dict[str, str]] = {}
    calls: ClassVar[int] = 0
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _wait(self) -> None:
        with SlowKeyring._lock:
            SlowKeyring.calls += 1
        time.sleep(float(os.environ.get(DELAY_ENV, "0.3")))

    def _entries(self) -> dict[str, str]:
        path = os.environ.get(FILE_ENV)
        if not path:
            return self.memory
        try:
            loaded: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return loaded

    def _keep(self, entries: dict[str, str]) -> None:
        path = os.environ.get(FILE_ENV)
        if path:
            atomic_write(Path(path), json.dumps(entries))

    @staticmethod
    def _key(service: str, username: str) -> str:
        return f"{service}\n{username}"

    def get_password(self, service: str, username: str) -> str | None:
        self._wait()
        return self._entries().get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait()
        entries = self._entries()
        entries[self._key(service, username)] = password
        self._keep(entries)

    def delete_password(self, service: str, username: str) -> None:
        self._wait()
        entries = self._entries()
        if entries.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError("no such entry")
        self._keep(entries)
