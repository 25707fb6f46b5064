"""A strict fake of the moonlight-qt command line, backed by the simulator.

Run as `python -m pawpado_desktop.sim.fake_moonlight ARGS`, or install a
`moonlight` launcher with `install_fake_moonlight()` so the real locator finds
it like the real program. It behaves as /work/shared/reference/moonlight.md says
moonlight-qt does:

- `--version` prints "Moonlight X.Y.Z"; bad arguments print the error and help
  to stderr and exit 1; `pair` and `list` do not exist before 4.2.
- `list HOST` is window-less with real exit codes: 0 and the apps when paired,
  255 with "has not been paired" or "Failed to connect to HOST" on stderr.
- `pair HOST --pin NNNN` ends on a dialog (printed on stdout) and stays open on
  it until closed (SIGTERM/SIGINT, then exit 0), success or failure. After a
  success it saves the pairing only after a short moment: closed before that,
  the pairing is lost. A PIN the host no longer holds leaves it waiting forever,
  as Moonlight waits for Sunshine without a timeout.
- `stream HOST APP [options]` validates its options, reports the stream to the
  simulator, runs until closed (or PAWPADO_FAKE_STREAM_SECONDS), and exits 0
  even after a failure dialog, as the user clicking OK would. With
  PAWPADO_FAKE_STREAM_WINDOW=1 (the tray's demo) the stream is a small window
  that ends the stream when the user closes it. PAWPADO_FAKE_STREAM_END_DIALOG
  is a dialog shown when the stream ends by itself (a failure after it started).
- PAWPADO_FAKE_MOONLIGHT_FLOOD=N prints one line of N bytes on stdout and on
  stderr once the stream runs (and before `pair` shows its dialog), then logs a
  `flooded` event: a reader that stops draining leaves it blocked on the write.
- No action: the normal GUI, which on closing rewrites the host list it loaded
  at start, so a window left open overwrites a newer pairing (trap 7).

It pairs only with the PIN the simulator minted, and reaches the host only once
this machine joined the tailnet: the simulator decides both. Its config lives
under PAWPADO_FAKE_MOONLIGHT_HOME, with a log of every invocation's argv.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from pawpado_desktop.sim.fake_moonlight_grammar import Command, CommandLineExit, Version, parse
from pawpado_desktop.sim.fake_moonlight_state import (
    LOG_NAME,
    FakeMoonlightConfig,
    SimHost,
    find_host,
    holds_server_cert,
    pin_server_cert,
    remember_host,
)

ENV_SIM_URL = "PAWPADO_SIM_URL"
ENV_HOME = "PAWPADO_FAKE_MOONLIGHT_HOME"
ENV_VERSION = "PAWPADO_FAKE_MOONLIGHT_VERSION"
ENV_SEEK_SECONDS = "PAWPADO_FAKE_MOONLIGHT_SEEK_SECONDS"  # overrides the host-seek timeouts
ENV_SAVE_SECONDS = "PAWPADO_FAKE_MOONLIGHT_SAVE_SECONDS"  # from pairing to saving it
ENV_STREAM_SECONDS = "PAWPADO_FAKE_STREAM_SECONDS"
ENV_STREAM_CRASH = "PAWPADO_FAKE_STREAM_CRASH"  # "1": abort (SIGABRT) when the stream ends
ENV_STREAM_WINDOW = "PAWPADO_FAKE_STREAM_WINDOW"  # "1": show the stream as a window
ENV_STREAM_END_DIALOG = "PAWPADO_FAKE_STREAM_END_DIALOG"  # shown when the stream ends itself
ENV_FLOOD = "PAWPADO_FAKE_MOONLIGHT_FLOOD"  # bytes of one huge output line
DEFAULT_VERSION = "6.1.0"
DEFAULT_PORT = 47989
_SEEK_SECONDS = {"pair": 10.0, "quit": 10.0, "list": 30.0, "stream": 30.0}
_SEEK_INTERVAL = 0.25
_DEFAULT_SAVE_SECONDS = 0.5


class _Closed(BaseException):
    """The window was closed (SIGTERM or SIGINT); the process exits 0."""


class FakeMoonlight:
    def __init__(self, home: Path, env: Mapping[str, str]) -> None:
        self.home = home
        self.env = env
        self.config = FakeMoonlightConfig(home)
        self.sim = SimHost(env.get(ENV_SIM_URL, "http://127.0.0.1:9"))

    def record(self, entry: dict[str, Any]) -> None:
        """Append one line to the invocation log (O_APPEND keeps lines whole)."""
        line = json.dumps({"pid": os.getpid(), **entry}) + "\n"
        with (self.home / LOG_NAME).open("a", encoding="utf-8") as handle:
            handle.write(line)

    def run(self, command: Command) -> int:
        if command.action is None:
            return self.gui()
        return {"list": self.list, "pair": self.pair, "stream": self.stream, "quit": self.quit}[
            command.action
        ](command)

    # -- actions ---------------------------------------------------------------

    def flood(self) -> None:
        """One line of ENV_FLOOD bytes on each pipe (no newline inside), if asked for."""
        size = int(_seconds(self.env, ENV_FLOOD, 0))
        if size <= 0:
            return
        for stream in (sys.stdout, sys.stderr):
            stream.write("x" * size + "\n")
            stream.flush()
        self.record({"event": "flooded", "bytes": size})

    def list(self, command: Command) -> int:
        found = self.seek(command)
        if found is None:
            _err(f"Failed to connect to {command.host}")
            return 255
        _, info = found
        if not self.paired(info):
            _err(
                f"Computer {info['hostname']} has not been paired. Please open Moonlight "
                "to pair before retrieving games list."
            )
            return 255
        if command.csv:
            print("Name, ID, HDR Support, App Collection Game, Hidden, Direct Launch, Boxart URL")
            for index, app in enumerate(info["apps"], start=1):
                print(f'"{app}",{index},false,false,false,false,""')
        else:
            for app in info["apps"]:
                print(app)
        return 0

    def pair(self, command: Command) -> int:
        if command.pin is None:  # Moonlight makes up a PIN for the user to type on the host
            import secrets  # only when pairing: a module of many imports

            pin = f"{secrets.randbelow(10_000):04d}"
            _dialog(f"Please enter {pin} on {command.host}.")
            _stay_open()
        found = self.seek(command)
        if found is None:
            _dialog(f"Failed to connect to {command.host}")
            _stay_open()
        address, info = found
        if self.paired(info):
            _dialog(f"{info['hostname']} is already paired")
            _stay_open()
        _log("Info", f"Pairing with {info['hostname']}")
        answer = self.sim.pair(address, self.client_id, socket.gethostname(), command.pin)
        self.flood()
        if answer.status == 200:
            _dialog("Pairing completed successfully")
            # Moonlight saves its host list in the background, a moment later.
            time.sleep(_seconds(self.env, ENV_SAVE_SECONDS, _DEFAULT_SAVE_SECONDS))
            self.config.update(lambda data: pin_server_cert(data, info["uniqueId"]))
            self.record({"event": "saved", "host": info["uniqueId"]})
        elif answer.error == "WRONG_PIN":
            _log("Critical", "Incorrect PIN")
            _dialog("The PIN from the PC didn't match. Please try again.")
        elif answer.error == "PIN_EXPIRED":
            # The host holds no valid PIN, so it never answers getservercert and
            # Moonlight, which sets no timeout on that request, waits on.
            _log("Info", "Waiting for the host to answer the pairing request")
        elif answer.error == "UNREACHABLE":
            _dialog(f"Failed to connect to {command.host}")
        else:
            _dialog("Pairing failed. Please try again.")
        _stay_open()

    def stream(self, command: Command) -> int:
        for warning in command.warnings:
            _err(warning)
        found = self.seek(command)
        if found is None:
            _dialog(f"Failed to connect to {command.host}")
            return 0
        address, info = found
        if not self.paired(info):
            _dialog(_not_paired_for_streaming(info))
            return 0
        app = next((a for a in info["apps"] if a.lower() == command.app.lower()), None)
        if app is None:
            _dialog(f"Failed to find application {command.app}")
            return 0
        # A close (SIGTERM) that lands while the stream is being announced waits until
        # the stream exists and its end can be reported: else the host would count a
        # stream that no process holds any more.
        _hold_close_requests(True)
        answer = self.sim.stream(address, self.client_id, app)
        if answer.status != 200:
            _hold_close_requests(False)
            _dialog(
                _not_paired_for_streaming(info)
                if answer.error == "NOT_PAIRED"
                else f"Failed to find application {app}"
                if answer.error == "UNKNOWN_APP"
                else f"Failed to connect to {command.host}"
            )
            return 0
        stream_id = str(answer.body["streamId"])
        try:
            _hold_close_requests(False)  # a held close is raised here, inside the try
            self.record({"event": "streaming", "streamId": stream_id, "app": app})
            _log("Info", f"Streaming {app} at {command.width}x{command.height}@{command.fps}")
            self.flood()
            _log("Info", "Still streaming")
            limit = _seconds(self.env, ENV_STREAM_SECONDS, 0.0)
            if self.env.get(ENV_STREAM_WINDOW) == "1":
                _stream_window(app, command.host, limit if limit > 0 else None)
            else:
                _sleep_until_closed(limit if limit > 0 else None)
            if self.env.get(ENV_STREAM_END_DIALOG):
                _dialog(self.env[ENV_STREAM_END_DIALOG])
        except _Closed:
            pass
        finally:
            _ignore_close_requests()  # let the report go out
            self.sim.stream_end(stream_id)
            self.record({"event": "stream-ended", "streamId": stream_id})
        if self.env.get(ENV_STREAM_CRASH) == "1":
            os.abort()
        return 0

    def quit(self, command: Command) -> int:
        found = self.seek(command)
        if found is None:
            _dialog(f"Failed to connect to {command.host}")
        elif not self.paired(found[1]):
            _dialog(_not_paired_for_streaming(found[1]))
        return 0

    def gui(self) -> int:
        loaded = self.config.load()
        self.record({"event": "gui"})
        try:
            _sleep_until_closed(None)
        except _Closed:
            # Every instance rewrites the whole host list it holds when it quits.
            self.config.write(loaded)
        return 0

    # -- helpers ---------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self.config.client_id()

    def seek(self, command: Command) -> tuple[str, dict[str, Any]] | None:
        """Find the host like Moonlight: keep asking until it answers or time runs out."""
        assert command.action is not None
        limit = _seconds(self.env, ENV_SEEK_SECONDS, _SEEK_SECONDS[command.action])
        deadline = time.monotonic() + limit
        while True:
            known = find_host(self.config.load(), command.host)
            address = known["manualaddress"] if known else _address(command.host)
            info = self.sim.host(address, self.client_id)
            if info is not None:
                self._remember(info, address)
                return address, info
            if time.monotonic() >= deadline:
                return None
            time.sleep(_SEEK_INTERVAL)

    def _remember(self, info: dict[str, Any], address: str) -> None:
        self.config.update(lambda data: remember_host(data, info, address))

    def paired(self, info: dict[str, Any]) -> bool:
        """Paired on both sides: the host lists our client, we pinned its certificate."""
        return bool(info.get("paired")) and holds_server_cert(self.config.load(), info["uniqueId"])


def _not_paired_for_streaming(info: dict[str, Any]) -> str:
    return (
        f"Computer {info['hostname']} has not been paired. Please open Moonlight to "
        "pair before streaming."
    )


def _address(host: str) -> str:
    """HOST[:PORT] with Moonlight's default HTTP port; IPv6 in brackets."""
    if host.startswith("["):
        inner, _, rest = host[1:].partition("]")
        return f"[{inner}]:{rest[1:] if rest.startswith(':') else DEFAULT_PORT}"
    if host.count(":") == 1:
        return host
    if host.count(":") > 1:
        return f"[{host}]:{DEFAULT_PORT}"
    return f"{host}:{DEFAULT_PORT}"


