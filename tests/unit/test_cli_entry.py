"""The entry point: no command starts the tray with its options; help still lists commands."""

from __future__ import annotations

import argparse

import pytest

from pawpado_desktop.cli import main as entry


@pytest.fixture
def tray_started(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    started: list[argparse.Namespace] = []

    def run_app(args: argparse.Namespace) -> int:
        started.append(args)
        return 0

    monkeypatch.setattr(entry, "run_app", run_app)
    monkeypatch.setattr(entry, "configure_logging", lambda verbosity: None)
    return started


def test_no_command_starts_the_tray_with_its_options(
    tray_started: list[argparse.Namespace],
) -> None:
    assert entry.main(["--background", "-vv", "--demo"]) == 0
    [args] = tray_started
    assert args.background and args.demo and args.verbose == 2
    assert args.command is None


def test_help_lists_the_commands(
    tray_started: list[argparse.Namespace], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["-v", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "status" in out and "--background" in out
    assert not tray_started


def test_a_mistyped_option_is_a_usage_error_not_a_tray(
    tray_started: list[argparse.Namespace], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["--bakground"])
    assert done.value.code == 2
    assert "--bakground" in capsys.readouterr().err
    assert not tray_started


def test_a_command_word_reaches_the_commands(tray_started: list[argparse.Namespace]) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["no-such-command"])
    assert done.value.code == 2
    assert not tray_started
