"""What the catalogue tests read from the package's source without running it."""

from __future__ import annotations

import ast


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
