"""What the core tells the user, as data: a kind and its values, never a sentence.

The core says *what* happened (a `Remark` with its parameters: amounts with their
currency, minutes, host names, a server's own text, a PawpadoError); the presenter
(`present/`) words it in the user's language. Text from a server or a daemon stays a
parameter and is shown as it came, never used as a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from pawpado_desktop.errors import Minutes, Money, PawpadoError, Phrase


class Remark(StrEnum):
    """A line about a Play's progress, or something its way out must tell."""

    WAITING_PREVIOUS_STOP = "waiting_previous_stop"
    ATTACHED = "attached"
    START_ACCEPTED = "start_accepted"
    CAPACITY_RETRY = "capacity_retry"  # seconds, attempt, attempts
    FINISHING_JOIN = "finishing_join"
    GRACE = "grace"  # minutes (float)
    KEPT_RUNNING = "kept_running"
    STOPPED = "stopped"
    STOP_ACCEPTED = "stop_accepted"  # accepted, not yet confirmed stopped
    LEAVE_FAILED = "leave_failed"  # error
    STOP_FAILED = "stop_failed"  # error
    START_UNREACHABLE = "start_unreachable"  # error: could not look whether a start went through
    START_UNCONFIRMED = "start_unconfirmed"
    STILL_BILLING = "still_billing"  # an attached PC left running on a way out
    # The stopper's progress lines (core/stopper.py); seconds: until the next try.
    STOP_RESENDING = "stop_resending"  # a stop left by an earlier run, sent again
    STOP_RETRY_UNREACHABLE = "stop_retry_unreachable"  # seconds
    STOP_RETRY_BUSY = "stop_retry_busy"  # seconds
    STOP_RETRY_FAILED = "stop_retry_failed"  # status (HTTP), seconds
    STOP_RETRY_UNEXPECTED = "stop_retry_unexpected"  # seconds
    STOP_CONFIRMED = "stop_confirmed"


class Question(StrEnum):
    """What the core asks the user (yes: stop it); the front end words and asks it."""

    STOP_ATTACHED = "stop_attached"  # the Play ends; the PC it attached to keeps billing
    STOP_ATTACHED_ON_CANCEL = "stop_attached_on_cancel"  # a cancelled Play that attached


# A parameter's value: the presenter formats each type its one way (a Detail
# inside a notice is worded too).
Param: TypeAlias = (
    "str | int | float | Decimal | Money | Minutes | Phrase | PawpadoError | Detail | None"
)


@dataclass(frozen=True, init=False)
class Detail:
    """A `Remark` and its parameters (`Detail(Remark.GRACE, minutes=5)`)."""

    remark: Remark
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)

    def __init__(self, remark: Remark, /, **params: Param) -> None:
        object.__setattr__(self, "remark", remark)
        object.__setattr__(self, "params", params)

    def __str__(self) -> str:  # for logs and the debug info: no wording, no secrets
        values = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items())
        return f"{self.remark.value}({values})" if values else self.remark.value


def _short(value: Param) -> str:
    if isinstance(value, PawpadoError):
        return type(value).__name__
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    return str(value)  # text, a number, or a Detail (its own short form)
