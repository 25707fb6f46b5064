"""Pawpado Desktop: play on your Pawpado cloud gaming PC from the system tray."""

import sys

__version__ = "0.1.0"

# httpx's optional command line (`httpx._main`, imported by `import httpx`) loads
# click and pygments whenever they happen to be installed (the simulator's uvicorn
# brings click): 2.2 MiB and ~20 ms the app never uses. A None entry makes that
# optional import fail at once; httpx then goes without its command line.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
