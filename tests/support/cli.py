"""The CLI rig: `pawpado-desktop` as a user runs it, with no terminal, against the
simulator and the fakes (on real time: tests/support/world.py's `cli` world has short
phases instead).

Two ways to run a command, used alike (`subprocess.CompletedProcess`, or a
`Popen`-like handle for one that runs on while the test goes on):
- in this process (`Cli.call`, `Cli.begin`, `run_cli`, `call_cli`): the real entry
  point (`cli.main.main`) with the command's environment, its own event loop on a
  thread of its own, stdin not a terminal, stdout/stderr captured. For what a command
  decides and prints: exit codes, text, JSON. No interpreter start (1-3 s of CPU each).
- a real process (`Cli.run`, `Cli.start`): where the process is the thing tested:
  signals, two processes at once and their owner locks, a kill, a terminal, start-up
  imports, what reaches a real command line or environment.

- `cli` (fixture, any folder): a `Cli` for running and starting the CLI.
- `Running`: a started `play` and what it printed; `until(check, proc)` waits while
  it lives; `session_state(cli)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ctypes
import io
import logging
import os
import subprocess
import sys
import threading
import traceback
import webbrowser
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from subprocess import Popen
from typing import TextIO

import pytest

from pawpado_desktop.auth.store import FileStore, credentials_path
from pawpado_desktop.auth.storekey import StoreKey
from pawpado_desktop.cli import wiring as cli_wiring
from pawpado_desktop.cli.main import main
from pawpado_desktop.clock import SYSTEM_CLOCK, Clock, ScaledClock
from pawpado_desktop.present import i18n
from pawpado_desktop.sim.fake_tailscaled import FakeTailscaled
from pawpado_desktop.sim.server import SimulatorServer
from tests.support.moonlight import FakeMoonlightInstall
from tests.support.play import token_set
from tests.support.sim import start_elsewhere
from tests.support.waiting import wait_until_blocking


class Output:
    """A command's stdout or stderr: written by the command, read by the test as it
    comes (`readline`, iteration) or whole once the command has ended (`read`)."""

    def __init__(self) -> None:
        self._text = ""
        self._at = 0
        self._ended = False
        self._changed = threading.Condition()

    def write(self, text: str) -> int:
        with self._changed:
            self._text += text
            self._changed.notify_all()
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False  # a pipe, as for a process the user pipes or runs from a script

    def end(self) -> None:
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def readline(self) -> str:
        """The next line; "" once the command has ended and everything was read."""
        with self._changed:
            self._changed.wait_for(lambda: "\n" in self._text[self._at :] or self._ended)
            end = self._text.find("\n", self._at)
            end = len(self._text) if end < 0 else end + 1
            line, self._at = self._text[self._at : end], end
            return line

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def read(self) -> str:
        """Everything not read yet, once the command has ended."""
        with self._changed:
            self._changed.wait_for(lambda: self._ended)
            rest, self._at = self._text[self._at :], len(self._text)
            return rest


@dataclass
class _Streams:
    stdin: TextIO
    stdout: Output = field(default_factory=Output)
    stderr: Output = field(default_factory=Output)


# The streams of the command running in this context (its thread and its tasks);
# None elsewhere (the test, the simulator's threads), whose output goes where it went.
_COMMAND: contextvars.ContextVar[_Streams | None] = contextvars.ContextVar(
    "cli_command_streams", default=None
)


class _Routed(io.TextIOBase):
    """sys.stdin/stdout/stderr while a command runs in process: the command's own
    stream in its context, the stream it replaced everywhere else."""

    def __init__(self, name: str, before: TextIO) -> None:
        self._name = name
        self._before = before

    def _target(self) -> TextIO:
        streams = _COMMAND.get()
        return self._before if streams is None else getattr(streams, self._name)

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._target().readline(-1 if size is None else size)

    def read(self, size: int | None = -1) -> str:
        return self._target().read(-1 if size is None else size)

    def fileno(self) -> int:
        return self._target().fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "strict"


_ONE_AT_A_TIME = threading.Lock()


def _set_env(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def _lent_process_state(env: Mapping[str, str], clock: Clock | None) -> Iterator[None]:
    """What a process would have of its own, lent for one command and given back: the
    environment (exactly `env`), sys.stdin/stdout/stderr (routed), the root logger's
    handlers (the command configures its own), the language in use, the browsers
    webbrowser found (it reads BROWSER once per process), and with `clock` the wiring's
    clock."""
    names = {*os.environ, *env}
    changed = {k: os.environ.get(k) for k in names if os.environ.get(k) != env.get(k)}
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_language = i18n.language()
    from_env = cli_wiring.wiring_from_env
    browsers = {name: getattr(webbrowser, name) for name in ("_browsers", "_tryorder")}
    webbrowser._browsers = {}  # type: ignore[attr-defined]
    webbrowser._tryorder = None  # type: ignore[attr-defined]
    _set_env({k: env.get(k) for k in changed})
    sys.stdin = _Routed("stdin", sys.stdin)
    sys.stdout = _Routed("stdout", sys.stdout)
    sys.stderr = _Routed("stderr", sys.stderr)
    root.handlers = []
    if clock is not None:
        cli_wiring.wiring_from_env = partial(from_env, clock=clock)
    try:
        yield
    finally:
        cli_wiring.wiring_from_env = from_env
        for name, found in browsers.items():
            setattr(webbrowser, name, found)
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()  # the command's log file
        root.handlers, root.level = saved_handlers, saved_level
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        _set_env(changed)
        if i18n.language() != saved_language:
            i18n.set_language(saved_language)


def _exit_code(args: Sequence[str], streams: _Streams) -> int:
    """`main(args)` as the interpreter would end it: SystemExit is the exit code, an
    uncaught exception a traceback and 1."""
    try:
        return main(list(args))
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=streams.stderr)
        return 1
    except BaseException:
        traceback.print_exc(file=streams.stderr)
        return 1


class InProcess:
    """A command running in this process (`Cli.begin`), used like a `Popen`: `stdout`
    and `stderr` to read as it prints, `poll`, `wait`, `communicate`. It runs the real
    entry point on a thread of its own, with its own event loop (so it installs no
    signal handler here, and a test's running loop is no obstacle) and no terminal.

    One in-process command at a time: the environment it runs in is process-wide."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], clock: Clock | None) -> None:
        if not _ONE_AT_A_TIME.acquire(timeout=5):
            raise AssertionError("another in-process command still runs; start one as a process")
        self.args = ["pawpado-desktop", *args]
        self._streams = _Streams(stdin=open(os.devnull, encoding="utf-8"))  # noqa: SIM115
        self.stdout = self._streams.stdout
        self.stderr = self._streams.stderr
        self.returncode: int | None = None
        self._thread = threading.Thread(
            target=self._run, args=(list(args), env, clock), name=" ".join(self.args), daemon=True
        )
        self._thread.start()

    def _run(self, args: list[str], env: Mapping[str, str], clock: Clock | None) -> None:
        _COMMAND.set(self._streams)
        try:
            with self._streams.stdin, _lent_process_state(env, clock):
                self.returncode = _exit_code(args, self._streams)
        finally:
            _ONE_AT_A_TIME.release()
            self.stdout.end()
            self.stderr.end()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._thread.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return self.stdout.read(), self.stderr.read()

    def interrupt(self, timeout: float = 60) -> None:
        """End a command left running like Ctrl-C would (its clean-up runs): for a test's
        clean-up, not to test signals (they need a real process)."""
        if self._thread.is_alive() and self._thread.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread.ident), ctypes.py_object(KeyboardInterrupt)
            )
        self._thread.join(timeout)


