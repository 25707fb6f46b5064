"""The settings the user can read and change: local (this computer) and server (the account).

One set of keys for the tray and the CLI: local settings by their `settings.json`
names (`display_mode`), server settings by the contract's names (`streamFps`),
which is also how the server names a field it refuses. Every check answers with
`FieldError`s, one per key, collected in one `SettingsInvalid`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from pawpado_desktop.api.models import Settings, SettingsPatch
from pawpado_desktop.config import (
    DISPLAY_MODES,
    LANGUAGES,
    NOTIFICATION_LEVELS,
    LocalSettings,
)
from pawpado_desktop.errors import ExitCode, PawpadoError, Phrase


@dataclass(frozen=True)
class FieldError:
    key: str  # a settings key; "" when the server refused without naming one
    text: Phrase | str  # ours (translatable), or the server's words as they came

    @property
    def message(self) -> str:
        return str(self.text)


class SettingsInvalid(PawpadoError):
    """One or more values were refused; nothing was saved."""

    title = "Invalid settings"
    exit_code = ExitCode.USAGE

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__(
            "{problems}",
            problems=tuple(
                Phrase("{key}: {problem}", key=e.key, problem=e.text) if e.key else e.text
                for e in self.errors
            ),
        )


@dataclass(frozen=True)
class Choice:
    """What a key accepts: one of `choices`, or an integer in [low, high]."""

    kind: type  # str, int or bool
    choices: tuple[Any, ...] = ()
    low: int | None = None
    high: int | None = None
    hint: str = ""

    def problem(self, value: object) -> Phrase | None:
        if type(value) is not self.kind:
            return Phrase("expects {kind}", kind=_kind_name(self.kind))
        if self.choices and value not in self.choices:
            return Phrase(
                "must be one of {choices}", choices=", ".join(str(c) for c in self.choices)
            )
        low, high = self.low, self.high
        unbounded = low is None or high is None or not isinstance(value, int)
        in_bounds = unbounded or low <= value <= high  # type: ignore[operator]
        return None if in_bounds else Phrase("must be between {low} and {high}", low=low, high=high)


LOCAL_KEYS: dict[str, Choice] = {
    "moonlight_path": Choice(str, hint="the Moonlight program; empty: search the usual places"),
    "moonlight_app": Choice(str, hint="the app Moonlight streams, for example Desktop"),
    "display_mode": Choice(str, DISPLAY_MODES),
    "stop_grace_minutes": Choice(int, low=0, high=240),
    "launch_at_login": Choice(bool),
    "notification_level": Choice(str, NOTIFICATION_LEVELS),
    "language": Choice(str, LANGUAGES),
}
# The contract's Settings schema (openapi: Settings, SettingsPatch).
SERVER_KEYS: dict[str, Choice] = {
    "instanceType": Choice(str, ("g4dn.xlarge", "g5.xlarge", "g5.2xlarge")),
    "autoStopIdleMinutes": Choice(int, low=0, high=240),
    "lowBalanceAlertMinutes": Choice(int, low=0, high=600),
    "streamResolution": Choice(str, ("1280x720", "1920x1080", "2560x1440", "3840x2160")),
    "streamFps": Choice(int, (30, 60, 90, 120)),
    "bitrateKbps": Choice(int, low=500, high=150000),
    "locale": Choice(str, ("en", "id")),
}
_SERVER_ATTRS = {
    "instanceType": "instance_type",
    "autoStopIdleMinutes": "auto_stop_idle_minutes",
    "lowBalanceAlertMinutes": "low_balance_alert_minutes",
    "streamResolution": "stream_resolution",
    "streamFps": "stream_fps",
    "bitrateKbps": "bitrate_kbps",
    "locale": "locale",
}


@dataclass(frozen=True)
class SettingsView:
    local: LocalSettings  # a copy: change settings through Core.update_settings
    server: Settings | None  # None: not signed in, or Pawpado could not be read
    server_problem: Phrase | str = ""  # why `server` is None

    def values(self) -> dict[str, object]:
        """Every key with its value (server keys only when they were read)."""
        found: dict[str, object] = {key: getattr(self.local, key) for key in LOCAL_KEYS}
        if self.server is not None:
            found.update({key: getattr(self.server, _SERVER_ATTRS[key]) for key in SERVER_KEYS})
        return found


@dataclass(frozen=True)
class SettingsUpdate:
    """Changed values by key, already typed (`parse_assignments` turns text into these)."""

    local: Mapping[str, object] = field(default_factory=dict)
    server: Mapping[str, object] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.local and not self.server


def is_key(key: str) -> bool:
    return key in LOCAL_KEYS or key in SERVER_KEYS


def unknown_key(key: str) -> FieldError:
    return FieldError(key, Phrase("is not a setting (`pawpado-desktop settings get` lists them)"))


def parse_assignments(pairs: Sequence[str]) -> SettingsUpdate:
    """`KEY=VALUE` texts (the CLI) as a typed update; every bad pair is named."""
    local: dict[str, object] = {}
    server: dict[str, object] = {}
    errors: list[FieldError] = []
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            errors.append(
                FieldError(pair, Phrase("write KEY=VALUE, for example display_mode=windowed"))
            )
            continue
        choice = LOCAL_KEYS.get(key) or SERVER_KEYS.get(key)
        if choice is None:
            errors.append(unknown_key(key))
            continue
        value = _from_text(text.strip(), choice.kind)
        if value is None:
            errors.append(
                FieldError(
                    key,
                    Phrase("expects {kind}, not {text!r}", kind=_kind_name(choice.kind), text=text),
                )
            )
            continue
        if problem := choice.problem(value):
            errors.append(FieldError(key, problem))
            continue
        (local if key in LOCAL_KEYS else server)[key] = value
    if errors:
        raise SettingsInvalid(errors)
    return SettingsUpdate(local=local, server=server)


def checked_local(current: LocalSettings, changes: Mapping[str, object]) -> LocalSettings:
    """`current` with `changes` applied, or SettingsInvalid naming each bad key."""
    errors = [unknown_key(key) for key in changes if key not in LOCAL_KEYS]
    for key, value in changes.items():
        if key in LOCAL_KEYS:
            problem = LOCAL_KEYS[key].problem(value)
            if problem:
                errors.append(FieldError(key, problem))
    if errors:
        raise SettingsInvalid(errors)
    updated = replace(current, **changes)  # type: ignore[arg-type]  # keys and types checked above
    path = updated.moonlight_path.strip()
    if path and not (Path(path).expanduser().is_file() and os.access(path, os.X_OK)):
        errors.append(
            FieldError(
                "moonlight_path", Phrase("No program at this path. Leave it empty to search.")
            )
        )
    if not updated.moonlight_app.strip():
        errors.append(
            FieldError("moonlight_app", Phrase("Name the app to stream, for example Desktop."))
        )
    if errors:
        raise SettingsInvalid(errors)
    return replace(updated, moonlight_path=path, moonlight_app=updated.moonlight_app.strip())


def checked_server(changes: Mapping[str, object]) -> SettingsPatch:
    """The PATCH body for `changes`, or SettingsInvalid naming each bad key."""
    errors: list[FieldError] = []
    patch: dict[str, object] = {}
    for key, value in changes.items():
        choice = SERVER_KEYS.get(key)
        if choice is None:
            errors.append(unknown_key(key))
            continue
        problem = choice.problem(value)
        if problem:
            errors.append(FieldError(key, problem))
        patch[key] = value
    if errors:
        raise SettingsInvalid(errors)
    return cast(SettingsPatch, patch)  # keys and types checked above


def server_refusal(server_message: str, fallback: Phrase) -> FieldError:
    """The server's VALIDATION_ERROR as a field error: it names the field first
    (`bitrateKbps: too high for this gaming PC`)."""
    head, sep, rest = server_message.partition(":")
    key = head.strip()
    if sep and key in SERVER_KEYS and rest.strip():
        return FieldError(key, rest.strip())
    return FieldError("", server_message or fallback)


def copy_into(target: LocalSettings, source: LocalSettings) -> None:
    """Make the core's own LocalSettings (shared with Moonlight) equal to `source`."""
    for item in fields(LocalSettings):
        setattr(target, item.name, getattr(source, item.name))


def _from_text(text: str, kind: type) -> object | None:
    if kind is bool:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        return None
    if kind is int:
        try:
            return int(text)
        except ValueError:
            return None
    return text


def _kind_name(kind: type) -> Phrase:
    if kind is bool:
        return Phrase("true or false")
    if kind is int:
        return Phrase("a whole number")
    return Phrase("text")
