"""A Play's progress as the user reads it: the phase's label and the core's remarks.

The core puts data in `PlayProgress` (a `PlayPhase`, `Detail`s with their values);
this words them in the current language for the tray's menu and progress window and
for the CLI's progress lines. Values from a server or a daemon are shown as they came.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pawpado_desktop.core.facts import Detail, Param, Question, Remark
from pawpado_desktop.core.state import PlayPhase
from pawpado_desktop.errors import Minutes, Money, PawpadoError, Phrase
from pawpado_desktop.present.errors import error_text, rendered
from pawpado_desktop.present.format import duration
from pawpado_desktop.present.i18n import tr

PHASE_LABELS: dict[PlayPhase, str] = {
    PlayPhase.IDLE: "Idle",
    PlayPhase.PREFLIGHT: "Checking everything is in place",
    PlayPhase.STARTING: "Starting your gaming PC",
    PlayPhase.BOOTING: "Your gaming PC is booting",
    PlayPhase.WAITING_READY: "Waiting for the stream host",
    PlayPhase.CONNECTING: "Connecting",
    PlayPhase.PAIRING: "Pairing Moonlight",
    PlayPhase.STREAMING: "Streaming",
    PlayPhase.GRACE: "Stream ended",
    PlayPhase.STOPPING: "Stopping your gaming PC",
    PlayPhase.DONE: "Done",
    PlayPhase.FAILED: "Failed",
    PlayPhase.CANCELLED: "Cancelled",
}

# One English template (a catalogue key) per remark; its fields are the Detail's
# parameters, formatted by `param_text` (and `duration` from `minutes`).
REMARKS: dict[Remark, str] = {
    Remark.WAITING_PREVIOUS_STOP: "Waiting for the previous session to stop",
    Remark.ATTACHED: "Attached to your running session",
    Remark.START_ACCEPTED: "Start accepted",
    Remark.CAPACITY_RETRY: (
        "No free gaming PC right now; trying again in {seconds} s (attempt {attempt} of {attempts})"
    ),
    Remark.FINISHING_JOIN: "Finishing the tailnet join",
    Remark.GRACE: "Stopping in {duration} unless you keep it running",
    Remark.KEPT_RUNNING: "Your gaming PC keeps running (and billing)",
    Remark.STOPPED: "Your gaming PC was stopped; billing has ended.",
    Remark.STOP_ACCEPTED: (
        "The stop was accepted; your gaming PC is shutting down and billing ends once it "
        "has stopped."
    ),
    Remark.LEAVE_FAILED: "Leaving the Pawpado tailnet failed: {error}",
    Remark.STOP_FAILED: (
        "Stopping your gaming PC failed: {error} It may still be running and billing: stop "
        "it from the tray or with `pawpado-desktop stop` as soon as you can."
    ),
    Remark.START_UNREACHABLE: (
        "Pawpado could not be reached to check whether your gaming PC started ({error}). "
        "It may be running and billing: check with `pawpado-desktop status` and stop it "
        "from the tray or with `pawpado-desktop stop`."
    ),
    Remark.START_UNCONFIRMED: (
        "Pawpado did not confirm whether your gaming PC started. If the tray shows it "
        "running in a moment, stop it there or with `pawpado-desktop stop`."
    ),
    Remark.STOP_RESENDING: (
        "Pawpado did not confirm the last stop of your gaming PC; sending it again."
    ),
    Remark.STOP_RETRY_UNREACHABLE: "Pawpado cannot be reached; trying again in {seconds} s",
    Remark.STOP_RETRY_BUSY: "Pawpado is busy; trying again in {seconds} s",
    Remark.STOP_RETRY_FAILED: "Pawpado had a problem (HTTP {status}); trying again in {seconds} s",
    Remark.STOP_RETRY_UNEXPECTED: "Pawpado had a problem; trying again in {seconds} s",
    Remark.STOP_CONFIRMED: "Pawpado confirmed the stop.",
    Remark.STILL_BILLING: (
        "Your gaming PC is still running and billing. Stop it from the tray or with "
        "`pawpado-desktop stop`."
    ),
}


# What the core asks (core.facts.Question); answering yes stops the PC.
QUESTIONS: dict[Question, str] = {
    Question.STOP_ATTACHED: (
        "This session was already running before you pressed Play. Stop it now? "
        "(If not, it keeps running and billing.)"
    ),
    Question.STOP_ATTACHED_ON_CANCEL: (
        "This session was already running before you pressed Play. Stop it now?"
    ),
}


def question_text(question: Question) -> str:
    return tr(QUESTIONS[question])


def phase_label(phase: PlayPhase) -> str:
    return tr(PHASE_LABELS[phase])


def param_text(value: Param) -> Param:
    """A parameter ready for a template: money and errors worded, the rest as it came
    (numbers keep their type, so a template's format spec still applies)."""
    if isinstance(value, Money | Minutes | Phrase):
        return str(rendered(value))
    if isinstance(value, PawpadoError):
        return error_text(value)
    if isinstance(value, Detail):
        return detail_text((value,))
    if value is None:
        return ""
    return value


def fill(template: str, params: Mapping[str, Param]) -> str:
    """`template` in the current language with `params` formatted into it; a
    `minutes` parameter is also offered as `duration` ("5 minutes", "30 seconds")."""
    values = {name: param_text(value) for name, value in params.items()}
    minutes = params.get("minutes")
    if isinstance(minutes, int | float):
        values["duration"] = duration(minutes)
    return tr(template, **values)


def detail_text(details: Iterable[Detail]) -> str:
    """The remarks as one line (several: one sentence after the other)."""
    return " ".join(fill(REMARKS[d.remark], d.params) for d in details)


def templates() -> list[str]:
    """Every template this module words, for the catalogue's completeness test."""
    return [*PHASE_LABELS.values(), *REMARKS.values(), *QUESTIONS.values()]
