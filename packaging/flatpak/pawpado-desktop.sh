#!/bin/sh
# Flatpak launcher: the package lives in /app/lib/pawpado, its dependencies in
# /app/lib/python3.*/site-packages (python3-deps and the PySide base app).
export PYTHONPATH="/app/lib/pawpado${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m pawpado_desktop "$@"
