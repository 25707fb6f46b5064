"""A redacted summary to paste into a support request.

It names versions, the desktop, the state of the session and where things went
wrong, and never carries a token, a key, a code or the user's email address.
"""

from __future__ import annotations

import platform
import re
import sys
from datetime import datetime
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


def debug_info(state: AppState, now: datetime, extra: dict[str, str]) -> str:
    from PySide6 import __version__ as pyside

    session = state.session
    credits = state.credits
    lines = {
        "Pawpado Desktop": __version__ + (" (demo)" if state.demo else ""),
        "Python": sys.version.split()[0],
        "PySide6": pyside,
        "System": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Time": now.isoformat(timespec="seconds"),
        "Signed in": str(state.signed_in),
        "Account": state.identity.email if state.identity else "-",
        "Session": f"{session.raw_state or session.state.value} ready={session.ready}"
        if session
        else "-",
        "Session message": (session.message or "-") if session else "-",
        "Play": f"{state.play.phase.value} {state.play.detail}".strip(),
        "Phases": ", ".join(s.phase.value for s in state.play.steps) or "-",
        "Balance": f"{credits.balance} {credits.currency} at {credits.rate_per_minute}/min"
        if credits
        else "-",
        "Attention": state.attention.value,
        "Last error": f"{state.last_error.title}: {state.last_error.message}"
        if state.last_error
        else "-",
        "Warning": state.warning or "-",
        "Offline": getattr(state, "offline", "") or "-",
        **extra,
    }
    return redact("\n".join(f"{key}: {value}" for key, value in lines.items()))
