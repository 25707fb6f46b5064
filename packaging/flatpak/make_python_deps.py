"""Write python3-deps.json, the Flatpak module with the app's Python dependencies.

    uv run python packaging/flatpak/make_python_deps.py

flatpak-builder builds without network, so every wheel is a source with its URL
and SHA-256. Both come from uv.lock (no download, no registry query): the
runtime dependencies of pawpado-desktop, resolved for the Flatpak's Python and
CPU, minus PySide6 and shiboken6, which the PySide base app provides.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "python3-deps.json"
PROJECT = "pawpado-desktop"
PYTHON = (3, 12)  # org.kde.Platform 6.8 (freedesktop 24.08)
GLIBC = (2, 28)  # oldest manylinux we accept; the runtime's glibc is newer
ARCHES = {"x86_64": "x86_64", "aarch64": "aarch64"}  # Flatpak arch -> wheel platform
FROM_BASE_APP = {"pyside6-essentials", "pyside6", "shiboken6"}


def marker_env(arch: str) -> dict[str, str]:
    version = f"{PYTHON[0]}.{PYTHON[1]}"
    return {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": version,
        "python_full_version": f"{version}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": arch,
        "extra": "",
    }


def runtime_packages(lock: dict[str, Any], arch: str) -> list[dict[str, Any]]:
    """pawpado-desktop's runtime closure (no dev group) for one CPU."""
    packages = {canonicalize_name(p["name"]): p for p in lock["package"]}
    env = marker_env(arch)
    wanted: dict[str, dict[str, Any]] = {}
    todo = [canonicalize_name(PROJECT)]
    while todo:
        name = todo.pop()
        for dep in packages[name].get("dependencies", []):
            dep_name = canonicalize_name(dep["name"])
            if "marker" in dep and not Marker(dep["marker"]).evaluate(env):
                continue
            if dep_name in wanted or dep_name in FROM_BASE_APP:
                continue
            wanted[dep_name] = packages[dep_name]
            todo.append(dep_name)
    return sorted(wanted.values(), key=lambda p: canonicalize_name(p["name"]))


def _fits(tag: Tag, arch: str) -> bool:
    py_ok = tag.interpreter in ("py3", f"py{PYTHON[0]}{PYTHON[1]}", f"cp{PYTHON[0]}{PYTHON[1]}")
    if tag.abi == "abi3" and tag.interpreter.startswith("cp3"):
        py_ok = int(tag.interpreter[3:]) <= PYTHON[1]
    if tag.platform == "any":
        return py_ok
    for prefix in ("manylinux_", "manylinux2014_"):
        if tag.platform.startswith(prefix) and tag.platform.endswith("_" + ARCHES[arch]):
            if prefix == "manylinux2014_":
                return py_ok
            major, minor = tag.platform.split("_")[1:3]
            return py_ok and (int(major), int(minor)) <= GLIBC
    return False


def pick_wheel(package: dict[str, Any], arch: str) -> dict[str, Any]:
    """A wheel the runtime can load: a pure one if there is one, else this CPU's."""
    wheels = package.get("wheels", [])
    for pure in (True, False):
        for wheel in wheels:
            filename = wheel["url"].rsplit("/", 1)[-1]
            tags = parse_wheel_filename(filename)[3]
            if any(t.platform == "any" for t in tags) != pure:
                continue
            if any(_fits(t, arch) for t in tags):
                return {"filename": filename, **wheel}
    raise SystemExit(f"no wheel of {package['name']} {package['version']} fits {arch}")


def sources(lock: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One source per wheel; a wheel both CPUs share is listed once."""
    per_arch = {
        arch: {p["name"]: pick_wheel(p, arch) for p in runtime_packages(lock, arch)}
        for arch in ARCHES
    }
    names = sorted({name for wheels in per_arch.values() for name in wheels})
    for name in names:
        chosen = {arch: wheels[name] for arch, wheels in per_arch.items() if name in wheels}
        urls = {wheel["url"] for wheel in chosen.values()}
        for url in sorted(urls):
            wheel = next(w for w in chosen.values() if w["url"] == url)
            source: dict[str, Any] = {
                "type": "file",
                "url": url,
                "sha256": wheel["hash"].removeprefix("sha256:"),
            }
            arches = sorted(arch for arch, w in chosen.items() if w["url"] == url)
            if arches != sorted(ARCHES):
                source["only-arches"] = arches
            yield source


def module(lock: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "python3-deps",
        "buildsystem": "simple",
        "build-commands": [
            'pip3 install --verbose --exists-action=i --no-index --find-links="file://${PWD}" '
            "--prefix=${FLATPAK_DEST} --no-build-isolation --no-deps *.whl"
        ],
        "sources": list(sources(lock)),
    }


def main() -> int:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    text = json.dumps(module(lock), indent=2) + "\n"
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.name} is stale: run this script without --check", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
