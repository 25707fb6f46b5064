"""The package's source, parsed once per test process, for the tests that read it
without running it (the catalogues, the CLI's words, the import layers)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pawpado_desktop

PACKAGE = Path(pawpado_desktop.__file__).resolve().parent


@cache
def package_trees() -> dict[Path, ast.Module]:
    """Every module of the package, by path, in path order.

    Call it at module level (collection), before any test starts a thread: CPython
    3.11's ast.parse can fail ("AST constructor recursion depth mismatch") when
    another thread of the process converts an AST at the same moment. Cached, so the
    four modules that read the source share one parse (a second or two each).
    """
    return {
        path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def package_trees_except(*top_level: str) -> dict[Path, ast.Module]:
    """`package_trees()` without the modules under the named top-level folders."""
    return {
        path: tree
        for path, tree in package_trees().items()
        if path.relative_to(PACKAGE).parts[0] not in top_level
    }


def string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "literal"` assignments (a key handed over by name)."""
    found: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found[node.targets[0].id] = node.value.value
    return found
