"""Render a ranked list as an aligned table, JSON, CSV or one line (the scriptable contract)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bikefinder.common.text import clean
from bikefinder.feeds.models import RankedStation, StationStatus
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.system_alerts import SystemAlert, active_alerts, alerts_by_station
from bikefinder.rider.mode_rows import ModeRow
from bikefinder.rider.modes import Mode, StationState, counted
from bikefinder.rider.staleness import data_age_s, format_age, is_data_stale
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_seconds

FORMATS = ("table", "json", "csv", "line")
#: ``--mode`` values, and the app's modes they mean.
MODES = ("bike", "ebike", "dock")
_MODE_OF = {"bike": Mode.ANY_BIKE, "ebike": Mode.EBIKE, "dock": Mode.DOCK}
#: Per-station fields JSON and CSV add when a ``--mode`` is given.
MODE_FIELDS = ("useful", "reason")
#: Reasons that are a station's state rather than its counts (the line format says them).
_STATE_REASONS = frozenset(state.value for state in StationState)
#: Characters ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal may act on:
#: DEL, C1 controls (0x9b is CSI), bidi marks and Unicode line separators.
_JSON_RAW_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
STATION_FIELDS = (
    "station_id",
    "name",
    "lat",
    "lon",
    "distance_m",
    "bearing",
    "bikes",
    "mechanical",
    "electric",
    "docks",
    "capacity",
    "is_installed",
    "is_renting",
    "is_returning",
    "last_reported",
)


def mode_named(name: str | None) -> Mode | None:
    """The mode ``--mode NAME`` means (``None`` for none)."""
    return None if name is None else _MODE_OF[name]


def mode_name(mode: Mode | None) -> str | None:
    """How ``--mode`` spells ``mode`` (``"bike"``, ``"ebike"``, ``"dock"``)."""
    return next((name for name, known in _MODE_OF.items() if known is mode), None)


def mode_record(row: ModeRow) -> dict[str, Any]:
    """A station in a mode: the station's fields plus ``useful`` and ``reason``."""
    record = station_record(row.ranked)
    record.update(useful=row.useless is None, reason=row.useless)
    return record


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def station_record(ranked: RankedStation) -> dict[str, Any]:
    """One station as the JSON/CSV contract spells it (``None`` where unknown)."""
    info, status = ranked.station.info, ranked.station.status
    return {
        "station_id": info.station_id,
        "name": info.name,
        "lat": info.lat,
        "lon": info.lon,
        "distance_m": round(ranked.distance_m, 1),
        "bearing": ranked.bearing,
        "bikes": status.bikes if status else None,
        "mechanical": status.mechanical if status else None,
        "electric": status.electric if status else None,
        "docks": status.docks if status else None,
        "capacity": info.capacity,
        "is_installed": status.is_installed if status else None,
        "is_renting": status.is_renting if status else None,
        "is_returning": status.is_returning if status else None,
        "last_reported": iso(status.last_reported) if status else None,
    }


