"""Keep PySide6 from holding the source text of every module the app imports.

PySide6 checks each module imported after it for `from __feature__ import ...`
by reading the module's source with `inspect.getsource`, which leaves the whole
file in `linecache`: about 300 files, 10-11 MiB of RSS in a source install
(a bundle without .py files pays nothing). The check's answer is kept; only
the cached text is dropped (a traceback reads the lines again when it needs them).
"""

from __future__ import annotations

import linecache
import logging
import sys
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

FEATURE_MODULE = "PySide6.support.feature"
CHECK = "_mod_uses_pyside"


def forget_checked_sources() -> None:
    """Wrap PySide6's per-import source check so it leaves nothing in linecache."""
    feature: Any = sys.modules.get(FEATURE_MODULE)
    check = getattr(feature, CHECK, None)
    if check is None or getattr(check, "forgets_source", False):
        log.debug("PySide6 has no %s.%s here: nothing to wrap", FEATURE_MODULE, CHECK)
        return

    def checked(module: ModuleType) -> Any:
        try:
            return check(module)
        finally:
            linecache.cache.pop(getattr(module, "__file__", None) or "", None)

    checked.forgets_source = True  # type: ignore[attr-defined]
    setattr(feature, CHECK, checked)
