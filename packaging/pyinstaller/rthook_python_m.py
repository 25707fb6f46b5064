"""PyInstaller runtime hook: the bundle answers `-m pawpado_desktop.<module>` like Python.

Code that starts one of our own modules as a child process writes
`sys.executable -m pawpado_desktop...` (the demo's fake Moonlight does). In a
bundle `sys.executable` is the app, so without this the app's own argument
parser would reject `-m`. Only modules of pawpado_desktop are run.
"""

import runpy
import sys


def _run_own_module() -> None:
    if len(sys.argv) < 3 or sys.argv[1] != "-m":
        return
    module = sys.argv[2]
    if module != "pawpado_desktop" and not module.startswith("pawpado_desktop."):
        return
    sys.argv = [sys.argv[0], *sys.argv[3:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    sys.exit(0)


_run_own_module()
