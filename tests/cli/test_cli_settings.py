"""`pawpado-desktop settings`: the same settings as the tray's dialog, from a terminal.

Local settings land in the config folder's settings.json, account settings on the
server; a refused value is named on its own line, exit 2, and nothing is saved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.sim.faults import FaultResponse
from tests.support.cli import Cli

SETTINGS = "/api/v1/settings"


def local_file(cli: Cli) -> dict[str, Any]:
    path = Path(cli.env["PAWPADO_CONFIG_DIR"]) / "settings.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_get_lists_this_computers_and_the_accounts_settings(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call("settings")
    assert done.returncode == 0, done.stderr
    assert "display_mode = fullscreen" in done.stdout
    assert f"streamFps = {cli.sim.control.settings()['streamFps']}" in done.stdout

    as_json = cli.call("settings", "get", "--json")
    assert as_json.returncode == 0, as_json.stderr
    found = json.loads(as_json.stdout)
    assert found["local"]["stop_grace_minutes"] == 5
    assert found["server"] == cli.sim.control.settings()

    one = cli.call("settings", "get", "bitrateKbps")
    assert one.stdout.strip() == str(cli.sim.control.settings()["bitrateKbps"])


def test_set_changes_both_kinds_of_setting(cli: Cli) -> None:
    cli.sign_in()
    done = cli.call(
        "settings", "set", "display_mode=windowed", "launch_at_login=false", "streamFps=120"
    )
    assert done.returncode == 0, done.stderr
    assert "display_mode = windowed" in done.stdout and "streamFps = 120" in done.stdout
    assert local_file(cli)["display_mode"] == "windowed"
    assert cli.sim.control.settings()["streamFps"] == 120
    again = json.loads(cli.call("settings", "get", "--json").stdout)
    assert again["local"]["display_mode"] == "windowed"


def test_every_bad_value_is_named_and_nothing_is_saved(cli: Cli) -> None:
    cli.sign_in()
    before = cli.sim.control.settings()
    done = cli.call(
        "settings",
        "set",
        "display_mode=huge",
        "stop_grace_minutes=soon",
        "streamFps=45",
        "colour=blue",
        "language=id",  # a good one: not saved either, since others are refused
    )
    assert done.returncode == ExitCode.USAGE
    lines = [line for line in done.stderr.splitlines() if line.startswith("Invalid setting")]
    assert [line.split(":")[1].strip() for line in lines] == [
        "display_mode",
        "stop_grace_minutes",
        "streamFps",
        "colour",
    ]
    assert "Nothing was saved." in done.stderr
    assert local_file(cli) == {}
    assert cli.sim.control.settings() == before
    assert not [r for r in cli.sim.control.request_log() if r.method == "PATCH"]


def test_a_value_the_server_refuses_is_shown_against_its_field(cli: Cli) -> None:
    cli.sign_in()
    refusal = b'{"error":"VALIDATION_ERROR","message":"bitrateKbps: too high for this gaming PC"}'
    cli.sim.control.replace_responses(
        SETTINGS, FaultResponse(400, refusal, content_type="application/json"), method="PATCH"
    )
    done = cli.call("settings", "set", "bitrateKbps=90000")
    assert done.returncode == ExitCode.USAGE
    assert "Invalid setting: bitrateKbps: too high for this gaming PC" in done.stderr


def test_signed_out_the_local_settings_still_work(cli: Cli) -> None:
    done = cli.call("settings", "set", "notification_level=important")
    assert done.returncode == 0, done.stderr
    assert local_file(cli)["notification_level"] == "important"
    listed = cli.call("settings")
    assert listed.returncode == 0 and "unavailable: Sign in" in listed.stdout

    server = cli.call("settings", "set", "locale=id")
    assert server.returncode == ExitCode.NOT_SIGNED_IN
    assert cli.call("settings", "get", "locale").returncode == ExitCode.NOT_SIGNED_IN
    assert cli.call("settings", "get", "nonsense").returncode == ExitCode.USAGE
