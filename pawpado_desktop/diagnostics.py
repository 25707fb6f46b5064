"""What support needs, redacted: a summary to paste, and a bundle to attach.

`debug_info` names versions, the desktop, the state of the session and where
things went wrong; `write_bundle` zips that with the tail of the logs and the
app's own state files. Neither ever carries a token, a key, a code or the user's
email address: every text goes through `redact`, and the credentials file is
never read (only the files named in STATE_FILES are).
"""

from __future__ import annotations

import platform
import re
import sys
import zipfile
from datetime import datetime
from importlib import metadata
from pathlib import Path

from pawpado_desktop import __version__
from pawpado_desktop.core.state import AppState

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_SECRETISH = re.compile(r"(eyJ[\w-]+\.[\w-]+\.[\w-]*|tskey-[\w-]+|\b[A-Za-z0-9_\-]{32,}\b)")


def redact(text: str) -> str:
    text = _SECRETISH.sub("[redacted]", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home, "~")
    return text


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment(now: datetime, *, demo: bool = False) -> dict[str, str]:
    """Versions, the system and the time: what every report starts with."""
    return {
        "Pawpado Desktop": __version__ + (" (demo)" if demo else ""),
        "Python": sys.version.split()[0],
        "PySide6": _version("PySide6-Essentials"),
        "httpx": _version("httpx"),
        "System": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Time": now.isoformat(timespec="seconds"),
    }


def as_text(lines: dict[str, str]) -> str:
    return redact("\n".join(f"{key}: {value}" for key, value in lines.items()))


def debug_info(state: AppState, now: datetime, extra: dict[str, str]) -> str:
    session = state.session
    credits = state.credits
    lines = {
        **environment(now, demo=state.demo),
        "Signed in": str(state.signed_in),
        "Account": state.identity.email if state.identity else "-",
        "Session": f"{session.raw_state or session.state.value} ready={session.ready}"
        if session
        else "-",
        "Session message": (session.message or "-") if session else "-",
        "Play": " ".join([state.play.phase.value, *map(str, state.play.detail)]),
        "Phases": ", ".join(s.phase.value for s in state.play.steps) or "-",
        "Balance": f"{credits.balance} {credits.currency} at {credits.rate_per_minute}/min"
        if credits
        else "-",
        "Attention": state.attention.value,
        "Last error": f"{state.last_error.title}: {state.last_error.message}"
        if state.last_error
        else "-",
        "Warning": str(state.warning) or "-",  # English, for support
        "Offline": getattr(state, "offline", "") or "-",
        **extra,
    }
    return as_text(lines)


# The app's own files that say what it was doing; none holds a secret.
STATE_FILES = (
    "settings.json",
    "tailscale-join.json",
    "stop-pending.json",
    "moonlight-children.json",
    "play.lock.owner.json",
)
LOG_TAIL_BYTES = 512 * 1024  # per log file: the recent past is what support reads


def bundle_name(now: datetime) -> str:
    return f"pawpado-debug-{now.strftime('%Y%m%d-%H%M%S')}.zip"


def write_bundle(path: Path, *, summary: str, config: Path, logs: Path, now: datetime) -> Path:
    """Zip the summary, the logs' tails and the state files into `path` (0600); a folder
    gets a dated file name. Returns the file written. Blocking: call it on a worker thread.
    """
    if path.is_dir():
        path = path / bundle_name(now)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("debug-info.txt", redact(summary) + "\n")
        for name in STATE_FILES:
            text = _read(config / name)
            if text is not None:
                bundle.writestr(f"state/{name}", redact(text))
        for log_file in sorted(logs.glob("*.log*")):
            text = _read(log_file, tail=LOG_TAIL_BYTES)
            if text is not None:
                bundle.writestr(f"logs/{log_file.name}", redact(text))
        bundle.writestr("created.txt", f"{now.isoformat(timespec='seconds')}\n")
    path.chmod(0o600)
    return path


def _read(path: Path, *, tail: int | None = None) -> str | None:
    try:
        with path.open("rb") as handle:
            if tail is not None:
                size = handle.seek(0, 2)
                handle.seek(max(0, size - tail))
            data = handle.read()
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")
