"""How long each way out waits on a stop: the one table of stop deadlines.

The stopper (core/stopper.py) sends a stop and retries it until Pawpado confirms
it; a stop that outlives its waiter is never dropped (the pending-stop marker
carries it to the next start of the tray or of any command). These say how long
each caller waits, for the confirmation and then for the PC to read `stopped`.
"""

from __future__ import annotations

# A confirmed stop, until the session reads stopped (Play, `stop`, the tray's quit).
STOPPED_WAIT_S = 5 * 60.0
# A CLI command keeps an unconfirmed stop retrying this long before it exits
# (the tray has no limit: it stays until Pawpado confirms).
CLI_STOP_DEADLINE_S = 10 * 60.0
# `status` and other read-only commands: a stop left pending by an earlier run is
# sent again and waited for this briefly, so a report never hangs for minutes.
READ_ONLY_STOP_WAIT_S = 15.0
# A Play's own way out waits this long for its stop; the stopper goes on after.
PLAY_STOP_WAIT_S = 15.0
# A tray action (Stop from the menu) waits this long; the stop itself goes on.
TRAY_STOP_WAIT_S = 60.0
# Signing out with "stop it": the stop must be confirmed before the sign-in goes.
SIGN_OUT_STOP_WAIT_S = 2 * 60.0
# The tray's Quit with "stop it": the Play's clean-up and the wait for stopped.
QUIT_STOP_DEADLINE_S = 5 * 60.0
# SIGTERM or Qt's quit: what the tray process may still live for its clean-up.
EXIT_DEADLINE_S = 60.0