def _dialog(text: str) -> None:
    print(f"Dialog: {text}", flush=True)


def _log(level: str, message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} - Qt {level}: {message}", file=sys.stderr, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stay_open() -> NoReturn:
    """A modal dialog: nothing happens until the window is closed."""
    _sleep_until_closed(None)
    raise _Closed


def _sleep_until_closed(seconds: float | None) -> None:
    end = None if seconds is None else time.monotonic() + seconds
    while end is None or time.monotonic() < end:
        time.sleep(3600 if end is None else max(0.0, min(1.0, end - time.monotonic())))


def _stream_window(app: str, host: str, seconds: float | None) -> None:
    """The pretend stream as a window; returns when it is closed (or SIGTERM, or time)."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton, QVBoxLayout

    qt = QApplication.instance() or QApplication([sys.argv[0]])
    window = QDialog()
    window.setWindowTitle("Pawpado demo stream")
    window.setStyleSheet(
        "QDialog{background:#0b0d12} QLabel{color:#e6e8ef}"
        "QPushButton{background:#7c3aed;color:white;border:0;border-radius:8px;padding:8px 18px}"
    )
    title = QLabel("Pawpado demo stream - close this window to end the stream")
    title.setStyleSheet("font-size:16px;font-weight:600")
    title.setWordWrap(True)
    detail = QLabel(f"Streaming {app} from {host} (simulated: nothing is sent anywhere).")
    detail.setWordWrap(True)
    end = QPushButton("End stream")
    end.setDefault(True)
    end.clicked.connect(window.accept)
    layout = QVBoxLayout(window)
    layout.setContentsMargins(28, 28, 28, 28)
    layout.setSpacing(14)
    layout.addWidget(title)
    layout.addWidget(detail)
    layout.addWidget(end, alignment=Qt.AlignmentFlag.AlignLeft)
    window.resize(520, 220)
    window.finished.connect(lambda _result: qt.quit())

    def close(signum: int, frame: FrameType | None) -> None:
        _ignore_close_requests()
        window.done(0)

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    ticker = QTimer()  # lets Python run its signal handlers while Qt waits
    ticker.start(200)
    if seconds is not None:
        QTimer.singleShot(int(seconds * 1000), lambda: window.done(0))
    window.show()
    end.setFocus()
    qt.exec()
    ticker.stop()


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env[name])
    except (KeyError, ValueError):
        return default


def _close(signum: int, frame: FrameType | None) -> None:
    _ignore_close_requests()
    raise _Closed


def _hold_close_requests(hold: bool) -> None:
    """Block (or release) SIGTERM/SIGINT: a blocked one is delivered on release."""
    if hasattr(signal, "pthread_sigmask"):  # POSIX; Windows has no such window to close
        how = signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK
        signal.pthread_sigmask(how, {signal.SIGTERM, signal.SIGINT})


def _ignore_close_requests() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _name_process() -> None:
    """Show up as `moonlight` in /proc/PID/comm, as the real binary does."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(15, b"moonlight", 0, 0, 0)  # PR_SET_NAME


