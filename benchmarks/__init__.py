"""Benchmarks of Pawpado Desktop: `uv run python -m benchmarks` (see docs/PERFORMANCE.md)."""
