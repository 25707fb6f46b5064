"""Headless Chromium driven over the DevTools protocol on a pipe (no websocket needed).

`--remote-debugging-pipe` makes Chromium read commands from fd 3 and write
answers to fd 4, each a JSON message ended by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

# Errors an evaluation meets while the page is between documents (a form post, a redirect):
# the page is not ready yet, not broken.
NAVIGATING = ("Inspected target navigated or closed", "Cannot find context with specified id")


class DevToolsError(AssertionError):
    """Chromium refused a command; `message` is its own words."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.message = str(error.get("message", ""))
        super().__init__(f"{method}: {error}")


FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)


class Chromium:
    def __init__(self, profile: Path, env: dict[str, str], log: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def wire_fds() -> None:  # in the child: fd 3 = our commands, fd 4 = its answers
            high_read, high_write = os.dup(commands_read), os.dup(answers_write)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        with log.open("wb") as handle:
            self.process = subprocess.Popen(
                ["chromium", *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                preexec_fn=wire_fds,  # noqa: PLW1509 - only dup2 before exec
                pass_fds=(3, 4, commands_read, answers_write),
            )
        os.close(commands_read)
        os.close(answers_write)
        self._next = 0
        self._buffer = b""
        self.session = ""

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30
    ) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            answer = self._read(end)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise DevToolsError(method, answer["error"])
                return answer.get("result", {})

    def _read(self, end: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("Chromium did not answer in time")
            ready, _, _ = select.select([self._answers], [], [], left)
            if ready:
                chunk = os.read(self._answers, 65536)
                if not chunk:
                    raise AssertionError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)  # type: ignore[no-any-return]

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", {"url": url})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while not self._holds(expression):
            if time.monotonic() > end:
                raise AssertionError(f"the page never satisfied {expression!r}")
            time.sleep(0.1)

    def _holds(self, expression: str) -> bool:
        try:
            return bool(self.evaluate(expression))
        except DevToolsError as error:
            if error.message in NAVIGATING:
                return False
            raise

    def click(self, element_id: str) -> None:
        """Click an element as a user would: a real mouse press at its centre."""
        box = self.evaluate(
            f"(() => {{ const r = document.getElementById({element_id!r}).getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)
