"""Which command lines are the Moonlight we started, and what the children file holds."""

from __future__ import annotations

import os
import stat

from pawpado_desktop.config import config_dir
from pawpado_desktop.moonlight.children import (
    FILE_NAME,
    ChildKind,
    ChildRecord,
    ChildRegistry,
    runs_action,
)
from pawpado_desktop.owner import ProcessIdentity


def test_the_action_we_ran_is_recognised_behind_any_launcher() -> None:
    args = ("stream", "100.64.0.7:47989", "Steam Big Picture", "--fps", "60")
    assert runs_action(
        "/usr/bin/moonlight stream 100.64.0.7:47989 Steam Big Picture --fps 60", args
    )
    assert runs_action(
        "/usr/bin/python3 -m pawpado_desktop.sim.fake_moonlight "
        "stream 100.64.0.7:47989 Steam Big Picture --fps 60",
        args,
    )
    assert not runs_action("/usr/bin/moonlight stream 100.64.0.7:47989 Desktop --fps 60", args)
    assert not runs_action("sleep 120", args)
    assert not runs_action(
        "/usr/bin/moonlight xstream 100.64.0.7:47989 Steam Big Picture --fps 60", args
    )


def test_a_hidden_pin_matches_any_pin_and_nothing_else_is_a_wildcard() -> None:
    args = ("pair", "100.64.0.7:47989", "--pin", "****")
    assert runs_action("moonlight pair 100.64.0.7:47989 --pin 0421", args)
    assert not runs_action("moonlight pair 100.64.0.7:47999 --pin 0421", args)
    assert not runs_action("moonlight pair 100.64.0.7:47989", args)


async def test_records_are_private_and_never_hold_the_pin() -> None:
    registry = ChildRegistry()
    record = await registry.add(os.getpid(), ChildKind.PAIR, ["pair", "h:1", "--pin", "0421"])
    assert record is not None
    path = config_dir() / FILE_NAME
    assert "0421" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await registry.records() == [record]
    assert record.parent == ProcessIdentity.current()
    await registry.remove([record])
    assert not path.exists()


def test_malformed_records_are_skipped() -> None:
    good = ChildRecord(ProcessIdentity(10, 5), ChildKind.LIST, ("list", "h"), ProcessIdentity(9, 1))
    assert ChildRecord.from_json(good.to_json()) == good
    for bad in (None, [], {"child": {"pid": "1"}}, {**good.to_json(), "kind": "quit"},
                {**good.to_json(), "args": []}, {**good.to_json(), "args": [1]}):  # fmt: skip
        assert ChildRecord.from_json(bad) is None
