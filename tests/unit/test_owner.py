"""The owner lock: one owner at a time, named, and free again when its process dies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pawpado_desktop.owner import OwnerLock, ProcessIdentity, process_start_time

HOLDER = """
import sys
from pathlib import Path
from pawpado_desktop.owner import OwnerLock
lock = OwnerLock(Path(sys.argv[1]))
print(lock.try_acquire(what="play"), flush=True)
sys.stdin.read()
"""


def test_a_second_holder_is_refused_and_told_who_owns_it(tmp_path: Path) -> None:
    first, second = OwnerLock(tmp_path / "play.lock"), OwnerLock(tmp_path / "play.lock")
    assert first.try_acquire(what="play")
    assert not second.try_acquire()
    assert second.owner() == ProcessIdentity.current()
    assert second.owner_info() is not None and second.owner_info()["what"] == "play"  # type: ignore[index]
    first.release()
    assert second.is_free()
    assert second.owner() is None


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    path = tmp_path / "join.lock"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "True"
        lock = OwnerLock(path)
        assert not lock.try_acquire()
        owner = lock.owner()
        assert owner is not None and owner.pid == child.pid and owner.is_alive()
    finally:
        child.kill()
        child.wait()
    assert owner is not None and not owner.is_alive()
    assert lock.try_acquire()
    assert lock.owner() == ProcessIdentity.current()
    lock.release()


def test_a_reused_pid_is_not_the_same_process() -> None:
    me = ProcessIdentity.current()
    assert me.is_alive()
    if me.started is not None:  # Linux: the start time tells a reused PID apart
        assert not ProcessIdentity(me.pid, me.started + 1).is_alive()
    assert process_start_time(os.getpid()) == me.started


def test_damaged_owner_records_are_rejected() -> None:
    for raw in (None, [], {"pid": "1"}, {"pid": True}, {"pid": -4}, {"pid": 5, "started": "x"}):
        assert ProcessIdentity.from_json(raw) is None
    assert ProcessIdentity.from_json({"pid": 5, "started": 7}) == ProcessIdentity(5, 7)
