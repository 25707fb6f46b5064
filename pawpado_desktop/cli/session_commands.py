"""`status`, `play`, `stop` and `topup`: the core's actions, headless."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pawpado_desktop.cli import checkout as topup_cli
from pawpado_desktop.cli.handoff import ask_owner_to_stop, hand_play_to_owner
from pawpado_desktop.cli.main import received_signals
from pawpado_desktop.cli.notes import show_once
from pawpado_desktop.cli.progress import ProgressPrinter
from pawpado_desktop.cli.prompt import ask_yes_no
from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.cli.wiring import open_core
from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.budget import MAXIMUM_TOPUP, MINIMUM_TOPUP, parse_amount
from pawpado_desktop.core.facts import Question
from pawpado_desktop.core.play import PlayOptions, SessionEnded
from pawpado_desktop.core.state import AppState, Attention
from pawpado_desktop.core.stop_policy import STOPPED_WAIT_S
from pawpado_desktop.core.types import ConnectionPath, SessionState, region_name
from pawpado_desktop.errors import CancelledByUser, ExitCode, NotSignedIn, PawpadoError
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.errors import text_of
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.progress import detail_text, question_text
from pawpado_desktop.present.status import status_lines, storage_lines

UNKNOWN = SessionState.UNKNOWN  # a state this version does not know: it may bill


def register(sub: Any) -> None:
    status = sub.add_parser(
        "status",
        help=tr("who is signed in, the balance and the session"),
        description=tr(
            "Show who is signed in, the balance and the play time it buys, the "
            "minimum balance a start needs, a low-balance warning, and the session's state "
            "and cost so far. Exits 8 when Pawpado could not be read (the session is then "
            "unknown)."
        ),
    )
    status.add_argument(
        "--json",
        action="store_true",
        help=tr(
            "print one JSON object instead of text: signedIn, reachable, problem, identity, "
            "session, ready, balance, currency, ratePerMinute, minutesLeft, "
            "minimumStartBalance, balanceWarning, costSoFar, attention, demo"
        ),
    )
    status.set_defaults(handler=status_command)

    play = sub.add_parser(
        "play",
        help=tr("start (or attach to) your gaming PC and stream"),
        description=tr(
            "Start your gaming PC (or attach to the one already running), join its "
            "tailnet, pair Moonlight if needed and stream. When the stream ends, a PC this "
            "command started is stopped after the grace period unless --keep-running."
        ),
    )
    play.add_argument(
        "--app",
        type=app_name,
        metavar="NAME",
        help=tr(
            "the app to stream, as your gaming PC names it (e.g. Desktop, Steam Big "
            "Picture). Its form is checked at once; whether the PC has it can only be checked "
            "once the PC runs (default: the app in Settings, Desktop unless changed)"
        ),
    )
    play.add_argument(
        "--topup",
        type=_amount,
        metavar="AMOUNT",
        help=tr(
            "top up AMOUNT first (opens the checkout) and start once the payment is "
            "credited (default: no top-up)"
        ),
    )
    play.add_argument(
        "--grace",
        type=_minutes,
        metavar="MINUTES",
        help=tr(
            "after the stream ends, stop the gaming PC after this many minutes, 0 to 240 "
            "(0: at once) (default: the grace period in Settings, 5 unless changed)"
        ),
    )
    after = play.add_mutually_exclusive_group()
    after.add_argument(
        "--keep-running",
        action="store_true",
        help=tr("leave the gaming PC running (and billing) after the stream"),
    )
    after.add_argument(
        "--stop-after",
        action="store_true",
        help=tr(
            "also stop a session that was already running (one this Play attached to) "
            "after the stream; without it you are asked, or without a terminal it keeps running"
        ),
    )
    play.set_defaults(handler=play_command)

    stop = sub.add_parser(
        "stop",
        help=tr("stop your gaming PC (billing ends when it is stopped)"),
        description=tr(
            "Stop your gaming PC, wherever it was started. The stop is resent on a "
            "passing problem for up to 10 minutes; exits 0 once Pawpado confirmed it, 8 if it "
            "could not be confirmed (the PC may still be billing)."
        ),
    )
    stop.set_defaults(handler=stop_command)

    topup = sub.add_parser(
        "topup",
        help=tr("add credit: opens the checkout, waits for the payment"),
        description=tr(
            "Open a checkout for AMOUNT (after naming its host) and wait up to 10 "
            "minutes for the payment to be credited. Ctrl-C stops waiting (exit 130); a "
            "payment made meanwhile is still credited."
        ),
    )
    topup.add_argument(
        "amount",
        type=_amount,
        metavar="AMOUNT",
        help=tr("how much to add, in your wallet currency (IDR): {range}", range=_range()),
    )
    topup.add_argument(
        "--no-browser",
        action="store_true",
        help=tr("print the checkout link only, without opening a browser"),
    )
    topup.set_defaults(handler=topup_command)


MAX_APP_NAME = 200  # far longer than any Sunshine app name; a paste gone wrong is not one
KNOWN_APPS = ("Desktop", "Steam Big Picture")  # Sunshine's defaults on every platform


def app_name(raw: str) -> str:
    """An app name Moonlight can be given. The cloud PC's app list is not known before
    it runs (only Moonlight, on the running PC, can list it), so only the form is checked
    here, before anything starts or bills."""
    name = raw.strip()
    if not name:
        raise argparse.ArgumentTypeError(tr("name the app to stream, for example Desktop"))
    if name.startswith("-"):
        raise argparse.ArgumentTypeError(
            tr("{name} is not an app name (it starts with -)", name=repr(plain(name)))
        )
    if len(name) > MAX_APP_NAME or plain(name) != name:
        raise argparse.ArgumentTypeError(
            tr(
                "not an app name: at most {count} characters, no control characters",
                count=MAX_APP_NAME,
            )
        )
    return name


def _minutes(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("{text} is not a number of minutes", text=repr(raw))
        ) from None
    if not 0 <= value <= 240:
        raise argparse.ArgumentTypeError(tr("the grace period must be between 0 and 240 minutes"))
    return value


def _range() -> str:
    low, high = fmt.money(MINIMUM_TOPUP, "IDR"), fmt.money(MAXIMUM_TOPUP, "IDR")
    return tr("from {low} to {high}", low=low, high=high)


def _amount(raw: str) -> Decimal:
    value = parse_amount(raw)
    if value is None:
        raise argparse.ArgumentTypeError(tr("{text} is not an amount", text=repr(raw)))
    if not MINIMUM_TOPUP <= value <= MAXIMUM_TOPUP:
        raise argparse.ArgumentTypeError(
            tr("the amount must be {range} (in your wallet currency, IDR)", range=_range())
        )
    return value


def connection_json(path: ConnectionPath | None) -> dict[str, Any] | None:
    """`status --json`'s `connection`: the path while a Play streams here, else null."""
    if path is None:
        return None
    return {
        "path": path.kind.value,
        "endpoint": path.endpoint or None,
        "relayCode": path.relay_code or None,
        "relayRegion": region_name(path.relay_code) if path.relay_code else None,
        "rttMs": None if path.rtt_ms is None else round(path.rtt_ms, 1),
    }


