"""Everything that can go wrong with Tailscale, worded for the user.

All of them exit the CLI with `ExitCode.TAILSCALE`. None carries an auth key:
messages are built from fixed text plus what tailscaled or the control server
said, and those never echo the key back.
"""

from __future__ import annotations

import sys

from pawpado_desktop.errors import ExitCode, PawpadoError

DOWNLOAD_URL = "https://tailscale.com/download"
OPERATOR_FIX = "sudo tailscale set --operator=$USER"


class TailscaleError(PawpadoError):
    title = "Tailscale problem"
    exit_code = ExitCode.TAILSCALE


class TailscaleNotInstalled(TailscaleError):
    title = "Tailscale is not installed"

    def __init__(self) -> None:
        super().__init__(
            "Pawpado reaches your cloud PC through Tailscale, which is not installed on this "
            f"computer. Install it from {DOWNLOAD_URL}, start it, and try again. You do not "
            "need a Tailscale account of your own."
        )


class TailscaleNotRunning(TailscaleError):
    title = "Tailscale is not running"

    def __init__(self, where: str, platform: str | None = None) -> None:
        platform = platform or sys.platform
        if platform.startswith("linux"):
            how = "Start it with `sudo systemctl enable --now tailscaled`"
        elif platform == "darwin":
            how = "Open the Tailscale app (or start the tailscaled service if you use Homebrew)"
        elif platform.startswith("win"):
            how = "Open Tailscale from the Start menu"
        else:
            how = "Start the tailscaled service"
        super().__init__(
            f"Tailscale is installed, but its background service is not answering ({where}). "
            f"{how}, then try again."
        )


class TailscaleNoPermission(TailscaleError):
    """Tailscale lets this user read its state but not change it."""

    title = "Tailscale needs your permission"

    def __init__(self, detail: str = "", platform: str | None = None) -> None:
        platform = platform or sys.platform
        said = f" (Tailscale said: {detail})" if detail else ""
        if platform.startswith("linux"):
            text = (
                f"Tailscale does not let your user change its settings{said}; on Linux only "
                "root or the Tailscale operator may. Run this once in a terminal, then try "
                f"again:\n\n    {OPERATOR_FIX}\n\n"
                "It makes you the operator of the Tailscale profile that is active now, so run "
                "it while your usual profile is active. Pawpado plays on a separate temporary "
                "profile and switches back afterwards, so your own login and settings stay as "
                "they are."
            )
        elif platform == "darwin":
            text = (
                f"Tailscale does not let your user change its settings{said}. Use an "
                "administrator account on this Mac, or run the Tailscale app rather than a "
                "tailscaled started for another user, then try again."
            )
        else:
            text = (
                f"Tailscale does not let your user change its settings{said}. It may be in use "
                "by another user of this computer; sign them out of Tailscale and try again."
            )
        super().__init__(text)


class TailscaleOperatorLimit(TailscaleNoPermission):
    """Write access comes only from the operator pref, which a new profile lacks."""

    def __init__(self) -> None:
        TailscaleError.__init__(
            self,
            "Your user controls Tailscale as the operator of your current profile. Tailscale "
            "keeps that right per profile and does not carry it to a new one (Tailscale issue "
            "#18294), yet Pawpado needs a separate profile so your own tailnet login is kept. "
            "Pawpado would lose control halfway and could not switch you back, so it changed "
            "nothing. To play, sign this computer out of your own tailnet first (`tailscale "
            "logout`; sign in again later with `tailscale login`), run "
            f"`{OPERATOR_FIX}` on the now empty profile, and press Play again.",
        )


class TailscaleKeyRejected(TailscaleError):
    """The control server refused the session's auth key."""

    title = "Could not join the game network"

    def __init__(self, reason: str) -> None:
        lowered = reason.lower()
        if "expired" in lowered:
            what = "The key for joining your cloud PC's network has expired"
        elif "used" in lowered:
            what = "The key for joining your cloud PC's network was already used"
        else:
            what = "Tailscale refused the key for joining your cloud PC's network"
        super().__init__(
            f"{what} (Tailscale said: {reason.strip()}). Your own Tailscale profile is "
            "back as it was. Press Play again to get a fresh key; if this keeps happening, "
            "contact Pawpado support."
        )
        self.reason = reason


class TailscaleJoinFailed(TailscaleError):
    """The join ended in a state we cannot continue from (approval, browser login, timeout)."""

    title = "Could not join the game network"


class TailscaleApiError(TailscaleError):
    """tailscaled answered a request with an error we have no better words for."""

    def __init__(self, what: str, status: int, detail: str) -> None:
        super().__init__(
            f"Tailscale could not {what} (HTTP {status}: {detail or 'no details'}). "
            "Check that Tailscale works (`tailscale status`) and try again."
        )
        self.status = status
        self.detail = detail
