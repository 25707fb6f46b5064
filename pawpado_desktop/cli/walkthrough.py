"""`pawpado-desktop --demo` in a terminal: the whole journey against the simulator.

Sign in (the demo presses Approve on the verification page for you), look at the
balance, Play (start, boot, join the tailnet, pair, stream a few seconds, stop),
then top up through the checkout page. Every step prints what it does.
"""

from __future__ import annotations

import argparse
from decimal import Decimal

import httpx

from pawpado_desktop.cli.progress import ProgressPrinter
from pawpado_desktop.cli.session_commands import print_status
from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.cli.wiring import open_core
from pawpado_desktop.core.play import PlayOptions
from pawpado_desktop.errors import ExitCode, PawpadoError
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.tls import tls_context


async def press(page_url: str, **fields: str) -> None:
    """Submit a simulator page's form as a person clicking its button would."""
    # A browser follows the checkout back to the app's return page.
    async with httpx.AsyncClient(timeout=10, follow_redirects=True, verify=tls_context()) as http:
        response = await http.post(page_url, data=fields)
        response.raise_for_status()


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


async def walkthrough(args: argparse.Namespace) -> int:
    args.demo = True
    async with open_core(args) as core:
        step(tr("Demo mode: a simulated Pawpado, Tailscale and Moonlight on this computer"))
        print(tr("Pawpado API: {url}", url=core.api_url))

        step(tr("Sign in with Huudis"))
        flow = await core.start_sign_in()
        print(
            tr(
                "Open {url} and enter the code {code}",
                url=plain(flow.verification_uri),
                code=plain(flow.user_code),
            )
        )
        print(tr("(demo: pressing Approve on that page for you)"))
        await press(flow.verification_uri, user_code=flow.user_code, action="approve")
        await core.complete_sign_in(flow)
        print_status(core.store.state, core.clock.now(), core.clock.monotonic())

        step(tr("Play: start the gaming PC, join its tailnet, pair Moonlight, stream"))
        printer = ProgressPrinter(core.clock)
        core.store.subscribe(printer.on_state)
        core.notices.subscribe(printer.on_notice)
        printer.start()
        try:
            await core.play(PlayOptions(grace_minutes=0))
        except PawpadoError as error:
            printer.reported(error)  # said once, on stderr, by the exit
            raise
        finally:
            await printer.stop()
        print_status(core.store.state, core.clock.now(), core.clock.monotonic())

        amount = Decimal(30000)
        shown = fmt.money(amount, "IDR")
        step(tr("Top up {amount} through the checkout page", amount=shown))
        checkout = await core.topup(amount, open_browser=False)
        print(tr("Checkout: {url}", url=plain(checkout.checkout_url)))
        print(tr("(demo: pressing Pay on that page for you)"))
        await press(checkout.checkout_url, action="pay")
        credits = await core.wait_for_topup()
        if credits is not None:
            print(tr("Balance now {amount}", amount=fmt.money(credits.balance, credits.currency)))
        step(tr("Done. Run `pawpado-desktop --help` for the commands."))
        return int(ExitCode.OK)
