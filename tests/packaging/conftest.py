"""Validators for desktop files: skipped locally when missing, required in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Validate = Callable[[Path], subprocess.CompletedProcess[str]]


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is missing; CI must install the Debian package {package}")
    pytest.skip(f"{name} not installed (Debian package {package})")


@pytest.fixture
def desktop_file_validate() -> Validate:
    tool = _tool("desktop-file-validate", "desktop-file-utils")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool, str(path)], check=False, capture_output=True, text=True, timeout=60
        )

    return run


@pytest.fixture
def appstream_validate() -> Validate:
    tool = _tool("appstreamcli", "appstream")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        # --no-net: tests never leave loopback. Errors and warnings fail; infos do not
        # (Debian 12's appstream 0.16 reports the newer <developer> tag as unknown).
        return subprocess.run(
            [tool, "validate", "--no-net", str(path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run
