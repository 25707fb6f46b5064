"""The tray does not keep the source text of the modules it imports (10 MiB of RSS)."""

from __future__ import annotations

import linecache
import subprocess
import sys

SCRIPT = """
import linecache, sys
import PySide6.QtCore
from pawpado_desktop.ui.source_cache import forget_checked_sources
forget_checked_sources()
forget_checked_sources()  # twice is harmless
import pawpado_desktop.core.factory
held = [name for name in linecache.cache if "pawpado_desktop" in name and "source_cache" not in name]
print(len(held))
"""


def test_imported_modules_leave_no_source_text_behind() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split()[-1] == "0", done.stdout + done.stderr


def test_tracebacks_still_show_source_lines() -> None:
    import pawpado_desktop.ui.source_cache as module

    assert module.__file__ is not None
    assert "def forget_checked_sources" in "".join(linecache.getlines(module.__file__))
