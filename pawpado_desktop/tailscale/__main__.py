"""A small tool for trying the Tailscale side on its own (and for crash tests).

    python -m pawpado_desktop.tailscale status
    python -m pawpado_desktop.tailscale check
    python -m pawpado_desktop.tailscale join [--control-url URL] [--instance-ip IP] [--hold]
    python -m pawpado_desktop.tailscale leave | restore

`join` reads the auth key from standard input, never from the command line.
Results are printed as one JSON object per line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any

from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.tailscale.joiner import TailnetJoiner


def _emit(value: dict[str, Any]) -> None:
    print(json.dumps(value), flush=True)


async def _run(args: argparse.Namespace) -> int:
    joiner = await TailnetJoiner.open_default()
    client = joiner.client
    try:
        if args.command == "status":
            status = await client.status()
            _emit(
                {
                    "state": status.backend_state.go_name,
                    "ips": status.tailscale_ips,
                    "tailnet": status.tailnet_name,
                    "peers": len(status.peers),
                }
            )
        elif args.command == "check":
            await joiner.check_ready()
            _emit({"ready": True})
        elif args.command == "join":
            auth_key = (await asyncio.to_thread(sys.stdin.readline)).strip()
            result = await joiner.join(auth_key, args.control_url, args.instance_ip, args.deadline)
            _emit({"joined": asdict(result)})
            if args.hold:  # stay on the tailnet until killed
                await asyncio.Event().wait()
        elif args.command == "leave":
            await joiner.leave()
            _emit({"left": True})
        else:
            _emit({"restored": await joiner.restore_after_crash()})
    finally:
        await joiner.aclose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pawpado_desktop.tailscale")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="what tailscaled reports")
    sub.add_parser("check", help="installed, running and writable?")
    join = sub.add_parser("join", help="join with the auth key read from stdin")
    join.add_argument("--control-url", default=None)
    join.add_argument("--instance-ip", default=None)
    join.add_argument("--deadline", type=float, default=120.0, help="seconds to reach Running")
    join.add_argument("--hold", action="store_true", help="stay joined until killed")
    sub.add_parser("leave", help="log out of the game profile and switch back")
    sub.add_parser("restore", help="undo a join a crash left behind")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except PawpadoError as error:
        print(f"{error.title}: {error.message}", file=sys.stderr)
        return int(error.exit_code)


if __name__ == "__main__":
    sys.exit(main())
