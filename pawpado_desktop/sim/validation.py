"""Request-body checks of the simulated API, with messages that start with the field name.

A careful service validates exactly what the schema says (types, ranges, enums,
unknown fields, empty patches) and names the first offending field, so a client
can show the message as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pawpado_desktop.sim.errors import SimError

_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def invalid(message: str) -> SimError:
    return SimError(400, "VALIDATION_ERROR", message)


@dataclass(frozen=True)
class IntRange:
    low: int
    high: int

    def problem(self, value: Any) -> str | None:
        if not _is_int(value) or not self.low <= value <= self.high:
            return f"must be an integer from {self.low} to {self.high}"
        return None


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]

    def problem(self, value: Any) -> str | None:
        wanted_int = all(_is_int(v) for v in self.values)
        right_type = _is_int(value) if wanted_int else isinstance(value, str)
        if not right_type or value not in self.values:
            return "must be one of " + ", ".join(str(v) for v in self.values)
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_rules(instance_types: tuple[str, ...]) -> dict[str, IntRange | OneOf]:
    """The `SettingsPatch` schema as checks, in the schema's order."""
    return {
        "instanceType": OneOf(instance_types),
        "autoStopIdleMinutes": IntRange(0, 240),
        "lowBalanceAlertMinutes": IntRange(0, 600),
        "streamResolution": OneOf(("1280x720", "1920x1080", "2560x1440", "3840x2160")),
        "streamFps": OneOf((30, 60, 90, 120)),
        "bitrateKbps": IntRange(500, 150000),
        "locale": OneOf(("en", "id")),
    }


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("body: must be a JSON object")
    return body


def _no_unknown(body: dict[str, Any], known: set[str] | dict[str, Any]) -> None:
    for name in body:
        if name not in known:
            raise invalid(f"{name}: unknown field")


def settings_patch(body: Any, instance_types: tuple[str, ...]) -> dict[str, Any]:
    patch = _object(body)
    if not patch:
        raise invalid("body: must contain at least one field to change")
    rules = settings_rules(instance_types)
    _no_unknown(patch, rules)
    for name, value in patch.items():
        problem = rules[name].problem(value)
        if problem:
            raise invalid(f"{name}: {problem}")
    return dict(patch)


def start_request(body: Any, instance_types: tuple[str, ...]) -> str | None:
    """The optional instanceType override of a start; None for an empty body."""
    if body is None:
        return None
    request = _object(body)
    _no_unknown(request, {"instanceType"})
    if "instanceType" not in request:
        return None
    value = request["instanceType"]
    problem = OneOf(instance_types).problem(value)
    if problem:
        raise invalid(f"instanceType: {problem}")
    return str(value)


def topup_request(body: Any, minimum: Decimal, currency: str) -> tuple[Decimal, str | None]:
    """(amount, returnUrl) of a top-up request."""
    request = _object(body)
    _no_unknown(request, {"amount", "returnUrl"})
    if "amount" not in request:
        raise invalid("amount: required")
    raw = request["amount"]
    if not isinstance(raw, str) or not _AMOUNT.match(raw):
        raise invalid('amount: must be a decimal string such as "50000.00"')
    amount = Decimal(raw)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid("amount: at most two decimal places")
    if amount < minimum:
        raise invalid(f"amount: must be at least {minimum} {currency}")
    return_url = request.get("returnUrl")
    if return_url is not None and not isinstance(return_url, str):
        raise invalid("returnUrl: must be a string or null")
    return amount, return_url
