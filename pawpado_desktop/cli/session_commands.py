"""`status`, `play`, `stop` and `topup`: the core's actions, headless."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from pawpado_desktop.api.models import SessionState
from pawpado_desktop.cli import checkout as topup_cli
from pawpado_desktop.cli.handoff import ask_owner_to_stop, hand_play_to_owner
from pawpado_desktop.cli.progress import ProgressPrinter
from pawpado_desktop.cli.prompt import ask_yes_no
from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.cli.wiring import open_core
from pawpado_desktop.core.budget import format_minutes, format_money
from pawpado_desktop.core.health import SERVICE_TEXT, ServiceHealth
from pawpado_desktop.core.play import PlayOptions, SessionEnded
from pawpado_desktop.core.state import AppState
from pawpado_desktop.errors import CancelledByUser, ExitCode, NotSignedIn, PawpadoError

UNKNOWN = SessionState.UNKNOWN  # a state this version does not know: it may bill
STOPPED_WAIT_S = 300.0  # after the confirmed stop, how long to show it going to `stopped`


def register(sub: Any) -> None:
    status = sub.add_parser("status", help="who is signed in, the balance and the session")
    status.add_argument("--json", action="store_true", help="one JSON object (keys in README)")
    status.set_defaults(handler=status_command)

    play = sub.add_parser("play", help="start (or attach to) your gaming PC and stream")
    play.add_argument("--app", help="the Moonlight app to launch (default: the local setting)")
    play.add_argument(
        "--topup",
        type=_amount,
        metavar="AMOUNT",
        help="top up first (opens the checkout) and start once the payment is credited",
    )
    play.add_argument(
        "--grace",
        type=_minutes,
        metavar="MINUTES",
        help="after the stream ends, stop the session after this many minutes (0: at once)",
    )
    after = play.add_mutually_exclusive_group()
    after.add_argument(
        "--keep-running", action="store_true", help="leave the session running after the stream"
    )
    after.add_argument(
        "--stop-after",
        action="store_true",
        help="also stop a session that was already running (one this Play attached to) after "
        "the stream; without it you are asked, or without a terminal it keeps running",
    )
    play.set_defaults(handler=play_command)

    stop = sub.add_parser("stop", help="stop your gaming PC (billing ends when it is stopped)")
    stop.set_defaults(handler=stop_command)

    topup = sub.add_parser("topup", help="add credit: opens the checkout, waits for the payment")
    topup.add_argument("amount", type=_amount, metavar="AMOUNT", help="in your wallet currency")
    topup.add_argument("--no-browser", action="store_true", help="print the checkout link only")
    topup.set_defaults(handler=topup_command)


def _minutes(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number of minutes") from None
    if not 0 <= value <= 240:
        raise argparse.ArgumentTypeError("the grace period must be between 0 and 240 minutes")
    return value


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError("the amount must be a positive number")
    return value


UNREACHABLE = "Pawpado could not be reached; your gaming PC may still be running."


def status_json(state: AppState, now: Any) -> dict[str, Any]:
    """The `status --json` object; its keys are documented in the README.

    Only what was observed: signed out, nothing was read (`reachable` and `session`
    are `null`); when Pawpado could not be read, `reachable` is false and the session
    is `null` (unknown), never a guessed `stopped`.
    """
    identity = state.identity
    reachable = (not state.offline) if state.signed_in else None
    session = state.session if reachable else None
    credits = state.credits
    cost = state.cost_so_far(now) if session is not None else None
    return {
        "signedIn": state.signed_in,
        "reachable": reachable,
        "problem": state.offline or None,
        "identity": None
        if identity is None
        else {"email": identity.email, "name": identity.name, "userId": identity.huudis_user_id},
        "session": None
        if session is None
        else {
            "state": session.raw_state,
            "ready": session.ready,
            "startedAt": session.started_at.isoformat() if session.started_at else None,
            "tailnetIp": session.tailnet_ip,
            "message": session.message,
        },
        "ready": bool(session and session.is_playable),
        "balance": format(credits.balance, "f") if credits else None,
        "currency": credits.currency if credits else None,
        "ratePerMinute": format(credits.rate_per_minute, "f") if credits else None,
        "minutesLeft": state.minutes_left,
        "costSoFar": format(cost, "f") if cost is not None else None,
        "attention": state.attention.value if credits is not None else None,
        "service": (state.service or None) if state.offline else ("ok" if reachable else None),
        "storage": _storage_json(state),
        "demo": state.demo,
    }


def _storage_json(state: AppState) -> dict[str, Any] | None:
    storage = state.storage
    if storage is None:
        return None
    return {
        "tier": storage.tier,
        "sizeGb": storage.size_gb,
        "usedGb": storage.used_gb,
        "pricePerMonth": format(storage.price_per_month, "f"),
        "currency": storage.currency,
        "periodStart": storage.period_start.isoformat(),
        "periodEnd": storage.period_end.isoformat(),
    }


def _storage_line(state: AppState) -> str | None:
    storage = state.storage
    if storage is None:
        return None
    return (
        f"Storage: {plain(storage.tier)} ({storage.used_gb:g} of {storage.size_gb:g} GB used), "
        f"{format_money(storage.price_per_month, storage.currency)}/month, billing period "
        f"{storage.period_start.date().isoformat()} to {storage.period_end.date().isoformat()}"
    )


def print_status(state: AppState, now: Any) -> None:
    if not state.signed_in:
        print("Not signed in. Run `pawpado-desktop login`.")
        return
    if state.identity:
        print(f"Signed in as {plain(state.identity.display_name)}")
    credits = state.credits
    if credits:
        print(
            f"Balance: {format_money(credits.balance, credits.currency)} "
            f"({format_minutes(credits.minutes_left)} of play at "
            f"{format_money(credits.rate_per_minute, credits.currency)}/min)"
        )
    if (storage := _storage_line(state)) is not None:
        print(storage)
    if state.offline:
        print(f"Session: unknown. {UNREACHABLE}")
        if state.service and state.service != ServiceHealth.UNKNOWN:
            print(f"Pawpado: {SERVICE_TEXT[ServiceHealth(state.service)]}")
    else:
        _print_session(state, now)
    for note in (state.offline, state.warning):
        if note:
            print(f"Note: {plain(note)}", file=sys.stderr)


def _print_session(state: AppState, now: Any) -> None:
    credits = state.credits
    session = state.session
    line = f"Session: {plain(session.raw_state) if session else 'stopped'}"
    if session and session.state.value == "running":
        line += ", ready" if session.ready else ", getting ready"
    cost = state.cost_so_far(now)
    if cost is not None and credits:
        line += f", {format_money(cost, credits.currency)} so far"
    if session and session.message:
        line += f" ({plain(session.message)})"
    print(line)
    if state.runs_out_at is not None:
        left = max(0, int((state.runs_out_at - now).total_seconds() // 60))
        print(f"Your balance runs out in {format_minutes(left)} if the session keeps running.")


async def status_command(args: argparse.Namespace) -> int:
    async with open_core(args, poll=False, read_only=True) as core:
        await core.service_health()  # offline: Pawpado down, or this computer offline?
        state = core.store.state
        if args.json:
            print(json.dumps(status_json(state, core.clock.now()), indent=2))
        else:
            print_status(state, core.clock.now())
        if not state.signed_in:
            return int(ExitCode.NOT_SIGNED_IN)
        return int(ExitCode.NETWORK if state.offline else ExitCode.OK)


async def play_command(args: argparse.Namespace) -> int:
    if await hand_play_to_owner(args):
        print("Play is running in the tray; showing it there.")
        return int(ExitCode.OK)
    options = PlayOptions(
        app=args.app,
        grace_minutes=args.grace,
        keep_running=args.keep_running,
        stop_after=args.stop_after,
    )
    # Without a terminal nothing is asked: an attached session keeps running (said so).
    async with open_core(args, confirm=ask_yes_no if sys.stdin.isatty() else None) as core:
        if not core.store.state.signed_in:
            raise NotSignedIn()
        printer = ProgressPrinter(core.clock)
        core.store.subscribe(printer.on_state)
        core.notices.subscribe(printer.on_notice)
        printer.start()
        try:
            if args.topup is not None:
                show = topup_cli.presenter(core, browser=True)
                await core.topup_and_play(args.topup, options, show=show)
            else:
                await core.play(options)
        except SessionEnded:
            if (hint := topup_cli.topup_and_play_hint(core.store.state.topup_offer)) is not None:
                print(hint, file=sys.stderr)  # the balance ran out mid-Play
            raise
        except asyncio.CancelledError:
            # Ctrl-C, SIGTERM or SIGHUP: the Play's clean-up has run; say how it ended.
            outcome = core.store.state.play.detail or "Nothing was left running."
            raise CancelledByUser(outcome) from None
        finally:
            await printer.stop()
        print_status(core.store.state, core.clock.now())
        return int(ExitCode.OK)


async def stop_command(args: argparse.Namespace) -> int:
    """Exit 0 only once Pawpado confirmed the stop; 8 when it could not be confirmed."""
    if await ask_owner_to_stop(args):
        print("Your Play runs in the tray; it was asked to stop and put Tailscale back.")
    async with open_core(args) as core:
        state = core.store.state
        if not state.signed_in:
            raise NotSignedIn()
        session = state.session
        if state.offline:
            # The state is unknown, so "nothing to stop" would be a guess: send the stop.
            print(f"Pawpado could not be reached: {state.offline}")
            print("Your gaming PC may still be running; sending the stop anyway...", flush=True)
        elif session is None or not (session.state.is_active or session.state is UNKNOWN):
            current = plain(session.raw_state) if session else "stopped"
            print(f"Nothing to stop: your session is {current}.")
            return int(ExitCode.OK)
        else:
            print("Stopping your gaming PC...", flush=True)
        status = await core.stop_session()  # StopNotConfirmed (exit 8) after 10 minutes
        if status is not None and status.state.can_start:
            print("Stopped. Billing has ended.")
            return int(ExitCode.OK)
        print("Pawpado confirmed the stop; your gaming PC is shutting down...", flush=True)
        try:
            await core.wait_session(lambda s: s.state.can_start, STOPPED_WAIT_S)
        except PawpadoError:
            print(
                "It is still shutting down; billing ends once it is stopped "
                "(`pawpado-desktop status` shows it)."
            )
            return int(ExitCode.OK)
        print("Stopped. Billing has ended.")
        return int(ExitCode.OK)


async def topup_command(args: argparse.Namespace) -> int:
    async with open_core(args) as core:
        if not core.store.state.signed_in:
            raise NotSignedIn()
        checkout = await core.topup(args.amount, open_browser=False)
        await topup_cli.presenter(core, browser=not args.no_browser)(checkout)
        # Ends when credited, cancelled on the checkout page, or past its expiresAt.
        return topup_cli.report(await core.topup_result())
