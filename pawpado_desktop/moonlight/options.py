"""The options of one `moonlight stream` run.

Resolution, frame rate and bitrate belong to the account (server settings);
the display mode and any extra Moonlight options belong to this computer (local
settings). Options never persist in Moonlight: they apply to this run only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pawpado_desktop.config import DISPLAY_MODES, LocalSettings
from pawpado_desktop.errors import Phrase
from pawpado_desktop.moonlight.errors import StreamSettingsInvalid
from pawpado_desktop.moonlight.version import MoonlightVersion

log = logging.getLogger(__name__)

LOCAL_OPTIONS_KEY = "moonlight_options"  # in LocalSettings.extra

_RESOLUTION_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
FPS_RANGE = (10, 480)  # Moonlight only warns outside this, but no display goes there
BITRATE_RANGE = (500, 500_000)

TOGGLES = frozenset(
    {
        "vsync", "multi-controller", "quit-after", "absolute-mouse", "mouse-buttons-swap",
        "touchscreen-trackpad", "game-optimization", "audio-on-host", "frame-pacing",
        "mute-on-focus-loss", "background-gamepad", "reverse-scroll-direction",
        "swap-gamepad-buttons", "keep-awake", "performance-overlay", "hdr", "yuv444",
    }
)  # fmt: skip
CHOICES: Mapping[str, tuple[str, ...]] = {
    "audio-config": ("stereo", "5.1-surround", "7.1-surround"),
    "video-codec": ("auto", "H.264", "HEVC", "AV1"),
    "video-decoder": ("auto", "software", "hardware"),
    "capture-system-keys": ("never", "fullscreen", "always"),
}
# Options that appeared after the oldest Moonlight we accept (4.2); an older
# Moonlight refuses unknown options, so these are left out for it.
_SINCE = {
    "performance-overlay": MoonlightVersion(6, 0),
    "hdr": MoonlightVersion(6, 0),
    "yuv444": MoonlightVersion(6, 1),
    "video-codec=AV1": MoonlightVersion(6, 0),
}


@dataclass(frozen=True)
class StreamOptions:
    width: int
    height: int
    fps: int
    bitrate_kbps: int
    display_mode: str = "fullscreen"
    choices: tuple[tuple[str, str], ...] = ()
    toggles: tuple[tuple[str, bool], ...] = ()

    @classmethod
    def from_settings(cls, server_settings: object, local_settings: LocalSettings) -> StreamOptions:
        """From the account's settings (the API's JSON object, or a model with
        snake_case attributes) and this computer's settings."""
        resolution = _server_value(server_settings, "streamResolution")
        match = _RESOLUTION_RE.match(resolution) if isinstance(resolution, str) else None
        if match is None:
            raise _invalid(Phrase("stream resolution"), resolution)
        fps = _checked_int(server_settings, "streamFps", Phrase("frame rate"), FPS_RANGE)
        bitrate = _checked_int(server_settings, "bitrateKbps", Phrase("bitrate"), BITRATE_RANGE)
        mode = local_settings.display_mode
        if mode not in DISPLAY_MODES:
            raise StreamSettingsInvalid(
                "The display mode {mode!r} is not one Moonlight knows. Choose windowed, "
                "fullscreen or borderless in Settings.",
                mode=mode,
            )
        choices, toggles = _local_extras(local_settings.extra.get(LOCAL_OPTIONS_KEY))
        return cls(
            width=int(match.group(1)),
            height=int(match.group(2)),
            fps=fps,
            bitrate_kbps=bitrate,
            display_mode=mode,
            choices=choices,
            toggles=toggles,
        )

    def to_args(self, version: MoonlightVersion | None = None) -> list[str]:
        """The `stream` options, leaving out what `version` would not accept."""
        args = [
            "--resolution", f"{self.width}x{self.height}",
            "--fps", str(self.fps),
            "--bitrate", str(self.bitrate_kbps),
            "--display-mode", self.display_mode,
        ]  # fmt: skip
        for name, value in self.choices:
            if _supported(f"{name}={value}", version):
                args += [f"--{name}", value]
        for name, enabled in self.toggles:
            if _supported(name, version):
                args.append(f"--{name}" if enabled else f"--no-{name}")
        return args


def _supported(option: str, version: MoonlightVersion | None) -> bool:
    since = _SINCE.get(option)
    if since is None or version is None or version >= since:
        return True
    log.info("leaving out --%s: Moonlight %s is older than %s", option, version, since)
    return False


def _server_value(settings: object, camel: str) -> Any:
    if isinstance(settings, Mapping):
        return settings.get(camel)
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()
    return getattr(settings, snake, None)


def _checked_int(settings: object, key: str, what: Phrase, bounds: tuple[int, int]) -> int:
    value = _server_value(settings, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(what, value)
    if not bounds[0] <= value <= bounds[1]:
        raise _invalid(what, value)
    return value


def _invalid(what: Phrase, value: object) -> StreamSettingsInvalid:
    return StreamSettingsInvalid(
        "Your account's {what} setting ({value!r}) is not usable for streaming. "
        "Pick another value in Settings and try again.",
        what=what,
        value=value,
    )


def _local_extras(
    raw: object,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, bool], ...]]:
    """Extra Moonlight options from local settings; unknown ones are skipped."""
    choices: list[tuple[str, str]] = []
    toggles: list[tuple[str, bool]] = []
    if not isinstance(raw, Mapping):
        return (), ()
    for key, value in raw.items():
        name = str(key).replace("_", "-").lower()
        if name in TOGGLES and isinstance(value, bool):
            toggles.append((name, value))
            continue
        allowed = {c.lower(): c for c in CHOICES.get(name, ())}
        if isinstance(value, str) and value.lower() in allowed:
            choices.append((name, allowed[value.lower()]))
            continue
        log.warning("ignoring Moonlight option %r=%r from local settings", key, value)
    return tuple(sorted(choices)), tuple(sorted(toggles))
