"""Everything that can go wrong with Moonlight, worded for the user.

All of these exit the CLI with `ExitCode.MOONLIGHT`. Messages say what happened
and what to do; none carries a PIN or any other secret.
"""

from __future__ import annotations

from pawpado_desktop.errors import ExitCode, PawpadoError

INSTALL_URL = "https://moonlight-stream.org"


class MoonlightError(PawpadoError):
    title = "Moonlight problem"
    exit_code = ExitCode.MOONLIGHT


class MoonlightNotInstalled(MoonlightError):
    title = "Moonlight not found"


class MoonlightTooOld(MoonlightError):
    title = "Moonlight needs an update"


class MoonlightUnusable(MoonlightError):
    """Found, but it would not run or did not answer as Moonlight does."""

    title = "Moonlight did not respond"


class BadAddress(MoonlightError):
    """The address to give Moonlight is not one it reads as a host."""

    title = "Unusable cloud PC address"


class HostUnreachable(MoonlightError):
    title = "Cannot reach your cloud PC"


class PairingFailed(MoonlightError):
    title = "Pairing failed"


class WrongPin(PairingFailed):
    pass


class PinExpired(PairingFailed):
    title = "Pairing timed out"


class StreamSettingsInvalid(MoonlightError):
    title = "Stream settings problem"


class StreamFailed(MoonlightError):
    title = "Streaming stopped"
