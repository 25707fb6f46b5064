"""Figures, their statistics and the table every benchmark prints.

A `Figure` is one measured quantity with all its samples. The table shows the
median with min and max; a target, when the issue sets one, is shown next to
it with whether it was met. Benchmarks never fail on a figure: the verdict is
information for docs/PERFORMANCE.md, not an exit code.
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

Statistic = Literal["median", "max"]


@dataclass(frozen=True)
class Target:
    limit: float
    text: str  # how the issue states it, e.g. "<= 0.5 s"
    on: Statistic = "median"  # which statistic must stay within the limit
    higher_is_better: bool = False


@dataclass
class Figure:
    group: str
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    target: Target | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def low(self) -> float:
        return min(self.samples) if self.samples else float("nan")

    @property
    def high(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    def verdict(self) -> str:
        if self.target is None or not self.samples:
            return ""
        value = self.median if self.target.on == "median" else self.high
        if self.target.higher_is_better:
            met = value >= self.target.limit
        else:
            met = value <= self.target.limit
        return "met" if met else "MISSED"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Figure:
        target = raw.get("target")
        return cls(
            group=raw["group"],
            name=raw["name"],
            unit=raw["unit"],
            samples=[float(s) for s in raw["samples"]],
            target=Target(**target) if target else None,
            note=raw.get("note", ""),
        )


def fmt(value: float, unit: str) -> str:
    if value != value:  # NaN: no samples
        return "-"
    if unit in ("count", "req", "/min") or (unit == "" and value == int(value)):
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    if unit == "s":
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if unit == "ms":
        return f"{value:.1f}"
    if unit == "%":
        return f"{value:.3f}"
    if unit == "ratio":
        return f"{value:.3f}"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def rows(figures: list[Figure]) -> list[list[str]]:
    table = []
    for f in figures:
        target = ""
        if f.target is not None:
            target = f.target.text + (" (max)" if f.target.on == "max" else "")
        table.append(
            [
                f.name,
                f.unit,
                fmt(f.median, f.unit),
                fmt(f.low, f.unit),
                fmt(f.high, f.unit),
                str(len(f.samples)),
                target,
                f.verdict(),
            ]
        )
    return table


LOAD_GROUP = "machine load"
HEADER = ["figure", "unit", "median", "min", "max", "n", "target", "verdict"]


def grouped(figures: list[Figure]) -> dict[str, list[Figure]]:
    """Figures by group, in order of first appearance; the machine's load comes last."""
    by_group: dict[str, list[Figure]] = {}
    for f in sorted(figures, key=lambda f: f.group.startswith(LOAD_GROUP)):
        by_group.setdefault(f.group, []).append(f)
    return by_group


def print_table(figures: list[Figure], out: TextIO = sys.stdout) -> None:
    """Plain-text table, one section per group, notes under each section."""
    by_group = grouped(figures)
    widths = [len(h) for h in HEADER]
    for row in rows(figures):
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    for group, members in by_group.items():
        print(f"\n== {group}", file=out)
        print(line(HEADER), file=out)
        for row in rows(members):
            print(line(row), file=out)
        for f in members:
            if f.note:
                print(f"   * {f.name}: {f.note}", file=out)
    out.flush()


def markdown(figures: list[Figure]) -> str:
    """The same table as Markdown, for docs/PERFORMANCE.md."""
    lines: list[str] = []
    for group, members in grouped(figures).items():
        lines += [f"### {group}", "", "| " + " | ".join(HEADER) + " |"]
        lines.append("|" + "|".join(["---"] + ["--:"] * 5 + ["---", "---"]) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows(members)]
        lines += [""] + [f"- {f.name}: {f.note}" for f in members if f.note]
        lines.append("")
    return "\n".join(lines)


def save(figures: list[Figure], path: Path) -> None:
    path.write_text(json.dumps([f.to_json() for f in figures], indent=1), encoding="utf-8")


def load(path: Path) -> list[Figure]:
    return [Figure.from_json(raw) for raw in json.loads(path.read_text(encoding="utf-8"))]


def progress(message: str) -> None:
    """A line on stderr, so a long run shows it is alive without mixing into the table."""
    print(f"  .. {message}", file=sys.stderr, flush=True)
