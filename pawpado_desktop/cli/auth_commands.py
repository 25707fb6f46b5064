"""`login`, `logout` and `whoami`: the sign-in from a terminal.

All three go through the core (`cli/wiring.open_core`), like every command.
On a terminal `login` shows a spinner with the time left; without one it
prints plain lines only, so its output can be logged or piped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable
from datetime import datetime
from typing import TextIO, TypeVar

from pawpado_desktop.cli.notes import show_once
from pawpado_desktop.cli.prompt import can_ask, read_answer
from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.cli.wiring import open_core
from pawpado_desktop.clock import Clock
from pawpado_desktop.core.notices import Notice, NoticeKind, Topic
from pawpado_desktop.core.service import Core, SignInFlow, StillRunning
from pawpado_desktop.core.state import AppState
from pawpado_desktop.core.types import Identity
from pawpado_desktop.errors import ConfigError, ExitCode
from pawpado_desktop.present.errors import text_of
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.notices import notice_text
from pawpado_desktop.safe_url import browser_url, open_in_browser

T = TypeVar("T")
SPINNER = "|/-\\"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login_parser = subparsers.add_parser(
        "login",
        help=tr("sign in with your Huudis account"),
        description=tr(
            "Sign in with Huudis: shows a code and a link (and, on a terminal, a QR "
            "code for your phone), names the sign-in page's host, then opens it in your "
            "browser. The sign-in is kept in the OS keyring."
        ),
    )
    login_parser.add_argument(
        "--no-browser",
        action="store_true",
        help=tr("print the sign-in link (and the QR code on a terminal) without opening a browser"),
    )
    login_parser.set_defaults(handler=login)
    logout_parser = subparsers.add_parser(
        "logout",
        help=tr("sign out and forget the sign-in"),
        description=tr(
            "Revoke the sign-in and forget it. With a gaming PC running (or when "
            "Pawpado cannot be reached to check) it asks on a terminal; without one it "
            "refuses (exit 11) unless --stop or --keep-running says what to do."
        ),
    )
    running = logout_parser.add_mutually_exclusive_group()
    running.add_argument(
        "--stop", action="store_true", help=tr("stop a running gaming PC first (billing ends)")
    )
    running.add_argument(
        "--keep-running",
        action="store_true",
        help=tr("sign out and leave a running gaming PC running (and billing)"),
    )
    logout_parser.set_defaults(handler=logout)
    whoami_parser = subparsers.add_parser(
        "whoami",
        help=tr("show who is signed in"),
        description=tr(
            "Show the signed-in account, its Huudis user ID and until when the "
            "sign-in is valid (it renews itself while you use the app)."
        ),
    )
    whoami_parser.set_defaults(handler=whoami)


def _refuse_demo(args: argparse.Namespace) -> None:
    if getattr(args, "demo", False):
        # Each --demo run builds a fresh pretend world that ends with the process,
        # so a sign-in kept from it would mean nothing; never reach the real one.
        raise ConfigError(
            "login, logout and whoami work on your real account and do not take --demo. "
            "The demo signs in inside its own run: try `pawpado-desktop --demo`."
        )


def _print_warnings(core: Core) -> None:
    """The sign-in store's caveat now, and any warning the sign-in raises later."""
    if core.store.state.warning:  # true on every run: said once
        show_once(text_of(core.store.state.warning), label=tr("Warning"))

    def changed(old: AppState, new: AppState) -> None:
        if new.warning and new.warning != old.warning:
            print(tr("Warning: {warning}", warning=plain(text_of(new.warning))), file=sys.stderr)

    core.store.subscribe(changed)