def call_cli(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 120, clock: Clock | None = None
) -> subprocess.CompletedProcess[str]:
    """`pawpado-desktop ARGS` in this process and exactly the environment `env`, to its
    end (see `InProcess`); `clock`: the wiring's clock instead of the system's."""
    return _completed(InProcess(args, env, clock), timeout)


def _completed(command: InProcess, timeout: float) -> subprocess.CompletedProcess[str]:
    out, err = command.communicate(timeout)
    assert command.returncode is not None
    return subprocess.CompletedProcess(command.args, command.returncode, out, err)


SCALED_SPEED = 60.0  # Cli.call_scaled: a minute of retrying in a second


@dataclass
class Cli:
    sim: SimulatorServer
    env: dict[str, str]
    moonlight: FakeMoonlightInstall | None = None
    begun: list[InProcess] = field(default_factory=list)

    def call(
        self, *args: str, timeout: float = 120, clock: Clock | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """The command in this process, to its end (see `call_cli`): for what it decides
        and prints."""
        return _completed(self.begin(*args, clock=clock, **env), timeout)

    def call_scaled(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """The command in this process on a clock SCALED_SPEED times fast: for commands
        that wait only on their own retries, back-offs and deadlines (the simulator keeps
        real time: not for one that polls it on a schedule, as a Play does)."""
        return self.call(*args, clock=ScaledClock(SCALED_SPEED), **env)

    def begin(self, *args: str, clock: Clock | None = None, **env: str) -> InProcess:
        """The command in this process, running on while the test goes on (see
        `InProcess`); the `cli` fixture interrupts it if the test leaves it running.

        It keeps the simulator's clock unless given another: under
        `@pytest.mark.world(speed=5)` a Play's phases and polls pass five times fast on
        both sides (a command started as a process keeps real time)."""
        command = InProcess(args, {**self.env, **env}, clock or self.sim.clock)
        self.begun.append(command)
        return command

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        """The command as a real process, to its end."""
        return subprocess.run(
            [sys.executable, "-m", "pawpado_desktop", *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """The command as a real process, running on (to signal, kill or race it)."""
        return subprocess.Popen(
            [sys.executable, "-m", "pawpado_desktop", *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def credentials_file(self) -> Path:
        """Where the CLI keeps its opt-in file sign-in for the servers it is pointed at
        (the simulator, or a proxy in front of it: a sign-in belongs to its servers)."""
        key = StoreKey.of(self.env["PAWPADO_AUTH_URL"], self.env["PAWPADO_BASE_URL"])
        return credentials_path(key, Path(self.env["PAWPADO_CONFIG_DIR"]))

    def sign_in(self) -> None:
        """Signed in as after `login`, without the command (its device flow polls once a
        second): for the tests where signing in is not what is tested. The store is
        async, so it saves on a loop of its own; any test, sync or async, may call this."""
        save = FileStore(self.credentials_file).save(token_set(self.sim, SYSTEM_CLOCK))  # type: ignore[arg-type]
        with ThreadPoolExecutor(1) as worker:
            worker.submit(asyncio.run, save).result()

    def start_elsewhere(self) -> None:
        """A session started from another device (the web portal): it bills whatever
        this computer sees."""
        start_elsewhere(self.sim)

    def login(self) -> None:
        """The real `login` command, device flow and all (about a second)."""
        self.sim.control.set_auto_approve(True)
        done = self.call("login", "--no-browser")
        assert done.returncode == 0, done.stderr


@pytest.fixture
def cli(
    sim: SimulatorServer,
    fake_tailscaled_sim: FakeTailscaled,
    install_moonlight: Callable[..., FakeMoonlightInstall],
    tmp_path: Path,
) -> Iterator[Cli]:
    moon = install_moonlight(sim.base_url, stream_seconds=0.5, save_seconds=0.2)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")},
        "LANG": "C.UTF-8",  # English whatever the machine's locale; a test may ask for another
        "PAWPADO_BASE_URL": sim.base_url,
        "PAWPADO_AUTH_URL": sim.issuer_url,
        "PAWPADO_SIM_URL": sim.base_url,
        "PAWPADO_TAILSCALE_SOCKET": str(fake_tailscaled_sim.socket_path),
        "PAWPADO_MOONLIGHT": str(moon.path),
        "PAWPADO_CONFIG_DIR": str(tmp_path / "cli-config"),
        "PAWPADO_CREDENTIAL_STORE": "file",
        "PYTHONUNBUFFERED": "1",
    }
    rig = Cli(sim, env, moon)
    yield rig
    for command in rig.begun:
        command.interrupt()


def checkout_link(process: subprocess.Popen[str] | InProcess) -> str:
    """The checkout address a running `topup` or `play --topup` printed."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Pay here: "):
            return line.removeprefix("Pay here: ").strip()
    raise AssertionError("no checkout link printed")


PAWPADO_ENV = (
    "PAWPADO_BASE_URL",
    "PAWPADO_AUTH_URL",
    "PAWPADO_SIM_URL",
    "PAWPADO_CONFIG_DIR",
    "PAWPADO_TAILSCALE_SOCKET",
    "PAWPADO_MOONLIGHT",
    "PAWPADO_CREDENTIAL_STORE",
)


@dataclass
class Running:
    """A `pawpado-desktop play` process and what it wrote so far: `lines` (stdout) and
    `errors` (stderr), each drained by a thread of its own so neither pipe fills."""

    process: Popen[str]
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _readers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream, into in ((self.process.stdout, self.lines), (self.process.stderr, self.errors)):
            if stream is not None:
                reader = threading.Thread(target=_drain, args=(stream, into), daemon=True)
                reader.start()
                self._readers.append(reader)

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def ended(self, timeout: float = 90) -> str:
        """Wait for the process to end and its output to be read; its stderr."""
        self.process.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return "".join(self.errors)


def _drain(stream: TextIO, into: list[str]) -> None:
    for line in stream:  # line by line, so a test sees each as it comes
        into.append(line)


def until(check: Callable[[], bool], proc: Running, timeout: float = 60) -> None:
    """Wait for `check` while `proc` lives (its output shown if it ends or time runs out)."""

    def done() -> bool:
        assert proc.process.poll() is None, "".join(proc.lines)
        return check()

    wait_until_blocking(done, timeout, detail=lambda: "".join(proc.lines))


def session_state(cli: Cli) -> str:
    return str(cli.sim.control.session()["state"])


async def run_cli(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    """`pawpado-desktop ARGS` in this process and the test's own environment, the test's
    loop running meanwhile: (exit code, stdout, stderr)."""
    done = await asyncio.to_thread(call_cli, args, dict(os.environ), timeout)
    return done.returncode, done.stdout, done.stderr
