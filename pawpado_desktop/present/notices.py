"""A notice as the user reads it: its title and text in the current language.

The core posts a `Notice` (a kind, a `Topic`, typed parameters); this words it, the
same way for the tray's notifications and the CLI's progress lines. Each topic has
one English title and one text (catalogue keys) in `NOTICES`; a few have a second
text for when an optional value is there or not (`ALTERNATE_TEXTS`). A server's own
text is a parameter, shown as it came, never used as a template.
"""

from __future__ import annotations

from pawpado_desktop.core.checkout import TopupOutcome
from pawpado_desktop.core.facts import Param
from pawpado_desktop.core.notices import Notice, Topic
from pawpado_desktop.errors import Money, PawpadoError
from pawpado_desktop.present.errors import error_text, error_title
from pawpado_desktop.present.format import minutes, money
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.present.progress import fill

_STOP_LATER = "Stop it from the tray or with `pawpado-desktop stop` when you are done."

# Topic -> (title, text). Fields in braces are the notice's parameters (see Topic).
NOTICES: dict[Topic, tuple[str, str]] = {
    Topic.SESSION_READY: ("Your gaming PC is ready", "Launching the stream."),
    Topic.STREAM_ENDED: (
        "Stream ended",
        "Your gaming PC stops in {duration} unless you keep it running.",
    ),
    Topic.STOPPED: ("Session stopped", "Billing has ended."),
    Topic.PENDING_STOP_DONE: (
        "Session stopped",
        "Pawpado confirmed the stop asked for last time; billing ends once it is stopped.",
    ),
    Topic.STOPPED_BY_SERVER: ("Session stopped", "Pawpado said: {message}"),
    Topic.SESSION_FOUND: (
        "Your gaming PC is running",
        "A session is {state} ({facts}). Reconnect to it, or stop it.",
    ),
    Topic.BALANCE_EMPTY: (
        "Balance used up",
        "Your balance has run out. Top up to keep playing.",
    ),
    Topic.BALANCE_LOW: (
        "Balance running low",
        "At the current rate your balance lasts about {span} more. Top up to keep playing.",
    ),
    Topic.BALANCE_LOW_PLAYING: (
        "Balance running low",
        "Your balance covers about {span} more of play. Top up to keep playing.",
    ),
    Topic.TOPUP_CREDITED: ("Top-up credited", "{added} was added; your balance is now {balance}."),
    Topic.TOPUP_CANCELLED: (
        "Top-up cancelled",
        "The checkout was cancelled; nothing was charged.",
    ),
    Topic.TOPUP_EXPIRED: (
        "Top-up expired",
        "The checkout expired before a payment was credited; it can no longer be paid. If "
        "you paid at the last moment, your balance still rises once it is settled.",
    ),
    Topic.TOPUP_NOT_CREDITED: (
        "Top-up not credited yet",
        "Your payment has not been credited yet. It shows in your balance once Plugipay "
        "settles it; if it does not, contact Pawpado support.",
    ),
    Topic.TAILSCALE_RESTORED: (
        "Tailscale restored",
        "The app had stopped mid-way last time; your own Tailscale profile is back.",
    ),
    Topic.STOP_UNCONFIRMED_SIGNED_OUT: (
        "Stop not confirmed",
        "Pawpado did not confirm the last stop of your gaming PC, and you are signed out. "
        "Sign in and stop it (tray or `pawpado-desktop stop`): it may be billing.",
    ),
    Topic.STOP_UNCONFIRMED_OTHER_ACCOUNT: (
        "Stop not confirmed",
        "Pawpado did not confirm the last stop of a gaming PC of another Pawpado account. "
        "Sign in with that account and stop it: it may be billing.",
    ),
    Topic.FINISHING_STOP: (
        "Finishing a stop",
        "Pawpado did not confirm the last stop of your gaming PC; sending it again.",
    ),
    Topic.KEPT_RUNNING: (
        "Session kept running",
        f"Your gaming PC is still running and billing. {_STOP_LATER}",
    ),
    Topic.CHECK_SESSION: ("Check your session", "{problem}"),
    Topic.RELAYED: (
        "Relayed connection",
        "Your stream goes through a Tailscale relay server in {region}, which adds delay "
        "and lowers quality. A direct path needs UDP: allow outgoing UDP (Tailscale uses "
        "port 41641) in your firewall or security software, or try another network; some "
        "routers, VPNs and mobile networks block it. See TROUBLESHOOTING.md.",
    ),
}
# The text when an optional value is missing: the session's facts, the relay's place.
ALTERNATE_TEXTS: dict[Topic, str] = {
    Topic.SESSION_FOUND: "A session is {state}. Reconnect to it, or stop it.",
    Topic.RELAYED: (
        "Your stream goes through a Tailscale relay server, which adds delay and lowers "
        "quality. A direct path needs UDP: allow outgoing UDP (Tailscale uses port 41641) "
        "in your firewall or security software, or try another network; some routers, "
        "VPNs and mobile networks block it. See TROUBLESHOOTING.md."
    ),
}
# Pieces of the texts above: a session's state as Pawpado names it (another state is
# shown as the server wrote it) and its facts.
SESSION_STATES = ("provisioning", "starting", "running", "stopping")
FRAGMENTS = ("{amount} so far", *SESSION_STATES)
# How a watched top-up ended, for `pawpado-desktop topup` (CREDITED prints the balance).
TOPUP_ENDINGS: dict[TopupOutcome, str] = {
    TopupOutcome.CANCELLED: NOTICES[Topic.TOPUP_CANCELLED][1],
    TopupOutcome.EXPIRED: NOTICES[Topic.TOPUP_EXPIRED][1],
    TopupOutcome.NOT_CREDITED: NOTICES[Topic.TOPUP_NOT_CREDITED][1],
    TopupOutcome.STOPPED: (
        "The app stopped watching this top-up; a payment still shows in your balance."
    ),
}
_SPAN_TOPICS = frozenset({Topic.BALANCE_LOW, Topic.BALANCE_LOW_PLAYING})


