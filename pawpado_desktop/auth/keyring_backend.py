"""Which `keyring` backend holds the sign-in, and what its failures mean to the user.

The user's own keyring configuration (`PYTHON_KEYRING_BACKEND`, `keyringrc.cfg`)
is an explicit choice and is obeyed, whatever it names. Without one we pick the
best *real* OS keyring ourselves instead of letting `keyring` auto-select: an
installed `keyrings.alt` or `keyrings.cryptfile` would otherwise be chosen
silently, and they write plaintext files or prompt on stdin.

Everything here blocks (probing backends talks to D-Bus), so it runs on the
credential store's worker thread.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from pawpado_desktop.auth.errors import CredentialStoreError
from pawpado_desktop.errors import Phrase

log = logging.getLogger(__name__)

# Backends that are not an OS keyring: plaintext or password-prompting files,
# the do-nothing null backend, and the chainer (it may route to any of them).
UNSAFE_MODULE_PREFIXES = ("keyrings.alt", "keyrings.cryptfile")
NOT_A_STORE_MODULES = ("keyring.backends.null", "keyring.backends.fail", "keyring.backends.chainer")

OPT_IN_FILE = (
    "To keep it in a plain file instead (readable by any program running as you), "
    "set PAWPADO_CREDENTIAL_STORE=file."
)
OPT_IN_FILE_PHRASE = Phrase(OPT_IN_FILE)  # added to a keyring problem that does not say it


def backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_auto_selectable(backend: Any) -> bool:
    module = type(backend).__module__
    if module.startswith(UNSAFE_MODULE_PREFIXES) or module in NOT_A_STORE_MODULES:
        return False
    try:
        return float(backend.priority) >= 1
    except Exception:  # a backend whose probe itself fails is not viable
        return False


def configured_backend() -> Any | None:
    """The backend the user named in keyring's own configuration, or None."""
    import keyring.core

    try:
        return keyring.core.load_env() or keyring.core.load_config()
    except Exception as exc:
        raise CredentialStoreError(
            "Your keyring configuration names a backend that cannot be used "
            "({reason}). Fix PYTHON_KEYRING_BACKEND or keyringrc.cfg, or remove "
            "it to use the system keyring. To keep it in a plain file instead (readable by "
            "any program running as you), set PAWPADO_CREDENTIAL_STORE=file.",
            reason=type(exc).__name__,
        ) from None


# The real OS keyrings per platform (module, class), best first. Only these are
# probed: keyring's own discovery reads every plugin entry point and imports every
# backend (8 MiB and 0.1-0.2 s), plaintext ones included.
PLATFORM_BACKENDS: dict[str, tuple[tuple[str, str], ...]] = {
    "darwin": (("keyring.backends.macOS", "Keyring"),),
    "win32": (("keyring.backends.Windows", "WinVaultKeyring"),),
}
FREEDESKTOP_BACKENDS = (
    ("keyring.backends.SecretService", "Keyring"),
    ("keyring.backends.kwallet", "DBusKeyring"),
)


def platform_backends(platform: str | None = None) -> list[Any]:
    """Instances of this platform's real keyrings that can be imported here."""
    found: list[Any] = []
    for module_name, class_name in PLATFORM_BACKENDS.get(
        platform or sys.platform, FREEDESKTOP_BACKENDS
    ):
        try:
            found.append(getattr(importlib.import_module(module_name), class_name)())
        except Exception:  # not installed, or its own imports fail: not viable here
            log.debug("keyring backend %s.%s unavailable", module_name, class_name, exc_info=True)
    return found


