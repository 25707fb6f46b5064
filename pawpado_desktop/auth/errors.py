"""What can go wrong while signing in, refreshing or storing credentials.

Each class says what happened and what to do; none carries a token, a device
code or a raw server answer that could contain one.
"""

from __future__ import annotations

from pawpado_desktop.errors import ExitCode, NotSignedIn, PawpadoError, Phrase


class SignInEnded(NotSignedIn):
    """The stored sign-in is no longer accepted (expired, revoked or reused)."""

    title = "Signed out"

    def __init__(
        self,
        template: str = "Your sign-in has ended: it expired, or was revoked (for example by "
        "signing out elsewhere). Run `pawpado-desktop login` (or choose Sign in from the tray) "
        "to sign in again.",
        /,
        **params: object,
    ) -> None:
        super().__init__(template, **params)


class SignInDenied(PawpadoError):
    title = "Sign-in declined"

    def __init__(self) -> None:
        super().__init__(
            "The sign-in was declined in the browser. If that was a mistake, run "
            "`pawpado-desktop login` (or choose Sign in from the tray) again."
        )


class SignInExpired(PawpadoError):
    title = "Sign-in code expired"

    def __init__(self) -> None:
        super().__init__(
            "The sign-in code expired before it was approved. Start the sign-in again and "
            "approve it in the browser within the time shown."
        )


class SignInRejected(PawpadoError):
    """Huudis answered with an error the device flow does not know: stop, per RFC 8628."""

    title = "Sign-in failed"


class AuthServiceError(PawpadoError):
    """Huudis could not be reached or answered something unusable."""

    title = "Cannot reach Huudis sign-in"
    exit_code = ExitCode.NETWORK


class CredentialStoreError(PawpadoError):
    """The credential store (system keyring or the opt-in file) cannot be used."""

    title = "Cannot store your sign-in"
    exit_code = ExitCode.KEYRING


class AuthServiceUnavailable(AuthServiceError):
    """A transient failure (no connection, timeout, 5xx, 429): trying again may work."""


class RefreshBlocked(CredentialStoreError):
    """The sign-in needs renewing, but renewing now could sign the user out everywhere.

    The user is still signed in; nothing was revoked. Raised only once the access
    token has expired (until then it is used and the renewal retried later).
    """

    title = "Cannot renew your sign-in yet"

    @classmethod
    def unreadable(cls, where: Phrase) -> RefreshBlocked:
        return cls(
            "Your sign-in needs renewing, but {where} could not be read (it may be locked). "
            "Unlock your keyring (for example by logging in to the desktop session, or with "
            "your desktop's Passwords and Keys app), then try again. You are still signed in.",
            where=where,
        )

    @classmethod
    def saved_elsewhere_pending(cls, where: Phrase) -> RefreshBlocked:
        return cls(
            "Another Pawpado window renewed your sign-in but could not save it to "
            "{where} yet (it may be locked or full). Unlock your keyring and keep that "
            "window open: this one picks the renewed sign-in up as soon as it is saved. "
            "You are still signed in.",
            where=where,
        )
