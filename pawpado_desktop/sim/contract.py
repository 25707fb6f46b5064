"""The wire contract the simulator serves at /openapi.json, shipped inside the package."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def openapi_bytes() -> bytes:
    return resources.files("pawpado_desktop.sim").joinpath("openapi.json").read_bytes()


def openapi_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(openapi_bytes())
    return spec


def api_version() -> str:
    return str(openapi_spec()["info"]["version"])
