"""An in-memory Windows registry for the autostart tests."""

from __future__ import annotations


class MemoryRegistry:
    """HKEY_CURRENT_USER as a dict: the same get/set/delete the winreg one offers."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str | bytes] = {}

    def get(self, key: str, name: str) -> str | bytes | None:
        return self.values.get((key, name))

    def set_string(self, key: str, name: str, value: str) -> None:
        self.values[(key, name)] = value

    def delete(self, key: str, name: str) -> None:
        self.values.pop((key, name), None)