async def login(args: argparse.Namespace) -> int:
    _refuse_demo(args)
    async with open_core(args, poll=False, read_only=True) as core:
        _print_warnings(core)
        state = core.store.state
        if state.signed_in:  # the stored sign-in works (a dead one was dropped on start)
            identity = state.identity or await core.whoami()
            print(tr("Already signed in as {name}.", name=plain(identity.display_name)))
            print(tr("To switch accounts, run `pawpado-desktop logout` first."))
            return int(ExitCode.OK)
        if not core.keeps_sign_in and state.warning:  # the reason for the refusal below
            show_once(text_of(state.warning), label=tr("Warning"), again=True)
        flow = await core.start_sign_in(must_keep=True)
        await _show_code(flow, open_browser=not args.no_browser)
        found = await _wait_with_progress(core.complete_sign_in(flow), flow, core.clock, sys.stdout)
        if found is None:
            why = text_of(core.store.state.offline) or tr("Pawpado did not answer")
            print(plain(tr("Signed in, but could not look up the account: {why}", why=why)))
        else:
            print(tr("Signed in as {name}.", name=plain(found.display_name)))
        return int(ExitCode.OK)


KEEP_HINT = (
    "To stop it later, sign in again (`pawpado-desktop login`) and run `pawpado-desktop stop`."
)


async def logout(args: argparse.Namespace) -> int:
    """Sign out; a running gaming PC is never left billing by accident.

    With a session running (or one that cannot be checked) it asks on a terminal;
    without one it refuses (exit 11) unless `--stop` or `--keep-running` says what to do.
    """
    _refuse_demo(args)
    async with open_core(args) as core:
        if not core.store.state.signed_in:
            print(tr("You were not signed in."))
            return int(ExitCode.OK)
        stop = await _stop_or_keep(args, core)
        if stop is None:
            print(tr("Nothing changed: you are still signed in."))
            return int(ExitCode.CANCELLED)
        running = _maybe_running(core)
        if stop and running:
            print(tr("Stopping your gaming PC before signing out..."), flush=True)
        try:
            last = await core.sign_out(stop=stop)
        except StillRunning as error:
            raise StillRunning(
                "{reason} To sign out anyway and leave it running, run "
                "`pawpado-desktop logout --keep-running`.",
                reason=error.phrase,
            ) from None
        if stop and running:
            if last is not None and last.state.can_start:
                print(tr("Your gaming PC was stopped; billing has ended."))
            else:
                print(
                    tr(
                        "The stop was accepted: your gaming PC is shutting down; billing ends "
                        "once it has stopped."
                    )
                )
        elif running:
            print(tr("Your gaming PC keeps running and billing. {hint}", hint=tr(KEEP_HINT)))
        print(tr("Signed out."))
        return int(ExitCode.OK)


def _maybe_running(core: Core) -> bool:
    """A session runs, or Pawpado could not be asked (then it may)."""
    session = core.store.state.session
    return bool(core.store.state.offline) or (session is not None and session.state.is_active)


async def _stop_or_keep(args: argparse.Namespace, core: Core) -> bool | None:
    """True: stop the PC first; False: keep it running; None: do not sign out."""
    if args.stop or args.keep_running:
        return bool(args.stop)
    if not _maybe_running(core):
        return True  # nothing runs; signing out still re-checks and stops a late start
    state = core.store.state
    values: dict[str, object]
    if state.offline:
        why, values = WHY_UNCHECKED, {"problem": text_of(state.offline)}
    else:
        found = Notice(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, **core.running_facts())
        why, values = WHY_RUNNING, {"running": notice_text(found)}
    if not can_ask() and state.offline:
        raise StillRunning(
            "Pawpado could not be reached to check whether your gaming PC is running "
            "({offline}); it may be running and billing. Signing out would leave nothing "
            "here to stop it. Run `pawpado-desktop logout --stop` to stop it first, or "
            "`pawpado-desktop logout --keep-running` to sign out and leave it running.",
            offline=state.offline,
        )
    if not can_ask():
        raise StillRunning(
            "Your gaming PC is running and billing. {running} Signing out would leave "
            "nothing here to stop it. Run `pawpado-desktop logout --stop` to stop it first, "
            "or `pawpado-desktop logout --keep-running` to sign out and leave it running.",
            running=values["running"],
        )
    print(tr(why, **values))
    answer = await read_answer(
        tr("Stop it before signing out? [s]top it / [k]eep it running / [C]ancel: ")
    )
    return ANSWERS.get(answer)


