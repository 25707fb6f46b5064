"""Everything that can go wrong with Tailscale, worded for the user.

All of them exit the CLI with `ExitCode.TAILSCALE`. None carries an auth key:
messages are fixed templates plus what tailscaled or the control server said, and
those never echo the key back.
"""

from __future__ import annotations

import re
import sys

from pawpado_desktop.errors import ExitCode, PawpadoError, Phrase

DOWNLOAD_URL = "https://tailscale.com/download"
OPERATOR_FIX = "sudo tailscale set --operator=$USER"
# The `{profile}` sentence of the join errors; swapped for the second when the
# rollback could not run (tailscaled down).
PROFILE_RESTORED = Phrase("Your Tailscale profile is back as it was.")
PROFILE_NOT_RESTORED = Phrase(
    "Your own Tailscale profile could not be put back yet (Tailscale is not answering); "
    "Pawpado puts it back once Tailscale runs again, when the app next starts or you press "
    "Play."
)
_UNSHOWN = re.compile(r"[^A-Za-z0-9.:\-\[\]_/]")


def shown(text: str, limit: int = 80) -> str:
    """Server-provided text made safe to quote: no control, markup or odd characters."""
    cleaned = _UNSHOWN.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


class TailscaleError(PawpadoError):
    title = "Tailscale problem"
    exit_code = ExitCode.TAILSCALE


class TailscaleNotInstalled(TailscaleError):
    title = "Tailscale is not installed"

    def __init__(self) -> None:
        super().__init__(
            "Pawpado reaches your cloud PC through Tailscale, which is not installed on this "
            "computer. Install it from {url}, start it, and try again. You do not "
            "need a Tailscale account of your own.",
            url=DOWNLOAD_URL,
        )


class TailscaleNotRunning(TailscaleError):
    title = "Tailscale is not running"

    def __init__(self, where: str, platform: str | None = None) -> None:
        platform = platform or sys.platform
        if platform.startswith("linux"):
            how = Phrase("Start it with `sudo systemctl enable --now tailscaled`")
        elif platform == "darwin":
            how = Phrase(
                "Open the Tailscale app (or start the tailscaled service if you use Homebrew)"
            )
        elif platform.startswith("win"):
            how = Phrase("Open Tailscale from the Start menu")
        else:
            how = Phrase("Start the tailscaled service")
        super().__init__(
            "Tailscale is installed, but its background service is not answering ({where}). "
            "{how}, then try again.",
            where=where,
            how=how,
        )


class TailscaleNoPermission(TailscaleError):
    """Tailscale lets this user read its state but not change it."""

    title = "Tailscale needs your permission"

    def __init__(self, detail: str = "", platform: str | None = None) -> None:
        platform = platform or sys.platform
        said = Phrase(" (Tailscale said: {detail})", detail=detail) if detail else ""
        if platform.startswith("linux"):
            super().__init__(
                "Tailscale does not let your user change its settings{said}; on Linux only "
                "root or the Tailscale operator may. Run this once in a terminal, then try "
                "again:\n\n    {fix}\n\n"
                "It makes you the operator of the Tailscale profile that is active now, so run "
                "it while your usual profile is active. Pawpado plays on a separate temporary "
                "profile and switches back afterwards, so your own login and settings stay as "
                "they are.",
                said=said,
                fix=OPERATOR_FIX,
            )
        elif platform == "darwin":
            super().__init__(
                "Tailscale does not let your user change its settings{said}. Use an "
                "administrator account on this Mac, or run the Tailscale app rather than a "
                "tailscaled started for another user, then try again.",
                said=said,
            )
        else:
            super().__init__(
                "Tailscale does not let your user change its settings{said}. It may be in use "
                "by another user of this computer; sign them out of Tailscale and try again.",
                said=said,
            )


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
            "`{fix}` on the now empty profile, and press Play again.",
            fix=OPERATOR_FIX,
        )


