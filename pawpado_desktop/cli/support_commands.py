"""`pawpado-desktop debug-bundle [PATH]`: a zip to attach to a support request.

It works offline and signed out: it reads only local files (the logs' tails and
the app's own state files), redacted, never the sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from pathlib import Path

from pawpado_desktop.cli.wiring import wiring_from_env
from pawpado_desktop.config import log_dir
from pawpado_desktop.diagnostics import as_text, environment, write_bundle
from pawpado_desktop.errors import ExitCode, SaveFailed
from pawpado_desktop.present.i18n import tr


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "debug-bundle",
        help=tr("save a redacted zip of logs and state for Pawpado support"),
        description=tr(
            "Write a zip with the app's version, the recent logs and its state files "
            "(the Tailscale join record, local settings, a pending stop), with tokens, keys, "
            "codes and e-mail addresses removed. The sign-in is never included. Attach it to "
            "your support request."
        ),
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help=tr("where to write the zip, a file or a folder (default: the current folder)"),
    )
    parser.set_defaults(handler=debug_bundle_command)


async def debug_bundle_command(args: argparse.Namespace) -> int:
    now = datetime.now().astimezone()
    target: Path = args.path or Path.cwd()
    # The same reading of the environment as every other command, and no core:
    # the bundle must work offline, signed out and with a broken keyring.
    wiring = wiring_from_env(os.environ)
    store = wiring.credential_store
    summary = as_text(
        {
            **environment(now),
            "Command line": "yes",
            "Pawpado API": wiring.endpoints.base_url,
            "Credential store": store if isinstance(store, str) else type(store).__name__,
        }
    )
    try:
        written = await asyncio.to_thread(
            write_bundle,
            target,
            summary=summary,
            config=wiring.config_dir,
            logs=log_dir(os.environ),
            now=now,
        )
    except OSError as exc:
        raise SaveFailed(
            "The debug bundle could not be written to {target} "
            "({reason}). Name another folder, for example "
            "`pawpado-desktop debug-bundle ~/Desktop`.",
            target=target,
            reason=exc.strerror or type(exc).__name__,
        ) from None
    print(tr("Saved {path}. Attach it to your message to Pawpado support.", path=written))
    return int(ExitCode.OK)
