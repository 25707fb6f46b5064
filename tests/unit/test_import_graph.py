"""The layers hold: the tray and the CLI reach the services only through the core,
and the core never pulls in the simulator or Qt. A static scan of every import
(including those under TYPE_CHECKING and inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.source_scan import PACKAGE, package_trees

# layer -> the top-level modules it must not import
FORBIDDEN = {
    "ui": ("api", "auth", "tailscale", "moonlight"),
    "cli": ("api", "auth", "tailscale", "moonlight"),
    "core": ("sim", "ui", "cli", "PySide6", "qasync", "shiboken6"),
    # the presenter renders the core's value types for both front ends: no Qt, no I/O
    "present": (
        "api",
        "auth",
        "tailscale",
        "moonlight",
        "sim",
        "ui",
        "cli",
        "PySide6",
        "qasync",
        "shiboken6",
    ),
}


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


TREES = package_trees()  # at collection: see package_trees


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `path`."""
    tree = TREES.get(path) or _parse(path)
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this file's package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(layer: str) -> list[str]:
    banned = FORBIDDEN[layer]
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, module in imported_modules(path):
            parts = module.split(".")
            inside = parts[1:2] if parts[0] == "pawpado_desktop" else parts[:1]
            if inside and inside[0] in banned:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    return sorted(set(bad))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert violations(layer) == []


def test_the_scan_sees_imports(tmp_path: Path) -> None:
    """The scan is not vacuous: it finds the imports the core does make."""
    found = {
        module for path in (PACKAGE / "core").rglob("*.py") for _, module in imported_modules(path)
    }
    assert "pawpado_desktop.api.client" in found
    assert any(module.startswith("pawpado_desktop.moonlight") for module in found)
