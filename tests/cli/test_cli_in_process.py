"""The in-process CLI runner (`Cli.call`, `call_cli`) ends a command as a process would
and gives back everything it borrowed: the tests that use it rely on both."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys

from pawpado_desktop import __version__
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.present import i18n
from tests.support.cli import Cli, call_cli


def _process_state() -> dict[str, object]:
    root = logging.getLogger()
    return {
        "env": dict(os.environ),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
        "handlers": root.handlers[:],
        "level": root.level,
        "language": i18n.language(),
        "signals": {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)},
    }


def test_exit_codes_and_output_as_from_a_process(cli: Cli) -> None:
    before = _process_state()

    version = cli.call("--version")  # argparse's SystemExit(0)
    assert (version.returncode, version.stdout) == (0, f"pawpado-desktop {__version__}\n")
    usage = cli.call("topup", "5")  # argparse's SystemExit(2), on stderr
    assert usage.returncode == ExitCode.USAGE and "Rp 10.000 to Rp 10.000.000" in usage.stderr
    refused = cli.call("status", PAWPADO_BASE_URL="http://pawpado.example.com")
    assert refused.returncode == ExitCode.USAGE and "unencrypted" in refused.stderr
    status = cli.call("-v", "status", "--json")  # the environment is the rig's again
    assert status.returncode == ExitCode.NOT_SIGNED_IN, status.stderr
    assert json.loads(status.stdout)["signedIn"] is False  # -v logs on stderr, not here

    assert _process_state() == before


async def test_a_command_runs_beside_the_tests_own_loop(cli: Cli) -> None:
    before = _process_state()
    done = call_cli(["status", "--json"], cli.env)
    assert done.returncode == ExitCode.NOT_SIGNED_IN, done.stderr
    assert json.loads(done.stdout)["signedIn"] is False
    assert _process_state() == before
