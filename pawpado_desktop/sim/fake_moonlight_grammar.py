"""The fake Moonlight's command line, parsed the way moonlight-qt parses it.

moonlight-qt uses QCommandLineParser with ParseAsLongOptions (`-pin` equals
`--pin`), looks for the action among all positional arguments, rejects unknown
options and bad values with the message plus help on stderr and exit code 1,
and knows only the options of its version. This is an independent model of
that grammar (docs: /work/shared/reference/moonlight.md), not shared with the
client code it tests.
"""

from __future__ import annotations

import re
from typing import NoReturn

Version = tuple[int, int, int]

ACTIONS = ("list", "quit", "stream", "pair")
_ACTION_SINCE: dict[str, Version] = {"pair": (4, 2, 0), "list": (4, 2, 0)}
_COMMON_FLAGS = {"help": "help", "h": "help", "help-all": "help", "version": "version",
                 "v": "version"}  # fmt: skip

_STREAM_FLAGS = {"720": (0, 6, 0), "1080": (0, 6, 0), "1440": (0, 6, 0), "4K": (0, 6, 0)}
_STREAM_VALUES = {"resolution": (0, 6, 0), "fps": (0, 6, 0), "bitrate": (0, 6, 0),
                  "packet-size": (2, 0, 0)}  # fmt: skip
_STREAM_CHOICES: dict[str, tuple[Version, tuple[str, ...]]] = {
    "display-mode": ((0, 6, 0), ("fullscreen", "windowed", "borderless")),
    "audio-config": ((0, 6, 0), ("stereo", "5.1-surround", "7.1-surround")),
    "video-codec": ((0, 6, 0), ("auto", "H.264", "HEVC", "AV1")),
    "video-decoder": ((0, 6, 0), ("auto", "software", "hardware")),
    "capture-system-keys": ((3, 0, 0), ("never", "fullscreen", "always")),
}
_STREAM_TOGGLES: dict[str, Version] = {
    "vsync": (0, 6, 0), "multi-controller": (0, 6, 0), "quit-after": (0, 7, 0),
    "absolute-mouse": (2, 0, 0), "mouse-buttons-swap": (2, 2, 0),
    "touchscreen-trackpad": (2, 1, 0), "game-optimization": (0, 6, 0),
    "audio-on-host": (0, 6, 0), "frame-pacing": (0, 8, 0), "mute-on-focus-loss": (0, 6, 0),
    "background-gamepad": (0, 6, 0), "reverse-scroll-direction": (0, 6, 0),
    "swap-gamepad-buttons": (3, 0, 0), "keep-awake": (4, 0, 0),
    "performance-overlay": (6, 0, 0), "hdr": (6, 0, 0), "yuv444": (6, 1, 0),
}  # fmt: skip
_AV1_SINCE: Version = (6, 0, 0)
_PRESETS = {"720": (1280, 720), "1080": (1920, 1080), "1440": (2560, 1440), "4K": (3840, 2160)}

HELP = """Usage: moonlight [options] <action>

Starts Moonlight normally if no arguments are given.

Available actions:
  list            List the available apps on a host
  pair            Pair with a host
  quit            Quit the currently running app
  stream          Start streaming an app

See 'moonlight <action> --help' for help of specific action.
"""