def status_json(
    state: AppState, now: Any, connection: ConnectionPath | None = None
) -> dict[str, Any]:
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
        "problem": str(state.offline) or None,  # English, like the rest of the JSON
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
        "minimumStartBalance": format(credits.minimum_start_balance, "f") if credits else None,
        "balanceWarning": balance_warning(state) if credits else None,
        "costSoFar": format(cost, "f") if cost is not None else None,
        "attention": state.attention.value if credits is not None else None,
        "connection": connection_json(connection if session is not None else None),
        "service": (state.service or None) if state.offline else ("ok" if reachable else None),
        "storage": _storage_json(state),
        "demo": state.demo,
    }


TOPUP_HINT = "Top up with `pawpado-desktop topup AMOUNT` (or from the tray)."


def balance_warning(state: AppState) -> str | None:
    """What the tray's amber or red dot says about the balance, or None when it is fine."""
    credits = state.credits
    if credits is None or state.attention is Attention.OK:
        return None
    session = state.session
    running = session is not None and session.state.is_active
    if state.attention is Attention.EMPTY:
        said = tr("Your balance has run out.")
    elif credits.shortfall_to_start > 0 and not running:
        said = tr(
            "Your balance is too low to start: a start needs {needed} ({missing} missing).",
            needed=fmt.money(credits.minimum_start_balance, credits.currency),
            missing=fmt.money(credits.shortfall_to_start, credits.currency),
        )
    else:
        said = tr(
            "Your balance is low: about {time} of play left.",
            time=fmt.minutes(state.minutes_left),
        )
    return f"{said} {tr(TOPUP_HINT)}"


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


