"""`pawpado-desktop demo`: the terminal walk-through of the whole journey (no tray)."""

from __future__ import annotations

import argparse

from pawpado_desktop.present.i18n import tr


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help=tr("walk through sign-in, Play, stop and top-up in the terminal (simulated)"),
        description=tr(
            "Run the whole journey against the built-in simulator and print each "
            "step: sign in, Play (start, tailnet, pairing, a short stream), stop, top up. "
            "`pawpado-desktop --demo` shows the same in the tray app."
        ),
    )
    parser.set_defaults(handler=run_demo)


async def run_demo(args: argparse.Namespace) -> int:
    from pawpado_desktop.cli.walkthrough import walkthrough

    return await walkthrough(args)