def _take_fake_version(args: list[str], env: Mapping[str, str]) -> tuple[list[str], Version]:
    text = env.get(ENV_VERSION) or DEFAULT_VERSION
    rest: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "--fake-version" and i + 1 < len(args):
            text = args[i + 1]
            i += 2
            continue
        if args[i].startswith("--fake-version="):
            text = args[i].partition("=")[2]
        else:
            rest.append(args[i])
        i += 1
    parts = [int(p) for p in text.split(".") if p.isdigit()][:3]
    major, minor, patch = [*parts, 0, 0, 0][:3]
    return rest, (major, minor, patch)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ
    home = Path(env.get(ENV_HOME) or Path.home() / ".pawpado-fake-moonlight")
    fake = FakeMoonlight(home, env)
    fake.record({"argv": args})
    args, version = _take_fake_version(args, env)
    _name_process()
    signal.signal(signal.SIGTERM, _close)
    signal.signal(signal.SIGINT, _close)
    try:
        code = _parse_and_run(fake, args, version)
    except _Closed:
        code = 0
    fake.record({"event": "exit", "code": code})
    return code


def _parse_and_run(fake: FakeMoonlight, args: list[str], version: Version) -> int:
    try:
        command = parse(args, version)
    except CommandLineExit as done:
        print(done.text, end="", file=sys.stdout if done.code == 0 else sys.stderr)
        return done.code
    return fake.run(command)


