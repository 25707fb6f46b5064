"""StateStore.update takes only AppState's own fields, typed (mypy checks the callers
through StateChanges); a new AppState field must be added there too."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

import pytest

from pawpado_desktop.core.state import AppState, StateChanges, StateStore


def test_state_changes_names_every_field_of_the_state() -> None:
    assert set(StateChanges.__annotations__) == {f.name for f in fields(AppState)}


def test_a_misspelt_change_is_refused_and_nothing_changes() -> None:
    store = StateStore()
    seen: list[AppState] = []
    store.subscribe(lambda old, new: seen.append(new))
    with pytest.raises(TypeError):
        store.update(**cast(Any, {"signed_on": True}))
    assert store.state == AppState() and seen == []
    store.update(signed_in=True)
    assert store.state.signed_in and len(seen) == 1