def print_status(
    state: AppState, now: Any, mono: float = 0.0, connection: ConnectionPath | None = None
) -> None:
    """The tray's status lines, word for word (`present.status`), on stdout; then what
    the tray says with its buttons and its badge (sign in, top up) on stderr."""
    if connection is not None:  # read by this command while another process streams
        state = replace(state, connection=connection)
    for line in [*status_lines(state, now, mono), *storage_lines(state)]:
        if line.name == "problem" and state.warning and line.text == text_of(state.warning):
            continue  # true on every run: said once, below
        print(plain(line.text))
    for hint in status_hints(state):
        print(hint, file=sys.stderr)
    if state.warning:
        show_once(text_of(state.warning))


def status_hints(state: AppState) -> list[str]:
    if not state.signed_in:
        if state.demo:  # `login` refuses --demo: point at what does work
            return [
                tr(
                    "Each `--demo` command starts a fresh simulated Pawpado. Try "
                    "`pawpado-desktop demo` (a walk-through) or `pawpado-desktop --demo` "
                    "(the tray)."
                )
            ]
        return [tr("Run `pawpado-desktop login` to sign in.")]
    warning = balance_warning(state)
    return [tr("Warning: {warning}", warning=warning)] if warning else []


async def status_command(args: argparse.Namespace) -> int:
    async with open_core(args, poll=False, read_only=True) as core:
        await core.service_health()  # offline: Pawpado down, or this computer offline?
        state = core.store.state
        connection = await core.connection_for_status()
        if args.json:
            print(json.dumps(status_json(state, core.clock.now(), connection), indent=2))
        else:
            print_status(state, core.clock.now(), core.clock.monotonic(), connection)
        if not state.signed_in:
            return int(ExitCode.NOT_SIGNED_IN)
        return int(ExitCode.NETWORK if state.offline else ExitCode.OK)


def _unchecked_app_note(app: str | None) -> str | None:
    """Said before a Play with an app that is neither a default nor the one in Settings:
    the name can only be checked on the running PC, after the boot has been billed."""
    if app is None:
        return None
    usual = {*KNOWN_APPS, LocalSettings.load().moonlight_app}
    if app.casefold() in {name.casefold() for name in usual}:
        return None
    return tr(
        'Whether your gaming PC has an app named "{app}" can only be checked once it runs. '
        "If it has none, the Play ends there and a PC this Play started is stopped.",
        app=app,
    )