class CommandLineExit(Exception):
    """Parsing ends the program: `text` goes to stdout (code 0) or stderr (code 1)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


# Plain classes, not dataclasses: `dataclasses` (with `inspect`) is a tenth of the
# fake's start, and the fake starts hundreds of times in a test run.
class Command:
    def __init__(self, action: str | None) -> None:
        self.action = action  # None: no action, the normal GUI starts
        self.host = ""
        self.app = ""
        self.pin: str | None = None
        self.csv = False
        self.verbose = False
        self.width = 1280  # Moonlight's defaults when nothing is saved
        self.height = 720
        self.fps = 60
        self.bitrate: int | None = None
        self.display_mode = "fullscreen"
        self.settings: dict[str, str] = {}  # other stream options, as given
        self.warnings: list[str] = []


class _Tokens:
    def __init__(self) -> None:
        self.positionals: list[str] = []
        self.options: list[tuple[str, str | None]] = []  # in order
        self.unknown: list[str] = []
        self.error: str | None = None

    def names(self) -> list[str]:
        return [name for name, _ in self.options]

    def value(self, name: str) -> str | None:
        values = [v for n, v in self.options if n == name]
        return values[-1] if values else None


def parse(argv: list[str], version: Version) -> Command:
    """The command to run, or `CommandLineExit` for help, version and bad input."""
    first = _tokenize(argv, flags=set(_COMMON_FLAGS), values=set())
    actions = [a for a in ACTIONS if version >= _ACTION_SINCE.get(a, (0, 0, 0))]
    if not first.positionals:
        _common(first, version)
        if first.unknown:
            _fail(f"Unknown options: {', '.join(first.unknown)}")
        return Command(action=None)
    action = next((p.lower() for p in first.positionals if p.lower() in actions), None)
    if action is None:
        _fail("Invalid action")
    return _parse_action(action, argv, version)


def _parse_action(action: str, argv: list[str], version: Version) -> Command:
    flags, values = set(_COMMON_FLAGS), set()
    if action == "pair":
        values.add("pin")
    elif action == "list":
        flags |= {"csv", "verbose"}
    elif action == "stream":
        flags |= {n for n, since in _STREAM_FLAGS.items() if version >= since}
        values |= {n for n, since in _STREAM_VALUES.items() if version >= since}
        values |= {n for n, (since, _) in _STREAM_CHOICES.items() if version >= since}
        for name, since in _STREAM_TOGGLES.items():
            if version >= since:
                flags |= {name, f"no-{name}"}
    tokens = _tokenize(argv, flags=flags, values=values)
    if tokens.error:
        _fail(tokens.error)
    if tokens.unknown:
        _fail(f"Unknown options: {', '.join(tokens.unknown)}")
    command = Command(action=action)
    if action == "stream":
        _stream_options(tokens, command, version)
    if action == "pair":
        command.pin = tokens.value("pin")
        if command.pin is not None and len(command.pin) != 4:
            _fail("PIN must be 4 digits")
    command.csv = "csv" in tokens.names()
    command.verbose = "verbose" in tokens.names()
    _common(tokens, version)
    if len(tokens.positionals) < 2:
        _fail("Host not provided")
    command.host = tokens.positionals[1]
    if action == "stream":
        if len(tokens.positionals) < 3:
            _fail("App not provided")
        command.app = tokens.positionals[2]
    return command


def _stream_options(tokens: _Tokens, command: Command, version: Version) -> None:
    sizes = [n for n in tokens.names() if n in _PRESETS or n == "resolution"]
    if sizes:  # the last resolution option wins
        if sizes[-1] == "resolution":
            raw = tokens.value("resolution") or ""
            match = re.fullmatch(r"(\d+)x(\d+)", raw, re.IGNORECASE)
            if match is None:
                _fail(f"Invalid resolution format: {raw}")
            command.width, command.height = int(match.group(1)), int(match.group(2))
        else:
            command.width, command.height = _PRESETS[sizes[-1]]
    if tokens.value("fps") is not None:
        command.fps = _int_option(tokens, "fps")
        if not 10 <= command.fps <= 480:
            command.warnings.append("Warning: FPS is outside the supported range (10 - 480)")
    if tokens.value("bitrate") is not None:
        command.bitrate = _int_option(tokens, "bitrate")
        if not 500 <= command.bitrate <= 500_000:
            command.warnings.append(
                "Warning: Bitrate is outside the supported range (500 - 500000)"
            )
    if tokens.value("packet-size") is not None and _int_option(tokens, "packet-size") < 1024:
        _fail("Packet size must be greater than 1024 bytes")
    for name, (_, choices) in _STREAM_CHOICES.items():
        given = tokens.value(name)
        if given is None:
            continue
        allowed = [c for c in choices if c != "AV1" or version >= _AV1_SINCE]
        if given.lower() not in {c.lower() for c in allowed}:
            _fail(f"Invalid {name} choice: {given}")
        command.settings[name] = given
    command.display_mode = command.settings.pop("display-mode", command.display_mode).lower()
    for name in _STREAM_TOGGLES:
        toggled = [n for n in tokens.names() if n in (name, f"no-{name}")]
        if toggled:  # the last of --X / --no-X wins
            command.settings[name] = "on" if toggled[-1] == name else "off"


def _int_option(tokens: _Tokens, name: str) -> int:
    raw = tokens.value(name) or ""
    if not re.fullmatch(r"[+-]?\d+", raw.strip()):
        _fail(f"Invalid {name} value: {raw}")
    return int(raw)


def _common(tokens: _Tokens, version: Version) -> None:
    wanted = {_COMMON_FLAGS[n] for n in tokens.names() if n in _COMMON_FLAGS}
    if "help" in wanted:
        raise CommandLineExit(0, HELP)
    if "version" in wanted:
        raise CommandLineExit(0, "Moonlight {}.{}.{}\n".format(*version))


def _tokenize(argv: list[str], *, flags: set[str], values: set[str]) -> _Tokens:
    tokens = _Tokens()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            tokens.positionals += argv[i:]
            break
        if not arg.startswith("-") or arg == "-":
            tokens.positionals.append(arg)
            continue
        name, has_value, inline = arg.lstrip("-").partition("=")
        if name in values:
            if has_value:
                tokens.options.append((name, inline))
            elif i < len(argv):
                tokens.options.append((name, argv[i]))
                i += 1
            else:
                tokens.error = tokens.error or f"Missing value after '{arg}'."
        elif name in flags:
            if has_value:
                tokens.error = tokens.error or f"Unexpected value after '{arg}'."
            tokens.options.append((name, None))
        else:
            tokens.unknown.append(name)
    return tokens


def _fail(message: str) -> NoReturn:
    raise CommandLineExit(1, f"{message}\n\n{HELP}")
