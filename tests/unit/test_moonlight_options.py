"""Stream options built from the account's and this computer's settings."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.moonlight import MoonlightVersion, StreamOptions, StreamSettingsInvalid
from pawpado_desktop.moonlight.options import LOCAL_OPTIONS_KEY
from pawpado_desktop.sim.fake_moonlight_grammar import parse as fake_parse

SERVER = {
    "instanceType": "g5.xlarge",
    "autoStopIdleMinutes": 30,
    "lowBalanceAlertMinutes": 30,
    "streamResolution": "1920x1080",
    "streamFps": 60,
    "bitrateKbps": 20000,
    "locale": "en",
}


def test_from_the_api_json_and_local_display_mode():
    options = StreamOptions.from_settings(SERVER, LocalSettings(display_mode="borderless"))
    assert options.to_args() == [
        "--resolution", "1920x1080",
        "--fps", "60",
        "--bitrate", "20000",
        "--display-mode", "borderless",
    ]  # fmt: skip


@dataclass
class ServerSettingsModel:
    stream_resolution: str
    stream_fps: int
    bitrate_kbps: int


def test_from_a_typed_model_with_snake_case_fields():
    model = ServerSettingsModel("3840x2160", 120, 80000)
    options = StreamOptions.from_settings(model, LocalSettings(display_mode="windowed"))
    assert (options.width, options.height, options.fps, options.bitrate_kbps) == (
        3840,
        2160,
        120,
        80000,
    )
    assert options.display_mode == "windowed"


def test_extra_moonlight_options_from_local_settings():
    local = LocalSettings(
        extra={
            LOCAL_OPTIONS_KEY: {
                "quit_after": True,
                "vsync": False,
                "video-codec": "hevc",  # Moonlight's spelling is HEVC
                "audio-config": "surround-9000",  # not a choice: skipped
                "teleport": True,  # not an option: skipped
            }
        }
    )
    args = StreamOptions.from_settings(SERVER, local).to_args()
    assert args[8:] == ["--video-codec", "HEVC", "--quit-after", "--no-vsync"]


def test_options_newer_than_the_installed_moonlight_are_left_out():
    local = LocalSettings(extra={LOCAL_OPTIONS_KEY: {"hdr": True, "video-codec": "AV1"}})
    options = StreamOptions.from_settings(SERVER, local)
    assert "--hdr" not in options.to_args(MoonlightVersion(5, 0, 1))
    assert "AV1" not in options.to_args(MoonlightVersion(5, 0, 1))
    assert options.to_args(MoonlightVersion(6, 1, 0))[8:] == ["--video-codec", "AV1", "--hdr"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("streamResolution", "1920*1080"),
        ("streamResolution", None),
        ("streamFps", "60"),
        ("streamFps", True),
        ("streamFps", 1000),
        ("bitrateKbps", 100),
        ("bitrateKbps", 20000.5),
    ],
)
def test_unusable_server_settings_are_refused_with_advice(key: str, value: object):
    with pytest.raises(StreamSettingsInvalid) as caught:
        StreamOptions.from_settings({**SERVER, key: value}, LocalSettings())
    assert "Settings" in caught.value.message
    assert caught.value.exit_code is ExitCode.MOONLIGHT


def test_the_options_are_what_moonlight_itself_parses():
    local = LocalSettings(
        display_mode="windowed", extra={LOCAL_OPTIONS_KEY: {"audio_config": "stereo"}}
    )
    args = StreamOptions.from_settings(
        {**SERVER, "streamResolution": "2560x1440", "streamFps": 90}, local
    ).to_args(MoonlightVersion(6, 1, 0))
    command = fake_parse(["stream", "100.64.0.7:47989", "Desktop", *args], (6, 1, 0))
    assert (command.width, command.height, command.fps, command.bitrate) == (2560, 1440, 90, 20000)
    assert command.display_mode == "windowed"
    assert command.settings == {"audio-config": "stereo"}