# -- for tests and the demo ----------------------------------------------------


def install_fake_moonlight(
    directory: Path,
    sim_url: str,
    home: Path,
    *,
    version: str | None = None,
    seek_seconds: float | None = None,
    save_seconds: float | None = None,
    stream_seconds: float | None = None,
) -> Path:
    """Write an executable `moonlight` launcher into `directory` and return its path.

    The simulator URL and the home are fixed in the launcher; the optional knobs
    are defaults that the caller's environment can still override per run.
    """
    directory.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    project = Path(__file__).resolve().parents[2]
    knobs = {
        ENV_VERSION: version,
        ENV_SEEK_SECONDS: seek_seconds,
        ENV_SAVE_SECONDS: save_seconds,
        ENV_STREAM_SECONDS: stream_seconds,
    }
    lines = [
        "#!/bin/sh",
        "# Fake Moonlight, written by pawpado_desktop.sim.fake_moonlight for tests and the demo.",
        f"{ENV_SIM_URL}={shlex.quote(sim_url)}",
        f"{ENV_HOME}={shlex.quote(str(home))}",
        f"export {ENV_SIM_URL} {ENV_HOME}",
    ]
    for name, value in knobs.items():
        if value is not None:
            lines += [f': "${{{name}:={shlex.quote(str(value))}}}"', f"export {name}"]
    lines += [
        f"PYTHONPATH={shlex.quote(str(project))}${{PYTHONPATH:+:$PYTHONPATH}}",
        "export PYTHONPATH",
        f'exec {shlex.quote(sys.executable)} -m pawpado_desktop.sim.fake_moonlight "$@"',
    ]
    launcher = directory / "moonlight"
    launcher.write_text("\n".join(lines) + "\n", encoding="utf-8")
    launcher.chmod(0o755)
    return launcher


def read_log(home: Path) -> list[dict[str, Any]]:
    """Every entry of the invocation log: {"pid", "argv"} and {"pid", "event", ...}."""
    try:
        text = (home / LOG_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


if __name__ == "__main__":
    sys.exit(main())
