"""The icon script: the committed SVGs are its output, and every size each platform wants
is rendered in containers Qt's own readers accept."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.make_icons import APP_ID, ICNS_TYPES, LINUX_SIZES, WINDOWS_SIZES, write_svgs

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "pawpado_desktop" / "resources" / "icons"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def ico_entries(data: bytes) -> list[tuple[int, bytes]]:
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    entries = []
    for i in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        assert (planes, bits) == (1, 32)
        assert width == height
        assert offset + length <= len(data)
        entries.append((width or 256, data[offset : offset + length]))
    return entries


def icns_entries(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"icns"
    (total,) = struct.unpack(">I", data[4:8])
    assert total == len(data)
    entries, at = [], 8
    while at < total:
        kind = data[at : at + 4]
        (length,) = struct.unpack(">I", data[at + 4 : at + 8])
        assert length > 8
        entries.append((kind, data[at + 8 : at + length]))
        at += length
    assert at == total
    return entries


def qt_read_sizes(path: Path) -> list[int]:
    """Frame widths as Qt's own ico/icns image plugins read them (in a child process)."""
    code = (
        "import json, sys\n"
        "from PySide6.QtGui import QGuiApplication, QImageReader\n"
        "app = QGuiApplication([])\n"
        "reader = QImageReader(sys.argv[1])\n"
        "sizes = []\n"
        "for i in range(reader.imageCount()):\n"
        "    reader.jumpToImage(i)\n"
        "    image = reader.read()\n"
        "    assert not image.isNull(), reader.errorString()\n"
        "    assert image.width() == image.height()\n"
        "    sizes.append(image.width())\n"
        "print(json.dumps(sizes))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return sorted(json.loads(done.stdout))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The script run for real on a copy of the source SVG."""
    icons = tmp_path_factory.mktemp("icons")
    shutil.copyfile(ICONS / "pawpado.svg", icons / "pawpado.svg")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_icons.py"), "render", "--icons", str(icons)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return icons


def test_linux_theme_sizes_and_the_scalable_source(rendered: Path) -> None:
    for size in LINUX_SIZES:
        path = rendered / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(path.read_bytes()) == (size, size)
    scalable = rendered / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == (rendered / "pawpado.svg").read_bytes()


def test_ico_holds_every_windows_size_as_png(rendered: Path) -> None:
    data = (rendered / "pawpado.ico").read_bytes()
    entries = ico_entries(data)
    assert sorted(size for size, _ in entries) == sorted(WINDOWS_SIZES)
    for size, png in entries:
        assert png_size(png) == (size, size)
    assert qt_read_sizes(rendered / "pawpado.ico") == sorted(WINDOWS_SIZES)


def test_icns_holds_every_macos_type_as_png(rendered: Path) -> None:
    entries = icns_entries((rendered / "pawpado.icns").read_bytes())
    assert [kind for kind, _ in entries] == [kind for kind, _ in ICNS_TYPES]
    wanted = dict(ICNS_TYPES)
    for kind, png in entries:
        assert png_size(png) == (wanted[kind], wanted[kind])
    assert qt_read_sizes(rendered / "pawpado.icns") == sorted(size for _, size in ICNS_TYPES)


def test_macos_icon_keeps_apples_margin_and_windows_fills_the_square(rendered: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication, QImage\n"
        "app = QGuiApplication([])\n"
        "mac = QImage(sys.argv[1]); win = QImage(sys.argv[2])\n"
        "print(mac.pixelColor(60, 512).alpha(), mac.pixelColor(512, 512).alpha(),\n"
        "      win.pixelColor(4, 128).alpha(), win.pixelColor(128, 128).alpha())\n"
    )
    mac_1024 = dict(
        (kind, png) for kind, png in icns_entries((rendered / "pawpado.icns").read_bytes())
    )[b"ic10"]
    win_256 = dict(ico_entries((rendered / "pawpado.ico").read_bytes()))[256]
    (rendered / "mac.png").write_bytes(mac_1024)
    (rendered / "win.png").write_bytes(win_256)
    done = subprocess.run(
        [sys.executable, "-c", code, str(rendered / "mac.png"), str(rendered / "win.png")],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    mac_edge, mac_centre, win_edge, win_centre = map(int, done.stdout.split())
    assert mac_edge == 0 and mac_centre == 255  # 100 px of 1024 left clear on each side
    assert win_edge == 255 and win_centre == 255


def test_the_committed_icons_match_the_current_source() -> None:
    """Change pawpado.svg and forget `scripts/make_icons.py render`: this fails."""
    manifest = json.loads((ICONS / "generated.json").read_text())
    source = (ICONS / manifest["source"]).read_bytes()
    assert manifest["sha256"] == hashlib.sha256(source).hexdigest(), (
        "pawpado.svg changed: run `uv run python scripts/make_icons.py render`"
    )
    for name in manifest["files"]:
        assert (ICONS / name).is_file(), name
    assert sorted(size for size, _ in ico_entries((ICONS / "pawpado.ico").read_bytes())) == sorted(
        WINDOWS_SIZES
    )


def test_the_committed_svgs_are_the_scripts_shapes(tmp_path: Path) -> None:
    """Change a shape in the script and forget `scripts/make_icons.py svg`: this fails."""
    written = write_svgs(tmp_path)
    assert written
    for path in written:
        name = path.relative_to(tmp_path)
        assert (ICONS / name).read_bytes() == path.read_bytes(), (
            f"{name} differs from the script's shapes: run `uv run python scripts/make_icons.py svg`"
        )