def choose_backend(candidates: Callable[[], Iterable[Any]] | None = None) -> Any:
    """The backend to use, or CredentialStoreError saying why there is none."""
    chosen = configured_backend()
    if chosen is not None:
        if type(chosen).__module__ == "keyring.backends.null":
            raise CredentialStoreError(
                "Your keyring configuration turns the keyring off (the null backend), so "
                "your sign-in cannot be saved. Until then your sign-in is kept only while "
                "the app runs. To keep it in a plain file instead (readable by any program "
                "running as you), set PAWPADO_CREDENTIAL_STORE=file."
            )
        log.debug("using the configured keyring backend %s", backend_name(chosen))
        return _local_only(chosen)
    if candidates is None:
        candidates = platform_backends
    usable = [kr for kr in candidates() if is_auto_selectable(kr)]
    if not usable:
        raise no_keyring_error()
    best = max(usable, key=lambda kr: float(kr.priority))
    log.debug("using the keyring backend %s", backend_name(best))
    return _local_only(best)


def _local_only(backend: Any) -> Any:
    # A roaming Windows credential would share one rotating refresh token
    # between machines, and the first refresh would sign the other one out.
    if type(backend).__name__ == "WinVaultKeyring" and "KEYRING_PROPERTY_PERSIST" not in os.environ:
        try:
            backend.persist = "local machine"
        except Exception:
            log.debug("could not make the Windows credential local", exc_info=True)
    return backend


def no_keyring_error() -> CredentialStoreError:
    return CredentialStoreError(
        "No system keyring is available to keep your sign-in. On Linux, a Secret Service "
        "(GNOME Keyring or KWallet) must be running in your session and unlocked. "
        "Until then your sign-in is kept only while the app runs. To keep it in a plain "
        "file instead (readable by any program running as you), set "
        "PAWPADO_CREDENTIAL_STORE=file."
    )


def failure_to_error(exc: BaseException, action: str, timeout: float) -> CredentialStoreError:
    """Turn anything a backend raised into the one user-facing keyring error.

    The backend's own message is left out on purpose: we cannot vouch that it
    never echoes the value it was given.
    """
    if isinstance(exc, CredentialStoreError):
        return exc
    from keyring import errors as kr_errors

    if isinstance(exc, TimeoutError):
        return CredentialStoreError(
            "The system keyring did not answer within {seconds:g} seconds while trying to "
            "{action}. It may be locked and waiting for an unlock prompt that "
            "is not showing. Unlock your keyring and try again. Until then your sign-in is "
            "kept only while the app runs.",
            seconds=timeout,
            action=_wording(action).doing,
        )
    if isinstance(exc, kr_errors.NoKeyringError):
        return no_keyring_error()
    if isinstance(exc, kr_errors.KeyringLocked):
        return CredentialStoreError(
            "The system keyring is locked, so {failed}. "
            "Unlock it (for example with your desktop's Passwords and Keys app, or by logging "
            "in to the desktop session) and try again. Until then your sign-in is kept only "
            "while the app runs.",
            failed=_wording(action).failed,
        )
    if isinstance(exc, kr_errors.PasswordSetError):
        return CredentialStoreError(
            "The system keyring refused to store your sign-in (it may be full or limit the "
            "size of entries). Free some space in it and try again. Until then your sign-in "
            "is kept only while the app runs. To keep it in a plain file instead (readable "
            "by any program running as you), set PAWPADO_CREDENTIAL_STORE=file."
        )
    return CredentialStoreError(
        "The system keyring failed while trying to {action} ({reason}). Check that "
        "your keyring is running and unlocked, then try again. Until then your sign-in is "
        "kept only while the app runs. To keep it in a plain file instead (readable by any "
        "program running as you), set PAWPADO_CREDENTIAL_STORE=file.",
        action=_wording(action).doing,
        reason=type(exc).__name__,
    )


class _Wording(NamedTuple):
    doing: Phrase  # "... while trying to {action}"
    failed: Phrase  # "... is locked, so {failed}"


# What the keyring was asked to do, both ways the errors above word it.
_WORDING = {
    "read": _Wording(Phrase("read your sign-in"), Phrase("your sign-in could not be read")),
    "save": _Wording(Phrase("save your sign-in"), Phrase("your sign-in could not be saved")),
    "delete": _Wording(Phrase("delete your sign-in"), Phrase("your sign-in could not be deleted")),
}


def _wording(action: str) -> _Wording:
    """The wording of "read", "save" or "delete" (anything else reads as a read)."""
    return _WORDING.get(action, _WORDING["read"])
