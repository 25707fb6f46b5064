"""Small pure pieces: versions, dialog texts, process lists, addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pawpado_desktop.errors import ExitCode
from pawpado_desktop.moonlight import (
    MIN_VERSION,
    BadAddress,
    MoonlightVersion,
    host_address,
    parse_version,
)
from pawpado_desktop.moonlight.client import check_address
from pawpado_desktop.moonlight.dialogs import Outcome, classify, last_outcome
from pawpado_desktop.moonlight.instances import (
    RunningMoonlight,
    is_moonlight_name,
    parse_ps,
    parse_tasklist,
    scan_proc,
)
from pawpado_desktop.moonlight.process import redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Moonlight 6.1.0\n", MoonlightVersion(6, 1, 0)),
        ("Moonlight 4.1\n", MoonlightVersion(4, 1, 0)),
        ("moonlight-qt 5.0.1-1ubuntu1", MoonlightVersion(5, 0, 1)),
        ("no version here", None),
    ],
)
def test_parse_version(text: str, expected: MoonlightVersion | None):
    assert parse_version(text) == expected


def test_minimum_is_the_first_release_with_cli_pairing():
    assert MoonlightVersion(4, 1, 9) < MIN_VERSION <= MoonlightVersion(4, 2, 0)
    assert str(MIN_VERSION) == "4.2.0"


@pytest.mark.parametrize(
    ("line", "outcome"),
    [
        ("Dialog: Pairing completed successfully", Outcome.PAIRED),
        ("12:00:01 - Qt Critical: Incorrect PIN", Outcome.WRONG_PIN),
        ("The PIN from the PC didn't match. Please try again.", Outcome.WRONG_PIN),
        ("Another pairing attempt is already in progress.", Outcome.PAIR_FAILED),
        ("Failed to connect to 100.64.0.7:47989", Outcome.UNREACHABLE),
        ("Computer pc has not been paired. Please open Moonlight", Outcome.NOT_PAIRED),
        ("Failed to find application Steam", Outcome.APP_NOT_FOUND),
        ("pawpado-cloud-pc is already paired", Outcome.ALREADY_PAIRED),
        ("12:00:01 - Qt Info: Streaming Desktop", None),
    ],
)
def test_dialog_and_log_texts(line: str, outcome: Outcome | None):
    assert classify(line) is outcome


def test_last_outcome_is_the_latest_recognised_line():
    lines = ["Failed to connect to x", "noise", "Pairing completed successfully", "more noise"]
    assert last_outcome(lines) == (Outcome.PAIRED, "Pairing completed successfully")
    assert last_outcome(["noise"]) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("moonlight", True),
        ("moonlight-qt", True),
        ("Moonlight.exe", True),
        ("Moonlight-6.1.0-x", True),  # an AppImage, cut to 15 characters by the kernel
        ("moonlightd", False),
        ("pawpado-desktop", False),
    ],
)
def test_moonlight_process_names(name: str, expected: bool):
    assert is_moonlight_name(name) is expected


def test_parse_ps_on_macos():
    output = (
        "  1 /sbin/launchd\n"
        "4242 /Applications/Moonlight.app/Contents/MacOS/Moonlight\n"
        "77 /usr/bin/ssh\n"
    )
    assert parse_ps(output) == [RunningMoonlight(4242, "Moonlight")]


def test_parse_tasklist_on_windows():
    output = (
        '"System Idle Process","0","Services","0","8 K"\n'
        '"Moonlight.exe","5120","Console","1","210,000 K"\n'
    )
    assert parse_tasklist(output) == [RunningMoonlight(5120, "Moonlight.exe")]


def test_scan_proc_reads_comm_names(tmp_path: Path):
    for pid, comm in ((10, "bash"), (11, "moonlight"), (12, "moonlight-qt")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "comm").write_text(comm + "\n")
    (tmp_path / "13").mkdir()  # exited while we looked: no comm
    (tmp_path / "self").mkdir()
    found = scan_proc(tmp_path)
    assert found is not None
    assert sorted(found, key=lambda p: p.pid) == [
        RunningMoonlight(11, "moonlight"),
        RunningMoonlight(12, "moonlight-qt"),
    ]
    assert scan_proc(tmp_path / "missing") is None


def test_host_address_brackets_ipv6():
    assert host_address("100.64.0.7", 47989) == "100.64.0.7:47989"
    assert host_address("fd7a:115c:a1e0::1", 47989) == "[fd7a:115c:a1e0::1]:47989"


@pytest.mark.parametrize(
    "address", ["100.64.0.7:47989", "[fd7a::1]:47989", "pc.pawpado-demo.ts.net", "10.0.0.1"]
)
def test_addresses_moonlight_reads_as_a_host(address: str):
    assert check_address(address) == address


@pytest.mark.parametrize("address", ["--pin", "a b:1", "[nothost]:1", "h:99999", ""])
def test_addresses_that_would_not_be_a_host_are_refused(address: str):
    with pytest.raises(BadAddress, match="not an address Moonlight can connect to") as caught:
        check_address(address)
    assert caught.value.exit_code is ExitCode.MOONLIGHT


def test_the_pin_never_reaches_a_log_line():
    argv = ["moonlight", "pair", "100.64.0.7:47989", "--pin", "0042"]
    assert redacted(argv) == ["moonlight", "pair", "100.64.0.7:47989", "--pin", "****"]
    assert "0042" not in redacted(["x", "-pin", "0042"])