def notice_title(notice: Notice) -> str:
    if notice.topic is Topic.FAILED:
        return error_title(_error(notice))
    if notice.topic is Topic.WORDED:
        return str(notice.params.get("title", ""))
    return tr(NOTICES[notice.topic][0])


def notice_text(notice: Notice) -> str:
    topic, params = notice.topic, notice.params
    if topic is Topic.FAILED:
        return error_text(_error(notice))
    if topic is Topic.WORDED:
        return str(params.get("text", ""))
    text = NOTICES[topic][1]
    values: dict[str, Param] = dict(params)
    if topic is Topic.SESSION_FOUND:
        values["state"] = _state(params.get("state"))
        values["facts"] = _facts(params.get("minutes"), params.get("cost"))
        if not values["facts"]:
            text = ALTERNATE_TEXTS[topic]
    elif topic is Topic.RELAYED and not params.get("region"):
        text = ALTERNATE_TEXTS[topic]
    elif topic in _SPAN_TOPICS:
        count = params.get("minutes")
        values["span"] = minutes(count if isinstance(count, int) else None)
    return fill(text, values)


def topup_ending(outcome: TopupOutcome) -> str:
    """How a top-up ended without a credit, in the current language."""
    return tr(TOPUP_ENDINGS.get(outcome, TOPUP_ENDINGS[TopupOutcome.STOPPED]))


def _error(notice: Notice) -> PawpadoError:
    error = notice.params.get("error")
    return error if isinstance(error, PawpadoError) else PawpadoError("Something went wrong.")


def _state(state: Param) -> str:
    said = str(state or "")
    return tr(said) if said in SESSION_STATES else said


def _facts(count: Param, cost: Param) -> str:
    facts = []
    if isinstance(count, int):
        facts.append(minutes(count))
    if isinstance(cost, Money):
        facts.append(tr("{amount} so far", amount=money(cost.amount, cost.currency)))
    return ", ".join(facts)


def templates() -> list[str]:
    """Every text this module words, for the catalogue's completeness test."""
    pairs = [part for pair in NOTICES.values() for part in pair]
    return [*pairs, *ALTERNATE_TEXTS.values(), *FRAGMENTS, *TOPUP_ENDINGS.values()]
