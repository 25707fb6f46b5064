"""`settings [get [KEY] | set KEY=VALUE ...]`: the tray's Settings, from a terminal.

The same core API as the tray's dialog (`Core.settings`, `Core.update_settings`):
local keys as in settings.json (`display_mode`), the account's by the contract's
names (`streamFps`). Every refused value is printed on its own line, and the
command exits 2 with nothing saved.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.cli.wiring import open_core
from pawpado_desktop.core.service import Core
from pawpado_desktop.core.settings import (
    LOCAL_KEYS,
    SERVER_KEYS,
    SettingsInvalid,
    SettingsView,
    parse_assignments,
    unknown_key,
)
from pawpado_desktop.errors import ExitCode, NotSignedIn, PawpadoError
from pawpado_desktop.present.errors import text_of
from pawpado_desktop.present.i18n import tr


class ServerSettingsUnavailable(PawpadoError):
    title = "Account settings unavailable"
    exit_code = ExitCode.NETWORK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "settings",
        help=tr("show or change settings (this computer's and your account's)"),
        description=tr(
            "Without an action: `get`. Local settings: {local}. Account settings (need a "
            "sign-in): {server}.",
            local=", ".join(LOCAL_KEYS),
            server=", ".join(SERVER_KEYS),
        ),
    )
    actions = parser.add_subparsers(
        dest="settings_action", metavar="ACTION", help=tr("get or set (default: get)")
    )
    get = actions.add_parser("get", help=tr("print every setting, or one"))
    get.add_argument("key", nargs="?", metavar="KEY", help=tr("one setting's name"))
    get.add_argument("--json", action="store_true", help=tr("print JSON"))
    change = actions.add_parser("set", help=tr("change settings: KEY=VALUE ..."))
    change.add_argument(
        "pairs", nargs="+", metavar="KEY=VALUE", help=tr("a setting's name and its new value")
    )
    parser.set_defaults(handler=settings_command, key=None, json=False)


async def settings_command(args: argparse.Namespace) -> int:
    if getattr(args, "settings_action", None) == "set":
        return await _set(args)
    return await _get(args)


async def _get(args: argparse.Namespace) -> int:
    key: str | None = args.key
    if key is not None and key not in LOCAL_KEYS and key not in SERVER_KEYS:
        return _refused(SettingsInvalid([unknown_key(key)]))
    async with open_core(args, poll=False, read_only=True) as core:
        view = await core.settings()
        if key is not None and key in SERVER_KEYS and view.server is None:
            _server_unavailable(core, view)
        values = view.values()
        if key is not None:
            if args.json:
                print(json.dumps({key: values[key]}))
            else:
                print(_text(values[key]))
            return int(ExitCode.OK)
        if args.json:
            print(json.dumps(_as_json(view), indent=2))
            return int(ExitCode.OK)
        _print_view(view)
        return int(ExitCode.OK)


async def _set(args: argparse.Namespace) -> int:
    try:
        update = parse_assignments(args.pairs)  # every bad pair, before anything is asked
    except SettingsInvalid as error:
        return _refused(error)
    async with open_core(args, poll=False, read_only=True) as core:
        try:
            view = await core.update_settings(update)
        except SettingsInvalid as error:
            return _refused(error)
        values = view.values()
        for key in [*update.local, *update.server]:
            print(plain(f"{key} = {_text(values.get(key, ''))}"))
        print(tr("Saved."))
        return int(ExitCode.OK)


def _refused(error: SettingsInvalid) -> int:
    """Each refused value on its own line (stderr), then the exit code for invalid input."""
    for problem in error.errors:
        text = text_of(problem.text)
        line = f"{problem.key}: {text}" if problem.key else text
        print(plain(tr("Invalid setting: {problem}", problem=line)), file=sys.stderr)
    print(tr("Nothing was saved."), file=sys.stderr)
    return int(error.exit_code)


def _server_unavailable(core: Core, view: SettingsView) -> None:
    if not core.store.state.signed_in:
        raise NotSignedIn("Your account's settings need a sign-in: run `pawpado-desktop login`.")
    raise ServerSettingsUnavailable("{problem}", problem=view.server_problem)


def _print_view(view: SettingsView) -> None:
    values = view.values()
    print(tr("This computer:"))
    for key in LOCAL_KEYS:
        print(plain(f"  {key} = {_text(values[key])}"))
    print(tr("Your account (every device):"))
    if view.server is None:
        print(plain(tr("  unavailable: {problem}", problem=view.server_problem)))
        return
    for key in SERVER_KEYS:
        print(plain(f"  {key} = {_text(values[key])}"))


def _as_json(view: SettingsView) -> dict[str, Any]:
    values = view.values()
    return {
        "local": {key: values[key] for key in LOCAL_KEYS},
        "server": None if view.server is None else {key: values[key] for key in SERVER_KEYS},
        "serverProblem": view.server_problem or None,
    }


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
