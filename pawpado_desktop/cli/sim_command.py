"""`pawpado-desktop sim`: run the Pawpado + Huudis simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal, InvalidOperation

from pawpado_desktop.clock import Clock, ScaledClock, SystemClock
from pawpado_desktop.config import is_loopback_host
from pawpado_desktop.errors import ConfigError
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.sim.config import SimConfig

DEFAULT_PORT = 8765


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text} is not a number", text=repr(text))) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(tr("must be greater than 0"))
    return value


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(tr("{text} is not an amount", text=repr(text))) from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(tr("must be a non-negative amount"))
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sim",
        help=tr("run the Pawpado API and Huudis sign-in simulator"),
        description=tr(
            "Serve a simulated Pawpado API and Huudis identity provider for one "
            "demo account. Point the app at it with PAWPADO_BASE_URL and PAWPADO_AUTH_URL."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help=tr("address to listen on; anything but loopback lets others sign in as the demo"),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=tr("port to listen on (0: any free port)")
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help=tr("approve device sign-ins at the first poll, without the verification page"),
    )
    parser.add_argument(
        "--speed",
        type=_positive_float,
        default=None,
        help=tr(
            "run simulated time this many times faster (phases, billing, expiry) "
            "(default: 1, real time)"
        ),
    )
    parser.add_argument(
        "--balance",
        type=_amount,
        default=None,
        help=tr("starting wallet balance in IDR (default: {amount})", amount=SimConfig().balance),
    )
    parser.set_defaults(handler=run_sim)


async def run_sim(args: argparse.Namespace) -> int:
    from pawpado_desktop.sim.server import SimulatorServer  # deferred: uvicorn is slow to import

    config = SimConfig(auto_approve=args.auto_approve)
    if args.balance is not None:
        config.balance = args.balance
    clock: Clock = ScaledClock(args.speed) if args.speed else SystemClock()
    if not is_loopback_host(args.host):
        print(
            tr(
                "Warning: listening on {host}, not loopback. The simulator has no real "
                "security; anyone who can reach it can sign in as the demo account.",
                host=args.host,
            ),
            file=sys.stderr,
        )
    server = SimulatorServer(config, clock=clock, host=args.host, port=args.port)
    try:
        await asyncio.to_thread(server.start)
    except OSError as exc:
        raise ConfigError(
            "Cannot listen on {host}:{port} ({reason}). "
            "Choose another --port, or stop whatever is using it.",
            host=args.host,
            port=args.port,
            reason=exc.strerror or str(exc),
        ) from exc
    print(tr("Pawpado API: {url}", url=server.base_url))
    print(tr("Huudis issuer: {url}", url=server.issuer_url))
    print(tr("Press Ctrl-C to stop."), flush=True)
    try:
        await asyncio.Event().wait()  # until Ctrl-C cancels us
    except asyncio.CancelledError:
        pass  # Ctrl-C is how this command ends: a clean exit, not an error
    finally:
        await asyncio.to_thread(server.stop)
    print(tr("Simulator stopped."))
    return 0
