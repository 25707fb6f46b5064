"""Endpoints, local paths and local settings.

Endpoints come from the environment (`PAWPADO_BASE_URL`, `PAWPADO_AUTH_URL`) and
obey the contract's rule: https, or plain http only to a loopback host, so a
bearer token never travels in clear text. Local files live under platformdirs
(`PAWPADO_CONFIG_DIR` overrides) and are always written atomically.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pawpado_desktop.atomic_file import atomic_write
from pawpado_desktop.errors import ConfigError, SaveFailed

log = logging.getLogger(__name__)

APP_NAME = "pawpado-desktop"
DEFAULT_BASE_URL = "https://pawpado.com"
DEFAULT_AUTH_URL = "https://huudis.com"
CLIENT_ID = "pawpado-desktop"
SCOPE = "openid email offline_access pawpado"

_LOOPBACK_NAMES = {"localhost"}


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_transport(scheme: str, host: str) -> bool:
    """The one https-or-loopback rule: https anywhere, plain http only to this computer."""
    return scheme == "https" or (scheme == "http" and is_loopback_host(host))


def checked_url(url: str, *, what: str, env_name: str) -> str:
    """Return `url` without a trailing slash if it may carry a bearer token."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise ConfigError(
            "The {what} address {url!r} is not a web address. "
            "Set {env} to an https:// URL, or unset it to use the default.",
            what=what,
            url=url,
            env=env_name,
        )
    if not secure_transport(parts.scheme, host):
        raise ConfigError(
            "The {what} address {url!r} uses plain http to a remote host, which would "
            "send your sign-in token unencrypted. Use https://, or http:// only to "
            "localhost, in {env}.",
            what=what,
            url=url,
            env=env_name,
        )
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class Endpoints:
    base_url: str
    auth_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if env is None else env
        return cls(
            base_url=checked_url(
                env.get("PAWPADO_BASE_URL") or DEFAULT_BASE_URL,
                what="Pawpado API",
                env_name="PAWPADO_BASE_URL",
            ),
            auth_url=checked_url(
                env.get("PAWPADO_AUTH_URL") or DEFAULT_AUTH_URL,
                what="Huudis sign-in",
                env_name="PAWPADO_AUTH_URL",
            ),
        )


SETTINGS_FILE = "settings.json"  # this computer's settings, in config_dir()


def config_dir(env: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    """Where settings, state files and locks live (created 0700 unless `create` is
    False: a look that must leave no trace, such as `--help` choosing its language)."""
    env = os.environ if env is None else env
    override = env.get("PAWPADO_CONFIG_DIR")
    if override:
        path = Path(override).expanduser()
    else:
        import platformdirs  # deferred: only needed when no override is set

        path = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def log_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("PAWPADO_CONFIG_DIR"):
        path = config_dir(env) / "logs"
    else:
        import platformdirs

        path = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def read_json(path: Path) -> Any:
    """The parsed file, or None when it is missing or unreadable as JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None


def write_json(path: Path, value: Any) -> None:
    atomic_write(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


DISPLAY_MODES = ("windowed", "fullscreen", "borderless")
NOTIFICATION_LEVELS = ("all", "important")
LANGUAGES = ("system", "en", "id")


# What a usable value of each local setting looks like, beside its default's type.
_LOCAL_CHECKS: dict[str, Callable[[Any], bool]] = {
    "display_mode": lambda value: value in DISPLAY_MODES,
    "notification_level": lambda value: value in NOTIFICATION_LEVELS,
    "language": lambda value: value in LANGUAGES,
    "stop_grace_minutes": lambda value: 0 <= value <= 240,
    "moonlight_app": lambda value: bool(value.strip()),
}


@dataclass
class LocalSettings:
    """Preferences that belong to this computer, not to the Pawpado account."""

    moonlight_path: str = ""  # empty: search the usual places
    moonlight_app: str = "Desktop"
    display_mode: str = "fullscreen"
    stop_grace_minutes: int = 5  # after the stream ends; 0 stops at once
    launch_at_login: bool = False
    notification_level: str = "all"
    language: str = "system"
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        bad = [name for name, usable in _LOCAL_CHECKS.items() if not usable(getattr(self, name))]
        if bad:
            raise ConfigError("Invalid local setting: {names}.", names=", ".join(bad))

    @classmethod
    def from_mapping(cls, raw: Any, *, source: str = SETTINGS_FILE) -> LocalSettings:
        """Build from a parsed file. A missing, mistyped or unusable field falls back
        to its default alone, with a warning naming it (never its value: a path may
        say who the user is); the other fields are kept."""
        settings = cls()
        if raw is None:
            return settings
        if not isinstance(raw, dict):
            log.warning("%s does not hold settings; using the defaults", source)
            return settings
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            usable = _LOCAL_CHECKS.get(f.name, lambda _: True)
            # `type() is`: a JSON true is not a number of minutes.
            if type(value) is type(getattr(settings, f.name)) and usable(value):
                setattr(settings, f.name, value)
            else:
                log.warning("%s: the setting %s is not usable; using its default", source, f.name)
        return settings

    @classmethod
    def load(cls, directory: Path | None = None) -> LocalSettings:
        path = (directory or config_dir()) / SETTINGS_FILE
        raw = read_json(path)
        if raw is None and path.exists():
            log.warning("%s is damaged; using the default settings", path.name)
        return cls.from_mapping(raw, source=path.name)

    def save(self, directory: Path | None = None) -> None:
        self.validate()
        folder = directory or config_dir()
        try:
            write_json(folder / SETTINGS_FILE, asdict(self))
        except OSError as exc:
            raise SaveFailed(
                "Your settings could not be saved ({reason}); the "
                "previous ones are kept. Free some disk space, or check that {folder} "
                "belongs to you, then save again.",
                reason=exc.strerror or type(exc).__name__,
                folder=folder,
            ) from None
