"""The one base of every error a user can meet.

Each subclass carries a short title and a message written for the user: what
happened and what to do. The tray and the CLI show `title` and `message` as they
are, and the CLI exits with `exit_code`, so neither needs to know the backend.
Messages never contain secrets (tokens, device codes, auth keys).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of the CLI (see README)."""

    OK = 0
    ERROR = 1  # anything not listed below
    USAGE = 2  # bad command-line arguments
    NOT_SIGNED_IN = 3
    INSUFFICIENT_CREDITS = 4
    CAPACITY = 5
    TAILSCALE = 6
    MOONLIGHT = 7
    NETWORK = 8  # network or server problem
    KEYRING = 9
    BUSY = 10  # another Pawpado process owns the Play (the tray, another terminal)
    SESSION_RUNNING = 11  # refused: it would leave a gaming PC billing unattended
    CANCELLED = 130  # Ctrl-C, as shells report SIGINT


class PawpadoError(Exception):
    """Base of all expected failures; safe to show to the user as it is."""

    title: str = "Something went wrong"
    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(PawpadoError):
    """A setting or environment variable has a value the app cannot use."""

    title = "Configuration problem"
    exit_code = ExitCode.USAGE


class SaveFailed(PawpadoError):
    """A file of the app's own could not be written (a full disk, a read-only folder)."""

    title = "Could not save"


class CancelledByUser(PawpadoError):
    title = "Cancelled"
    exit_code = ExitCode.CANCELLED


class NotSignedIn(PawpadoError):
    """No usable sign-in: never signed in, signed out, or revoked."""

    title = "Not signed in"
    exit_code = ExitCode.NOT_SIGNED_IN

    def __init__(
        self,
        message: str = "You are not signed in. Run `pawpado-desktop login` "
        "(or choose Sign in from the tray) and try again.",
    ) -> None:
        super().__init__(message)