def to_json(
    snapshot: Snapshot,
    ranked: Sequence[RankedStation],
    near: tuple[float, float],
    extra: dict[str, Any] | None = None,
    *,
    indent: int | None = 2,
    rows: Sequence[ModeRow] | None = None,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> str:
    """The JSON contract: one object (``indent=None`` puts it on one line, for --watch).
    With ``rows`` (a ``--mode``) the stations are those rows, with ``useful`` and ``reason``.
    As for several systems, there are ``systems`` and ``alerts`` (the active ones) lists and
    every station item has ``kind``, ``system_id``, ``walk_s`` and ``alert_ids`` (``system``
    stays for existing scripts)."""
    report = snapshot.report
    stations = (
        [station_record(item) for item in ranked]
        if rows is None
        else [mode_record(row) for row in rows]
    )
    generated_at = datetime.now(UTC)  # one moment: the alerts listed are those active then
    active = active_alerts(snapshot.alerts, generated_at)
    alert_ids = alerts_by_station(active)
    for record in stations:
        record["kind"] = "station"
        record["system_id"] = snapshot.system.system_id
        record["walk_s"] = walking_seconds(record["distance_m"], walking_speed_kmh)
        record["alert_ids"] = list(alert_ids.get(record["station_id"], ()))
    document: dict[str, Any] = {
        "system": {
            "id": snapshot.system.system_id,
            "name": snapshot.system.name,
            "gbfs_url": snapshot.gbfs_url,
        },
        "near": {"lat": near[0], "lon": near[1]},
        "generated_at": iso(generated_at),
        "data_updated_at": iso(snapshot.status_meta.last_updated),
        "skipped": {
            "info_only": report.info_only,
            "status_only": report.status_only,
            "duplicate_ids": report.duplicate_ids,
            "rejected": report.rejected,
        },
        **(extra or {}),
        "alerts": [alert_record(snapshot.system.system_id, alert) for alert in active],
        "stations": stations,
    }
    document["systems"] = [
        {
            "id": snapshot.system.system_id,
            "name": snapshot.system.name,
            "gbfs_url": snapshot.gbfs_url,
            "ok": "error" not in document,
            "error": document.get("error"),
            "data_updated_at": document["data_updated_at"],
            "stale": document.get("stale"),
        }
    ]
    return dumps_terminal_safe(document, indent=indent)


def alert_record(system_id: str, alert: SystemAlert) -> dict[str, Any]:
    """One active alert as the JSON contract spells it (times in UTC ISO 8601)."""
    return {
        "system_id": system_id,
        "alert_id": alert.alert_id,
        "type": alert.type,
        "summary": alert.summary,
        "description": alert.description,
        "url": alert.url,
        "station_ids": list(alert.station_ids),
        "starts_at": iso(alert.starts_at),
        "ends_at": iso(alert.ends_at),
    }


def dumps_terminal_safe(document: Any, *, indent: int | None = 2) -> str:
    """JSON that is safe to print: readable UTF-8, but every character a terminal could
    act on is a ``\\uXXXX`` escape, so the decoded strings stay exactly the feed's."""
    text = json.dumps(document, ensure_ascii=False, indent=indent)
    return _JSON_RAW_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def to_csv(ranked: Sequence[RankedStation], rows: Sequence[ModeRow] | None = None) -> str:
    """The stations as CSV; with ``rows`` (a ``--mode``) plus ``useful`` and ``reason``."""
    records = (
        [station_record(item) for item in ranked]
        if rows is None
        else [mode_record(row) for row in rows]
    )
    for record in records:
        record["name"] = clean(record["name"], 500)
        if record.get("reason"):
            record["reason"] = clean(record["reason"], 100)
    fields = STATION_FIELDS if rows is None else (*STATION_FIELDS, *MODE_FIELDS)
    return csv_text(fields, records)


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(text: str) -> str:
    """``text`` made inert for spreadsheets (OWASP's CSV injection rule): a cell that
    would start a formula (``=cmd|' /C calc'!A0``) gets a leading ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(fieldnames: Sequence[str], records: Iterable[dict[str, Any]]) -> str:
    """CSV with a header row; unknown values empty, booleans ``true``/``false`` as in JSON.

    Text cells are neutralised with :func:`csv_safe_text`; numbers stay numbers (a
    negative longitude is a float, never prefixed)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: _csv_cell(value) for key, value in record.items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_safe_text(value)
    return value


def freshness_line(snapshot: Snapshot, now: datetime, *, demo_label: str | None = None) -> str:
    """How old the data is, by the one stale rule: "Data: 12 s old (feed time …)",
    "… STALE: …", marked cached or demo where it is."""
    age = data_age_s(snapshot, now)
    moment = iso(snapshot.data_time)
    when = f" (feed time {moment})" if moment else ""
    if demo_label:
        return f"Data: {demo_label}, bundled with bikefinder, never refreshed{when}"
    cached = "CACHED " if snapshot.from_cache else ""
    if age is None:
        return f"Data: {cached}time unknown"
    line = f"Data: {cached}{format_age(age)} old{when}"
    if is_data_stale(snapshot, now):
        line += "; STALE: the system has not published newer availability"
    return line


def format_distance(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def format_count(value: int | None) -> str:
    return "?" if value is None else str(value)


def bikes_cell(ranked: RankedStation) -> str:
    return bikes_text(ranked.station.status)


def bikes_text(status: StationStatus | None) -> str:
    """A station's bikes with their mechanical/electric split: ``"12 (9m/3e)"``."""
    if status is None:
        return "?"
    split = ""
    if status.mechanical is not None or status.electric is not None:
        split = f" ({format_count(status.mechanical)}m/{format_count(status.electric)}e)"
    return format_count(status.bikes) + split


def state_label(ranked: RankedStation) -> str:
    """A short word for anything that makes a station unusable, '' when it is fine."""
    status = ranked.station.status
    if status is None:
        return "no status"
    if status.is_installed is False:
        return "not installed"
    if status.is_renting is False and status.is_returning is False:
        return "closed"
    if status.is_renting is False:
        return "no rentals"
    if status.is_returning is False:
        return "no returns"
    return ""


def to_table(
    snapshot: Snapshot,
    ranked: Sequence[RankedStation],
    header: str,
    mode_rows: Sequence[ModeRow] | None = None,
) -> str:
    """A readable, aligned plain-text table; with ``mode_rows`` (a ``--mode``) only the
    useful stations are numbered and the others say why not in the State column."""
    columns = ("#", "Station", "Distance", "Dir", "Bikes (mech/elec)", "Docks", "State")
    listed = (
        [(str(rank), item, state_label(item)) for rank, item in enumerate(ranked, start=1)]
        if mode_rows is None
        else [
            (str(row.rank) if row.rank is not None else "-", row.ranked, row.useless or "")
            for row in mode_rows
        ]
    )
    rows = [
        (
            rank,
            clean(item.station.info.name, 40) or "(unnamed)",
            format_distance(item.distance_m),
            item.bearing,
            bikes_cell(item),
            format_count(item.station.status.docks if item.station.status else None),
            state,
        )
        for rank, item, state in listed
    ]
    widths = [
        max(len(col), *(len(row[i]) for row in rows)) if rows else len(col)
        for i, col in enumerate(columns)
    ]
    right_aligned = {0, 2, 5}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right_aligned else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    lines = [header, "", line(columns), line(["-" * width for width in widths])]
    lines += [line(row) for row in rows]
    if not rows:
        lines.append("(no stations)")
    return "\n".join(lines)


#: Between the parts of ``--format line``.
LINE_SEPARATOR = " · "


def counts_text(ranked: RankedStation, mode: Mode | None) -> str:
    """What a station has, for one line: "40 bikes (9 e)", "9 e-bikes", "12 free docks"."""
    status = ranked.station.status
    if status is None:
        return "no status"
    if mode is Mode.DOCK:
        return counted(status.docks, Mode.DOCK.wanted)
    if mode is Mode.EBIKE:
        return counted(status.electric, Mode.EBIKE.wanted)
    text = counted(status.bikes, Mode.ANY_BIKE.wanted)
    return text + (f" ({status.electric} e)" if status.electric is not None else "")


def station_line(
    row: ModeRow | None,
    mode: Mode | None,
    age_s: float | None,
    *,
    stale: bool = False,
    from_cache: bool = False,
    demo_label: str | None = None,
    error: str | None = None,
    empty: str = "no stations",
    show_distance: bool = True,
) -> str:
    """``--format line``: the best station in one line, for status bars:
    "Lobau - Hôtel de Ville · 88 m SE · 40 bikes (9 e) · 1 min ago"."""
    if row is None:
        parts = [empty]
    else:
        ranked = row.ranked
        where = format_distance(ranked.distance_m)
        if ranked.bearing:
            where += f" {ranked.bearing}"
        parts = [clean(ranked.station.info.name, 60) or "(unnamed)"]
        if show_distance:
            parts.append(where)
        parts.append(counts_text(ranked, mode))
        if row.useless in _STATE_REASONS and row.useless != StationState.NO_STATUS.value:
            parts.append(row.useless)
    if demo_label:
        parts.append(demo_label)
    elif age_s is not None:
        parts.append(("cached, " if from_cache else "") + f"{format_age(age_s)} ago")
    if stale and not demo_label:
        parts.append("STALE")
    if error:
        parts.append("refresh failed")
    return LINE_SEPARATOR.join(parts)
