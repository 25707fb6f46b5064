"""The session history as the user reads it: the History window's table and the
CLI's `history`, one row of cells per session, in the same words.

Only what the app observed is shown; a figure it did not see reads "unknown".
"""

from __future__ import annotations

from pawpado_desktop.core.history import Ending, SessionLine
from pawpado_desktop.core.history_db import PathSummary
from pawpado_desktop.core.types import region_name
from pawpado_desktop.present import format as fmt
from pawpado_desktop.present.i18n import tr


def headings() -> tuple[str, str, str, str, str]:
    return tr("When"), tr("Length"), tr("Cost"), tr("How it ended"), tr("Connection")


def cells(line: SessionLine) -> tuple[str, str, str, str, str]:
    """When, length, cost, how it ended, and how it was reached."""
    record = line.record
    duration = line.duration
    length = (
        fmt.minutes(int(duration.total_seconds() // 60))
        if duration is not None
        else tr("still running")
        if record.end_state is None
        else tr("unknown")
    )
    cost = (
        fmt.money(line.cost, record.currency)
        if line.cost is not None and record.currency
        else tr("unknown")
    )
    return fmt.moment(record.start), length, cost, ended(line), connection(record.connection)


def connection(summary: PathSummary | None) -> str:
    """The path while it streamed here, with the median round trip; a dash if it never did."""
    if summary is None:
        return "–"
    region = region_name(summary.relay_code) if summary.relay_code else ""
    if summary.kind == "direct":
        text = tr("Direct")
    elif summary.kind == "relayed":
        text = tr("Relayed via {region}", region=region) if region else tr("Relayed")
    elif summary.kind == "mixed":
        text = (
            tr("Direct and relayed via {region}", region=region)
            if region
            else tr("Direct and relayed")
        )
    else:
        return tr("Connection path unknown")
    rtt = summary.median_rtt_ms
    return text if rtt is None else tr("{path} · {ms} ms", path=text, ms=round(rtt))


ENDINGS = {
    Ending.RUNNING: "running",
    Ending.STOPPED: "stopped",
    Ending.BY_PAWPADO: "stopped by Pawpado: {reason}",
    Ending.FAILED: "failed: {reason}",
    Ending.UNOBSERVED: "ended while the app was closed",
}


def ended(line: SessionLine, *, english: bool = False) -> str:
    """How the session ended, in the current language (`english`: for --json/--csv)."""
    reason = line.record.end_message or ""
    template = "failed" if line.ending is Ending.FAILED and not reason else ENDINGS[line.ending]
    return template.format(reason=reason) if english else tr(template, reason=reason)
