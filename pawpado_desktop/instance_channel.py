"""The tray's single-instance channel, seen from a process without Qt.

The tray listens on a QLocalServer (pawpado_desktop.ui.single_instance) under a
per-user, per-config-folder name; a later launch says one line to it: `show`,
`play` (a CLI Play handed to the tray that owns the Play) or `stop`. Qt puts that
server at a Unix socket in its temporary folder, or at a named pipe on Windows;
this module reaches it with the standard library, so the CLI never loads Qt.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
from pathlib import Path

CONNECT_TIMEOUT_S = 1.0
MESSAGES = ("show", "play", "stop")


def instance_name(config: Path, *, demo: bool) -> str:
    """A per-user, per-config-folder name (the demo runs beside the real app)."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}:{config.resolve()}".encode()).hexdigest()[:12]
    return f"pawpado-desktop-{'demo-' if demo else ''}{digest}"


def server_path(name: str) -> str:
    """Where Qt's QLocalServer listens for `name` (QDir::tempPath() on Unix)."""
    if sys.platform == "win32":
        return rf"\\.\pipe\{name}"
    temp = os.environ.get("TMPDIR") or "/tmp"  # noqa: S108 - Qt's own default, mirrored
    return os.path.join(os.path.normpath(temp), name)


def send(name: str, message: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> bool:
    """Say `message` to the running tray; False if no tray answered. Blocking: call it
    from a worker thread."""
    if message not in MESSAGES:
        raise ValueError(f"unknown instance message {message!r}")
    line = message.encode() + b"\n"
    path = server_path(name)
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            with open(path, "wb", buffering=0) as pipe:
                pipe.write(line)
            return True
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(path)
            sock.sendall(line)
        return True
    except OSError:
        return False