class TailscaleKeyRejected(TailscaleError):
    """The control server refused the session's auth key."""

    title = "Could not join the game network"

    def __init__(self, reason: str) -> None:
        lowered = reason.lower()
        if "expired" in lowered:
            what = Phrase("The key for joining your cloud PC's network has expired")
        elif "used" in lowered:
            what = Phrase("The key for joining your cloud PC's network was already used")
        else:
            what = Phrase("Tailscale refused the key for joining your cloud PC's network")
        super().__init__(
            "{what} (Tailscale said: {reason}). {profile} Press Play again to get a fresh key; "
            "if this keeps happening, contact Pawpado support.",
            what=what,
            reason=reason.strip(),
            profile=PROFILE_RESTORED,
        )
        self.reason = reason


class TailscaleJoinFailed(TailscaleError):
    """The join ended in a state we cannot continue from (approval, browser login, timeout)."""

    title = "Could not join the game network"


class TailscaleApiError(TailscaleError):
    """tailscaled answered a request with an error we have no better words for."""

    def __init__(self, what: Phrase, status: int, detail: str | Phrase) -> None:
        super().__init__(
            "Tailscale could not {what} (HTTP {status}: {detail}). "
            "Check that Tailscale works (`tailscale status`) and try again.",
            what=what,
            status=status,
            detail=detail or Phrase("no details"),
        )
        self.status = status
        self.detail = str(detail)


class TailnetBusy(TailscaleError):
    """Another live Pawpado process owns the tailnet join."""

    title = "Pawpado is already on the game network"
    exit_code = ExitCode.BUSY

    def __init__(self, owner_pid: int | None = None) -> None:
        if owner_pid:
            super().__init__(
                "Another Pawpado window is using the game network right now (process {pid}), "
                "so this one changed nothing in Tailscale. Finish or stop the Play there (or "
                "close that window), then try again.",
                pid=owner_pid,
            )
        else:
            super().__init__(
                "Another Pawpado window is using the game network right now, so this one "
                "changed nothing in Tailscale. Finish or stop the Play there (or close that "
                "window), then try again."
            )
        self.owner_pid = owner_pid


class TailscaleProfileChanged(TailscaleJoinFailed):
    """The profile changed under the join, before the key was sent."""

    def __init__(self) -> None:
        super().__init__(
            "Tailscale switched to another profile while Pawpado was joining the game "
            "network (another program or window changed it), so Pawpado did not send the "
            "game network's key and stopped. {profile} Press Play again.",
            profile=PROFILE_RESTORED,
        )


class UnsafeGamePrefs(TailscaleJoinFailed):
    """tailscaled did not keep the fenced prefs (a system policy overrides them)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            "Tailscale on this computer would not turn off {names} for the game network (a "
            "Tailscale policy set by an administrator may force it), so Pawpado did not join: "
            "the game network could otherwise change this computer's DNS or routes. {profile} "
            "Ask whoever manages Tailscale on this computer, or contact Pawpado support.",
            names=", ".join(names),
            profile=PROFILE_RESTORED,
        )
        self.names = names


class UnsafeControlUrl(TailscaleError):
    """The server named a control server Pawpado will not hand to tailscaled."""

    title = "Could not join the game network"

    def __init__(self, url: str) -> None:
        super().__init__(
            "Pawpado's server named a game network server that is not secure ({url}); "
            "Pawpado joins game networks only over https, so it changed nothing in "
            "Tailscale. Try again later; if this keeps happening, contact Pawpado support.",
            url=shown(url),
        )


class StreamHostRefused(TailscaleError):
    """The stream host is not the cloud PC on the joined game tailnet."""

    title = "Refused to connect to that address"

    def __init__(self, address: str, why: Phrase) -> None:
        super().__init__(
            "Pawpado's server gave {address} as your gaming PC's address, but {why}, "
            "so Pawpado did not connect Moonlight to it (Moonlight would send your keyboard "
            "and mouse there). Press Play again; if this keeps happening, contact Pawpado "
            "support.",
            address=shown(address),
            why=why,
        )
        self.address = address
