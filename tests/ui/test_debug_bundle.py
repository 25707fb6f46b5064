"""The tray's Help ▸ Save debug bundle: a redacted zip in Downloads, shown to the user."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pawpado_desktop.present.menu import Act
from tests.support.ui import UiRig


def test_the_tray_saves_a_bundle_with_its_state(rig: UiRig) -> None:
    downloads = Path.home() / "Downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    rig.choose(Act.DEBUG_BUNDLE)
    rig.until(lambda: any(downloads.glob("pawpado-debug-*.zip")), what="the bundle")
    [bundle] = list(downloads.glob("pawpado-debug-*.zip"))
    rig.until(lambda: downloads in rig.opened_paths, what="the folder to be shown")
    with zipfile.ZipFile(bundle) as archive:
        summary = archive.read("debug-info.txt").decode()
        assert "state/settings.json" in archive.namelist()
    assert "Signed in: True" in summary and "Tray:" in summary
    assert "@example.com" not in summary or "***@" in summary
