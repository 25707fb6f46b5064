"""The fake Moonlight's command line follows moonlight-qt's grammar strictly."""

from __future__ import annotations

import pytest

from pawpado_desktop.sim.fake_moonlight_grammar import CommandLineExit, parse

V61 = (6, 1, 0)


def fails(argv: list[str], version: tuple[int, int, int] = V61) -> CommandLineExit:
    with pytest.raises(CommandLineExit) as caught:
        parse(argv, version)
    return caught.value


def test_no_arguments_starts_the_gui():
    assert parse([], V61).action is None


def test_version_and_help_exit_zero_on_stdout():
    assert (fails(["--version"]).code, fails(["--version"]).text) == (0, "Moonlight 6.1.0\n")
    assert fails(["-v"]).text == "Moonlight 6.1.0\n"
    assert fails(["--help"]).code == 0
    assert fails(["list", "--help"]).code == 0


def test_the_action_is_found_anywhere_case_insensitively():
    command = parse(["--fps", "60", "STREAM", "host", "Desktop"], V61)
    assert (command.action, command.host, command.app, command.fps) == (
        "stream",
        "host",
        "Desktop",
        60,
    )


def test_single_dash_long_options():
    assert parse(["pair", "h", "-pin", "0042"], V61).pin == "0042"
    assert parse(["pair", "h", "--pin=0042"], V61).pin == "0042"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "Invalid action"),
        (["--nope"], "Unknown options: nope"),
        (["list"], "Host not provided"),
        (["stream", "h"], "App not provided"),
        (["list", "h", "--json"], "Unknown options: json"),
        (["pair", "h", "--pin", "123"], "PIN must be 4 digits"),
        (["pair", "h", "--pin"], "Missing value after '--pin'."),
        (["list", "h", "--csv=yes"], "Unexpected value after '--csv=yes'."),
        (["stream", "h", "a", "--resolution", "1920*1080"], "Invalid resolution format"),
        (["stream", "h", "a", "--fps", "sixty"], "Invalid fps value: sixty"),
        (["stream", "h", "a", "--packet-size", "512"], "Packet size must be greater"),
        (["stream", "h", "a", "--display-mode", "tiny"], "Invalid display-mode choice: tiny"),
    ],
)
def test_bad_input_is_an_error_with_help_and_exit_1(argv: list[str], message: str):
    failure = fails(argv)
    assert failure.code == 1
    assert failure.text.startswith(message)
    assert "Usage: moonlight" in failure.text


def test_the_pin_length_is_all_moonlight_checks():
    assert parse(["pair", "h", "--pin", "abcd"], V61).pin == "abcd"  # Sunshine refuses it


def test_the_last_resolution_option_wins():
    assert (parse(["stream", "h", "a", "--resolution", "1x1", "--4K"], V61).width) == 3840
    command = parse(["stream", "h", "a", "--720", "--resolution", "2560x1080"], V61)
    assert (command.width, command.height) == (2560, 1080)


def test_defaults_when_nothing_is_given():
    command = parse(["stream", "h", "a"], V61)
    assert (command.width, command.height, command.fps, command.bitrate) == (1280, 720, 60, None)
    assert command.display_mode == "fullscreen"


def test_out_of_range_fps_and_bitrate_only_warn():
    command = parse(["stream", "h", "a", "--fps", "1000", "--bitrate", "100"], V61)
    assert command.fps == 1000 and command.bitrate == 100
    assert len(command.warnings) == 2


def test_toggles_last_one_wins_and_choices_ignore_case():
    command = parse(
        ["stream", "h", "a", "--vsync", "--no-vsync", "--video-codec", "hevc", "--quit-after"],
        V61,
    )
    assert command.settings == {"vsync": "off", "video-codec": "hevc", "quit-after": "on"}


def test_older_versions_lack_newer_actions_and_options():
    assert fails(["pair", "h", "--pin", "0042"], (4, 1, 0)).text.startswith("Invalid action")
    assert fails(["list", "h"], (4, 1, 0)).text.startswith("Invalid action")
    assert parse(["stream", "h", "a"], (4, 1, 0)).action == "stream"
    assert fails(["stream", "h", "a", "--hdr"], (5, 0, 1)).text.startswith("Unknown options: hdr")
    assert fails(["stream", "h", "a", "--yuv444"], (6, 0, 0)).code == 1
    assert fails(["stream", "h", "a", "--video-codec", "AV1"], (5, 0, 1)).code == 1
    assert parse(["stream", "h", "a", "--video-codec", "AV1"], V61).settings["video-codec"] == "AV1"


def test_double_dash_ends_the_options():
    assert parse(["stream", "h", "--", "--weird app"], V61).app == "--weird app"
