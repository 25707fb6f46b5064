"""How many examples a property test runs: its thorough count under the `ci` Hypothesis
profile (.ci/run), a quarter of it under `dev` (a plain `uv run pytest`), never under 10.

A test that names its own `max_examples` overrides the profile; `examples(n)` keeps
that choice relative to it.
"""

from __future__ import annotations

from hypothesis import settings

CI_EXAMPLES = 100  # the ci profile's default (tests/conftest.py)


def examples(in_ci: int) -> int:
    return max(10, in_ci * settings.default.max_examples // CI_EXAMPLES)
