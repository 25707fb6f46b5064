"""`status` never reports a state it did not observe (issue 12, item 5).

With Pawpado answering 502 to everything, a gaming PC that runs and bills must
not be shown as `stopped`: the state is unknown, the user is told why, and
`--json` says `"reachable": false` with `"session": null`; the exit code is 8.
"""

from __future__ import annotations

import json

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli

UNKNOWN = "your gaming PC's state is unknown"




def api_answers_502(cli: Cli) -> None:
    cli.sim.control.replace_responses("/api/v1/*", FaultResponse(502, b"Bad Gateway"), count=1000)


def test_status_with_pawpado_down_says_unknown_not_stopped(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    api_answers_502(cli)

    done = cli.call("status")

    assert done.returncode == ExitCode.NETWORK, done.stderr
    assert UNKNOWN in done.stdout
    assert "stopped" not in done.stdout
    assert "HTTP 502" in done.stdout and "Traceback" not in done.stderr
    assert cli.sim.control.session()["billing"] is True  # the truth the user was not told


def test_status_json_with_pawpado_down(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()
    api_answers_502(cli)

    done = cli.call("status", "--json")

    assert done.returncode == ExitCode.NETWORK, done.stderr
    status = json.loads(done.stdout)
    assert status["signedIn"] is True
    assert status["reachable"] is False
    assert status["session"] is None
    assert status["ready"] is False and status["costSoFar"] is None
    assert "502" in status["problem"]


def test_status_json_reachable_when_pawpado_answers(cli: Cli) -> None:
    cli.sign_in()
    cli.start_elsewhere()

    done = cli.call("status", "--json")

    assert done.returncode == ExitCode.OK, done.stderr
    status = json.loads(done.stdout)
    assert status["reachable"] is True and status["problem"] is None
    assert status["session"]["state"] in ("provisioning", "starting", "running")