async def play_command(args: argparse.Namespace) -> int:
    note = _unchecked_app_note(args.app)
    if note:
        print(tr("Note: {note}", note=plain(note)), flush=True)
    if await hand_play_to_owner(args):
        print(tr("Play is running in the tray; showing it there."))
        return int(ExitCode.OK)
    options = PlayOptions(
        app=args.app,
        grace_minutes=args.grace,
        keep_running=args.keep_running,
        stop_after=args.stop_after,
    )
    # Without a terminal nothing is asked: an attached session keeps running (said so).
    confirm = _ask_question if sys.stdin.isatty() else None
    async with open_core(args, confirm=confirm) as core:
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
        except SessionEnded as error:
            printer.reported(error)  # said once, on stderr, by the exit
            if (hint := topup_cli.topup_and_play_hint(core.store.state.topup_offer)) is not None:
                print(hint, file=sys.stderr)  # the balance ran out mid-Play
            raise
        except PawpadoError as error:
            printer.reported(error)  # said once, on stderr, by the exit
            raise
        except asyncio.CancelledError:
            # Ctrl-C, SIGTERM or SIGHUP: the Play's clean-up has run; say how it ended.
            outcome = detail_text(core.store.state.play.detail)  # the clean-up's own words
            if outcome:
                raise CancelledByUser("{outcome}", outcome=outcome) from None
            raise CancelledByUser("Nothing was left running.") from None
        finally:
            await printer.stop()
        print_status(core.store.state, core.clock.now(), core.clock.monotonic())
        return int(ExitCode.OK)


async def _ask_question(question: Question) -> bool:
    return await ask_yes_no(question_text(question))


async def stop_command(args: argparse.Namespace) -> int:
    """Exit 0 only once Pawpado confirmed the stop; 8 when it could not be confirmed."""
    if await ask_owner_to_stop(args):
        print(tr("Your Play runs in the tray; it was asked to stop and put Tailscale back."))
    async with open_core(args) as core:
        state = core.store.state
        if not state.signed_in:
            raise NotSignedIn()
        session = state.session
        if state.offline:
            # The state is unknown, so "nothing to stop" would be a guess: send the stop.
            print(tr("Pawpado could not be reached: {problem}", problem=text_of(state.offline)))
            print(tr("Your gaming PC may still be running; sending the stop anyway..."), flush=True)
        elif session is None or not (session.state.is_active or session.state is UNKNOWN):
            current = plain(session.raw_state) if session else tr("stopped")
            print(tr("Nothing to stop: your session is {state}.", state=current))
            return int(ExitCode.OK)
        else:
            print(tr("Stopping your gaming PC..."), flush=True)
        status = await core.stop_session()  # StopNotConfirmed (exit 8) after 10 minutes
        if status is not None and status.state.can_start:
            print(tr("Stopped. Billing has ended."))
            return int(ExitCode.OK)
        print(tr("Pawpado confirmed the stop; your gaming PC is shutting down..."), flush=True)
        try:
            await core.wait_session(lambda s: s.state.can_start, STOPPED_WAIT_S)
        except PawpadoError:
            print(
                tr(
                    "It is still shutting down; billing ends once it is stopped "
                    "(`pawpado-desktop status` shows it)."
                )
            )
            return int(ExitCode.OK)
        print(tr("Stopped. Billing has ended."))
        return int(ExitCode.OK)


STOPPED_WAITING = (
    "Stopped waiting for the payment. A payment made meanwhile is still credited "
    "(`pawpado-desktop status` shows the balance)."
)


async def topup_command(args: argparse.Namespace) -> int:
    async with open_core(args) as core:
        if not core.store.state.signed_in:
            raise NotSignedIn()
        checkout = await core.topup(args.amount, open_browser=False)
        await topup_cli.presenter(core, browser=not args.no_browser)(checkout)
        # Ends when credited, cancelled on the checkout page, or past its expiresAt.
        try:
            result = await core.topup_result()
        except asyncio.CancelledError:  # Ctrl-C, SIGTERM, SIGHUP: 130, saying what it means
            raise CancelledByUser(STOPPED_WAITING) from None
        if received_signals():  # the watch ended under a stop signal: cancelled, not timed out
            raise CancelledByUser(STOPPED_WAITING)
        return topup_cli.report(result)
