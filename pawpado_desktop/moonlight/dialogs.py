"""What Moonlight's dialogs and log lines mean.

`pair`, `stream` and `quit` exit 0 whatever happened; the only trace of a
failure is the text of a dialog or a log line (Linux logs go to stderr). This
maps those texts to outcomes; anything unrecognised is no outcome at all.
"""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    PAIRED = "paired"
    ALREADY_PAIRED = "already paired"
    WRONG_PIN = "wrong pin"
    PAIR_FAILED = "pairing failed"
    UNREACHABLE = "unreachable"
    NOT_PAIRED = "not paired"
    APP_NOT_FOUND = "app not found"


# Checked in order; the first phrase found in a line decides.
_PHRASES: tuple[tuple[str, Outcome], ...] = (
    ("pairing completed successfully", Outcome.PAIRED),
    ("is already paired", Outcome.ALREADY_PAIRED),
    ("incorrect pin", Outcome.WRONG_PIN),
    ("didn't match", Outcome.WRONG_PIN),
    ("pairing failed", Outcome.PAIR_FAILED),
    ("cannot pair while a previous session", Outcome.PAIR_FAILED),
    ("another pairing attempt is already in progress", Outcome.PAIR_FAILED),
    ("encryption is mandatory", Outcome.PAIR_FAILED),
    ("failed to connect to", Outcome.UNREACHABLE),
    ("has not been paired", Outcome.NOT_PAIRED),
    ("failed to find application", Outcome.APP_NOT_FOUND),
)


def classify(line: str) -> Outcome | None:
    lowered = line.lower()
    return next((outcome for phrase, outcome in _PHRASES if phrase in lowered), None)


def last_outcome(lines: list[str]) -> tuple[Outcome, str] | None:
    """The most recent recognised line and what it means."""
    for line in reversed(lines):
        outcome = classify(line)
        if outcome is not None:
            return outcome, line.strip()
    return None
