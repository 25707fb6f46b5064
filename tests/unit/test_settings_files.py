"""Settings and state files: one bad field falls back alone, the others are kept."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.tailscale.join_state import STATE_FILE, JoinRecord, JoinStateStore

# Every field away from its default, so a field reset by mistake shows.
CHANGED = LocalSettings(
    moonlight_path="/home/ayu/moonlight/Moonlight.AppImage",
    moonlight_app="Steam",
    display_mode="windowed",
    stop_grace_minutes=30,
    launch_at_login=True,
    notification_level="important",
    language="id",
    extra={"moonlight_options": {"vsync": True}},
)

# One bad value per field, of each kind: a wrong type, a value out of range or set.
BAD_VALUES = [
    ("moonlight_path", 42),
    ("moonlight_app", "   "),
    ("moonlight_app", None),
    ("display_mode", "sideways"),
    ("stop_grace_minutes", 241),
    ("stop_grace_minutes", -1),
    ("stop_grace_minutes", True),
    ("stop_grace_minutes", 5.5),
    ("stop_grace_minutes", "30"),
    ("launch_at_login", "yes"),
    ("launch_at_login", 1),
    ("notification_level", ["all"]),
    ("language", "fr"),
    ("extra", ["moonlight_options"]),
]


def write_settings(folder: Path, raw: Any) -> None:
    (folder / "settings.json").write_text(json.dumps(raw), encoding="utf-8")


@pytest.mark.parametrize(("name", "bad"), BAD_VALUES)
def test_one_bad_setting_falls_back_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, bad: Any
) -> None:
    write_settings(tmp_path, {**asdict(CHANGED), name: bad})
    with caplog.at_level(logging.WARNING):
        loaded = LocalSettings.load(tmp_path)
    assert getattr(loaded, name) == getattr(LocalSettings(), name)
    others = {k: v for k, v in asdict(CHANGED).items() if k != name}
    assert {k: v for k, v in asdict(loaded).items() if k != name} == others
    said = " ".join(caplog.messages)
    assert name in said
    assert repr(bad) not in said and json.dumps(bad) not in said  # a path may name the user


def test_a_good_file_is_read_whole_and_warns_about_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    CHANGED.save(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert LocalSettings.load(tmp_path) == CHANGED
    assert caplog.text == ""


def test_missing_and_unknown_fields_keep_the_rest(tmp_path: Path) -> None:
    raw = asdict(CHANGED)
    del raw["language"]
    write_settings(tmp_path, {**raw, "theme": "dark"})
    loaded = LocalSettings.load(tmp_path)
    assert loaded.language == LocalSettings().language
    assert loaded.display_mode == "windowed" and loaded.stop_grace_minutes == 30


def test_a_damaged_file_reads_as_the_defaults_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "settings.json").write_text('{"display_mode": "windowed", "lang', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert LocalSettings.load(tmp_path) == LocalSettings()
    assert "settings.json" in caplog.text


def test_no_file_reads_as_the_defaults_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert LocalSettings.load(tmp_path) == LocalSettings()
    assert caplog.text == ""


# -- the tailnet join record ------------------------------------------------------------

RECORD = JoinRecord(
    original_profile_id="prof-1",
    original_profile_name="ayu@example.com",
    game_profile_name="pawpado-session-abc",
    switched_profile=False,
    game_profile_id="prof-2",
    node_ip="100.64.0.9",
    phase="joined",
    owner_pid=4242,
    owner_started=1700000000,
)


def write_record(folder: Path, raw: dict[str, Any]) -> None:
    (folder / STATE_FILE).write_text(json.dumps({"version": 1, **raw}), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("original_profile_name", 7),
        ("switched_profile", "false"),
        ("game_profile_id", None),
        ("node_ip", ["100.64.0.9"]),
        ("phase", 2),
        ("owner_pid", True),
        ("owner_pid", "4242"),
        ("owner_started", 1.5),
    ],
)
def test_one_bad_join_field_falls_back_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, bad: Any
) -> None:
    write_record(tmp_path, {**asdict(RECORD), name: bad})
    with caplog.at_level(logging.WARNING):
        loaded = JoinStateStore(tmp_path).load()
    assert loaded is not None
    defaults = JoinRecord(
        RECORD.original_profile_id, "", RECORD.game_profile_name, switched_profile=True
    )
    assert getattr(loaded, name) == getattr(defaults, name)
    assert {k: v for k, v in asdict(loaded).items() if k != name} == {
        k: v for k, v in asdict(RECORD).items() if k != name
    }
    assert name in caplog.text


@pytest.mark.parametrize("name", ["original_profile_id", "game_profile_name"])
@pytest.mark.parametrize("bad", [None, 3, "missing"])
def test_a_join_record_without_what_to_restore_reads_as_unknown(
    tmp_path: Path, name: str, bad: Any
) -> None:
    raw = asdict(RECORD)
    if bad == "missing":
        del raw[name]
    else:
        raw[name] = bad
    write_record(tmp_path, raw)
    loaded = JoinStateStore(tmp_path).load()
    assert loaded is not None and loaded.phase == "unknown" and loaded.switched_profile