WHY_UNCHECKED = (
    "Pawpado could not be reached to check whether your gaming PC is running "
    "({problem}); it may be running and billing."
)
WHY_RUNNING = "Your gaming PC is running and billing. {running}"
# Both languages' answers: [s]top / [k]eep, and Indonesian's [h]entikan / [t]etap menyala.
ANSWERS = {
    **dict.fromkeys(("s", "stop", "h", "hentikan"), True),
    **dict.fromkeys(("k", "keep", "t", "tetap"), False),
}


async def whoami(args: argparse.Namespace) -> int:
    _refuse_demo(args)
    async with open_core(args, poll=False, read_only=True) as core:
        _print_warnings(core)
        print_identity(await core.whoami())  # NotSignedIn (exit 3) when signed out
        return int(ExitCode.OK)


def print_identity(identity: Identity, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    print(tr("Signed in as {name}", name=plain(identity.display_name)), file=out)
    print(tr("Huudis user ID: {user_id}", user_id=plain(identity.huudis_user_id)), file=out)
    print(
        tr(
            "Sign-in valid until: {time} (renewed on its own while you use Pawpado)",
            time=_local_time(identity.expires_at),
        ),
        file=out,
    )


async def _show_code(flow: SignInFlow, *, open_browser: bool) -> None:
    # The addresses were checked against the issuer when they arrived; printed plain.
    print(tr("To sign in, open {url}", url=plain(flow.verification_uri)))
    print(tr("and enter the code: {code}", code=plain(flow.user_code)))
    if flow.verification_uri_complete:
        print(
            tr(
                "(or open {url} , which has the code filled in)",
                url=plain(flow.verification_uri_complete),
            )
        )
    print(tr("The code expires at {time}.", time=_local_time(flow.expires_at)))
    page = browser_url(flow.browser_uri, what="sign-in page")  # checked before any use
    if sys.stdout.isatty():  # never into a pipe or a log: it is only for eyes and cameras
        print_qr(page.url, sys.stdout)
    if open_browser:
        print(
            tr("Opening the sign-in page on {host} in your browser...", host=page.host), flush=True
        )
        if not await open_in_browser(page.url, what="sign-in page"):
            print(tr("Could not open a browser; open the address above yourself."))
    sys.stdout.flush()


def print_qr(url: str, out: TextIO) -> None:
    """`url` as a QR code for a phone's camera: dark on light whatever the terminal's
    colors (segno's ANSI output sets both), with a narrow quiet zone to save lines."""
    import segno  # deferred: only a sign-in on a terminal needs it

    print(tr("Or scan this with your phone:"), file=out)
    segno.make(url, error="l").terminal(out=out, border=2)
    out.flush()


async def _wait_with_progress(
    approval: Awaitable[T], flow: SignInFlow, clock: Clock, out: TextIO
) -> T:
    if not out.isatty():
        print(tr("Waiting for you to approve the sign-in..."), file=out, flush=True)
        return await approval
    spinner = asyncio.ensure_future(_spin(flow, clock, out))
    try:
        return await approval
    finally:
        spinner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await spinner
        out.write("\r\033[K")
        out.flush()


async def _spin(flow: SignInFlow, clock: Clock, out: TextIO) -> None:
    i = 0
    while True:
        left = max(0, int((flow.expires_at - clock.now()).total_seconds()))
        waiting = tr(
            "Waiting for you to approve the sign-in ({left} left, Ctrl-C to cancel)",
            left=f"{left // 60}:{left % 60:02d}",
        )
        out.write(f"\r{SPINNER[i % len(SPINNER)]} {waiting}\033[K")
        out.flush()
        i += 1
        await asyncio.sleep(0.2)


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
