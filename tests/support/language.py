"""Tests that read the app in each of its languages: `language` runs a test once per
language and puts English back afterwards (the choice is one per process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pawpado_desktop.present import i18n


@pytest.fixture(params=i18n.SUPPORTED)
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.set_language(request.param)
    try:
        yield request.param
    finally:
        i18n.set_language("en")
