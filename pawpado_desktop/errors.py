"""The one base of every error a user can meet.

Each subclass carries a short title and a message written for the user: what
happened and what to do. Both are English templates, the keys of the translation
catalogue: an error holds its `template` and named `params`, and the presenter
(`present/errors.py`) renders them in the user's language. `message` (and
`str(error)`) is the English text filled in, for logs and tests. The CLI exits
with `exit_code`, so neither front end needs to know the backend.

Parameters are values, not prose: text from a server, a daemon or a child stays
as it came (shown as plain text, never translated); `Money` and `Minutes` are
formatted per language; a `Phrase` is a translatable fragment of its own.
Templates and parameters never contain secrets (tokens, device codes, auth keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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


@dataclass(frozen=True)
class Money:
    """An amount as a parameter: the presenter formats it for the language."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Minutes:
    """A duration in whole minutes as a parameter (None: unlimited)."""

    minutes: int | None


@dataclass(frozen=True, init=False)
class Phrase:
    """A translatable fragment used as a parameter of a larger template."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __init__(self, template: str, /, **params: object) -> None:
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "params", params)

    def __str__(self) -> str:
        return fill(self.template, self.params)

    def __hash__(self) -> int:  # equal phrases share template and field names
        return hash((self.template, tuple(self.params)))


def shown_value(value: object) -> object:
    """A parameter as the English text shows it; plain values stay for `str.format`."""
    if isinstance(value, Money | Minutes):
        # the presenter owns number formatting; imported here because it sits above
        from pawpado_desktop.present.errors import format_value

        return format_value(value)
    if isinstance(value, Phrase):
        return str(value)
    if isinstance(value, tuple):  # sentences said one after the other
        return " ".join(str(shown_value(part)) for part in value)
    return value


def fill(template: str, params: Mapping[str, object]) -> str:
    """The English text: `template` with `params` filled in."""
    if not params:
        return template
    return template.format(**{k: shown_value(v) for k, v in params.items()})


class PawpadoError(Exception):
    """Base of all expected failures; safe to show to the user as it is.

    `PawpadoError(template, **params)`: `template` is a literal English sentence with
    `{name}` fields (a test holds every call site to that), `params` fill them. The
    title is the class's.
    """

    title: str = "Something went wrong"
    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, template: str, /, **params: object) -> None:
        if "title" in params:
            raise TypeError("an error's title is its class's (a catalogue key), not a parameter")
        self.template = template
        self.params: dict[str, object] = params
        self.message = fill(template, params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def phrase(self) -> Phrase:
        """This error's text as a parameter of another template."""
        return Phrase(self.template, **self.params)


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
        template: str = "You are not signed in. Run `pawpado-desktop login` "
        "(or choose Sign in from the tray) and try again.",
        /,
        **params: object,
    ) -> None:
        super().__init__(template, **params)
