"""Every printed answer: one document, in four formats (table, JSON, CSV, one line).

``--once``, ``--watch`` and ``--favorites --once``, of one system or eight, print an
:class:`Answer`: what the systems said and the rows the scene gave for the query. JSON
is the document of :func:`document`, described by the JSON Schema shipped as
``bikefinder/data/schema/answer.schema.json`` (``schema_version`` says which); CSV has
one column per row field of that document, and the table the same columns every time
(a column that does not apply to a row stays empty, it never disappears).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from bikefinder.common.phrases import Phrase
from bikefinder.common.text import clean
from bikefinder.feeds import vehicles
from bikefinder.feeds.vehicles import WHAT_BIKE
from bikefinder.rider.modes import Mode, counted, mode_name
from bikefinder.rider.modes import mode_named as mode_named
from bikefinder.rider.rows import Kind, Row, SceneSystem
from bikefinder.rider.staleness import data_age_s, format_age, is_data_stale, within_ttl_note
from bikefinder.rider.system_names import short_name, short_names
from bikefinder.rider.text_formats import (
    LINE_SEPARATOR,
    bikes_text,
    csv_text,
    dumps_terminal_safe,
    format_count,
    iso,
    text_table,
)
from bikefinder.rider.walking import walking_text

if TYPE_CHECKING:
    # Names for annotations only: alerts, the scene's query and trips are imported where
    # an answer has them, not by every printed answer.
    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.feeds.system_alerts import SystemAlert
    from bikefinder.rider.scene import Query
    from bikefinder.rider.trips import TripPlan

#: The version of the JSON document's shape; bumped when a key changes meaning or goes.
SCHEMA_VERSION = 1
#: Every row's fields, in order: the JSON keys of ``stations[]`` and the CSV columns.
ROW_FIELDS = (
    "kind",
    "system_id",
    "station_id",
    "vehicle_id",
    "name",
    "lat",
    "lon",
    "distance_m",
    "bearing",
    "walk_s",
    "rank",
    "useful",
    "reason",
    "bikes",
    "mechanical",
    "electric",
    "docks",
    "capacity",
    "is_installed",
    "is_renting",
    "is_returning",
    "last_reported",
    "alert_ids",
    "is_open",
    "hours",
    "price",
    "trend",
    "changes",
    "favourite",
    "watched",
    "error",
    "vehicle_type_id",
    "form_factor",
    "propulsion",
    "range_m",
    "fuel_percent",
    "range_text",
    "low_range",
    "system_name",
    "gbfs_url",
    "what",
    "count",
)
#: Fields whose text comes from a feed or a file, cleaned in CSV and the table.
_TEXT_FIELDS = ("name", "reason", "hours", "price", "error", "range_text", "system_name")


class SystemReport(msgspec.Struct, frozen=True):
    """What a printed answer says about one system: its data or why it has none."""

    system: SceneSystem
    snapshot: Snapshot | None
    error: str | None = None
    demo_label: str | None = None
    chosen_by: str | None = None
    degraded: Mapping[str, str] = msgspec.field(default_factory=dict)

    def age_s(self, now: datetime) -> float | None:
        return data_age_s(self.snapshot, now) if self.snapshot is not None else None

    def stale(self, now: datetime) -> bool:
        """Stale by the one rule, or failing (its numbers are the last known ones)."""
        if self.snapshot is None:
            return True
        return is_data_stale(self.snapshot, now) or self.error is not None


class Answer(msgspec.Struct, frozen=True):
    """One printed answer: the systems, the query and its rows (nearest first)."""

    systems: Sequence[SystemReport]
    query: Query
    rows: Sequence[Row]
    now: datetime
    vehicles: str = "bikes"
    #: The point is not the rider's ("system centre").
    near_note: str | None = None
    #: The place the rider named for the point ("home", "Gare de Lyon"); ``None``:
    #: coordinates were given.
    near_label: str | None = None
    #: Systems left out, and why.
    notes: Sequence[str | Phrase] = ()
    #: A warning about the answer (the point is far from every station).
    warning: str | None = None
    alerts: Sequence[tuple[SceneSystem, SystemAlert]] = ()
    #: The trips from the point to ``plan.destination`` (``None``: not a trip answer).
    plan: TripPlan | None = None

    @property
    def demo_label(self) -> str | None:
        return next((s.demo_label for s in self.systems if s.demo_label), None)

    @property
    def with_data(self) -> list[SystemReport]:
        return [system for system in self.systems if system.snapshot is not None]


# --------------------------------------------------------------------------- records


def row_record(row: Row) -> dict[str, Any]:
    """One row as the document spells it (``None`` where unknown or not applicable)."""
    record: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    record.update(
        kind=row.kind.value,
        system_id=row.system.key,
        system_name=row.system.name,
        gbfs_url=row.system.gbfs_url,
        name=row.name,
        lat=row.lat,
        lon=row.lon,
        distance_m=None if row.distance_m is None else round(row.distance_m, 1),
        bearing=row.bearing or None,
        walk_s=row.walk_s,
        rank=row.rank,
        useful=row.useful,
        reason=row.reason,
        alert_ids=[alert.alert_id for alert in row.alerts],
        is_open=row.is_open,
        hours=row.hours_text,
        price=row.price,
        trend=list(row.trend.values) if row.trend is not None else None,
        changes=dict(row.changes),
        favourite=row.favourite,
        watched=row.watched,
        error=row.error,
        what=row.what,
        count=row.count,
    )
    if row.kind is Kind.STATION:
        record["station_id"] = row.key.item_id
        if row.station is not None:
            record["capacity"] = row.station.info.capacity
            status = row.station.status
            if status is not None:
                record.update(
                    bikes=status.bikes,
                    mechanical=status.mechanical,
                    electric=status.electric,
                    docks=status.docks,
                    is_installed=status.is_installed,
                    is_renting=status.is_renting,
                    is_returning=status.is_returning,
                    last_reported=iso(status.last_reported),
                )
        return record
    vehicle = row.vehicle
    assert vehicle is not None
    record.update(
        vehicle_id=vehicle.vehicle_id,
        vehicle_type_id=vehicle.vehicle_type_id,
        form_factor=vehicle.form.value,
        propulsion=vehicle.propulsion,
        electric=vehicle.electric,
        range_m=vehicle.current_range_meters,
        fuel_percent=vehicle.current_fuel_percent,
        range_text=vehicles.range_text(vehicle),  # metric, whatever the rider reads
        low_range=row.low_range,
        last_reported=iso(vehicle.last_reported),
    )
    return record


def alert_record(system_id: str, alert: SystemAlert) -> dict[str, Any]:
    """One active alert as the document spells it (times in UTC ISO 8601)."""
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


def _skipped(snapshots: Iterable[Snapshot]) -> dict[str, int]:
    total = {"info_only": 0, "status_only": 0, "duplicate_ids": 0, "rejected": 0}
    for snapshot in snapshots:
        report = snapshot.report
        total["info_only"] += report.info_only
        total["status_only"] += report.status_only
        total["duplicate_ids"] += report.duplicate_ids
        total["rejected"] += report.rejected
    return total


def system_record(report: SystemReport, now: datetime) -> dict[str, Any]:
    snapshot = report.snapshot
    age = report.age_s(now)
    return {
        "id": report.system.key,
        "name": report.system.name,
        "gbfs_url": report.system.gbfs_url,
        "ok": report.error is None,
        "error": report.error,
        "data_updated_at": iso(snapshot.data_time) if snapshot else None,
        "data_age_s": None if age is None else round(age, 1),
        "stale": report.stale(now),
        "from_cache": snapshot.from_cache if snapshot else False,
        "demo": report.demo_label,
        "chosen_by": report.chosen_by,
        "stations": len(snapshot.stations) if snapshot else 0,
        "vehicles": len(snapshot.vehicles) if snapshot else 0,
        "skipped": _skipped([snapshot] if snapshot else []),
        "degraded": dict(report.degraded),
    }


def document(answer: Answer) -> dict[str, Any]:
    """The JSON document: one shape for every printed command (see the schema file)."""
    now, query = answer.now, answer.query
    systems = [system_record(report, now) for report in answer.systems]
    with_data = answer.with_data
    ages = [age for report in with_data if (age := report.age_s(now)) is not None]
    times = [s.snapshot.data_time for s in with_data if s.snapshot and s.snapshot.data_time]
    errors = [{"system_id": r["id"], "error": r["error"]} for r in systems if r["error"]]
    first = answer.systems[0] if answer.systems else None
    plan, to_record, trip_records = answer.plan, None, []
    if plan is not None:
        from bikefinder.rider.trip_output import point_record, trip_record  # trip answers only

        to_record = point_record(plan.destination)
        trip_records = [trip_record(trip) for trip in plan.trips]
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(now),
        "system": {"id": first.system.key, "name": first.system.name,
                   "gbfs_url": first.system.gbfs_url} if first else None,
        "systems": systems,
        "near": {"lat": query.near[0], "lon": query.near[1]} if query.near else None,
        "near_is": answer.near_note,
        "chosen_by": first.chosen_by if first else None,
        "data_updated_at": iso(min(times)) if times else None,
        "data_age_s": round(max(ages), 1) if ages else None,
        "stale": any(system["stale"] for system in systems) if systems else False,
        "from_cache": any(system["from_cache"] for system in systems),
        "demo": answer.demo_label,
        "mode": mode_name(query.mode),
        "min": query.minimum,
        "limit": None if query.favourites_only else query.limit,
        "vehicles": answer.vehicles,
        "favourites_only": query.favourites_only,
        "skipped": _skipped(s.snapshot for s in with_data if s.snapshot is not None),
        "alerts": [alert_record(system.key, alert) for system, alert in answer.alerts],
        "error": "; ".join(e["error"] for e in errors) or None,
        "errors": errors,
        "notes": [str(note) for note in answer.notes],
        "warning": answer.warning,
        "stations": [row_record(row) for row in answer.rows],
        "to": to_record,
        "trips": trip_records,
        "walk_only_s": round(plan.walk_only_s) if plan is not None else None,
    }  # fmt: skip


def to_json(answer: Answer, *, one_line: bool = False) -> str:
    return dumps_terminal_safe(document(answer), indent=None if one_line else 2)


# --------------------------------------------------------------------------- CSV


def to_csv(answer: Answer) -> str:
    """The rows as CSV, one column per row field; lists joined with ``;``, the changes
    as ``bikes:+1;docks:-1``, text cleaned of control characters."""
    if answer.plan is not None:
        from bikefinder.rider.trip_output import trips_csv  # here: only trip answers

        return trips_csv(answer.plan)
    records = []
    for row in answer.rows:
        record = row_record(row)
        record["alert_ids"] = ";".join(record["alert_ids"])
        record["trend"] = ";".join(map(str, record["trend"])) if record["trend"] else None
        record["changes"] = ";".join(f"{k}:{v:+d}" for k, v in record["changes"].items()) or None
        for name in (*_TEXT_FIELDS, "station_id", "vehicle_id", "system_id"):
            if isinstance(record[name], str):
                record[name] = clean(record[name], 500)
        records.append(record)
    return csv_text(ROW_FIELDS, records)


# --------------------------------------------------------------------------- text


def freshness_text(report: SystemReport, now: datetime) -> str:
    """How old a system's data is, by the one stale rule: "data 12 s old", "demo data
    from …", "CACHED", "STALE", or why it failed."""
    snapshot = report.snapshot
    if snapshot is None:
        return f"FAILED: {clean(report.error or 'no data', 200)}"
    if report.demo_label:
        return f"{report.demo_label}, bundled with bikefinder, never refreshed"
    age = report.age_s(now)
    text = f"data {format_age(age)} old" if age is not None else "data time unknown"
    if snapshot.from_cache:
        text += " (CACHED)"
    elif (note := within_ttl_note(snapshot, now)) is not None:
        text += f" ({note})"
    if is_data_stale(snapshot, now):
        text += "; STALE: the system has not published newer availability"
    if report.error is not None:
        text += f"; refresh failed: {clean(report.error, 200)}"
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts_cell(row: Row) -> str:
    if row.vehicle is not None:
        if row.what != WHAT_BIKE:
            return ""  # never shown as bikes: the What column says what it is
        count = str(row.count or 1)
        return f"{count} {row.range_text}" if row.range_text else count
    return bikes_text(row.station.status) if row.station is not None else "?"


def _docks_cell(row: Row) -> str:
    if row.vehicle is not None:
        return ""
    status = row.station.status if row.station is not None else None
    return format_count(status.docks if status else None)


def _state_cell(row: Row) -> str:
    parts: list[str] = []
    if row.reason:
        parts.append(row.reason)
    if row.low_range:
        parts.append("low range")
    if row.alerts:
        summary = clean(row.alerts[0].summary or row.alerts[0].description or "alert", 40)
        more = f" (+{len(row.alerts) - 1})" if len(row.alerts) > 1 else ""
        parts.append(f"alert: {summary}{more}")
    if row.report_stale and row.report_age_s is not None:
        parts.append(f"report {format_age(row.report_age_s)} old")
    return "; ".join(parts)


#: The printed System column's widest short name.
SYSTEM_COLUMN_MAX = 24
#: The table's columns, always all of them: (title, right-aligned).
TABLE_COLUMNS = (
    ("#", True),
    ("System", False),
    ("Name", False),
    ("What", False),
    ("Distance", True),
    ("Walk", True),
    ("Dir", False),
    ("Bikes (mech/elec)", True),
    ("Docks", True),
    ("State", False),
    ("Price", False),
)


#: The columns a table gives up first to fit a terminal: Price, Dir, What, Walk.
TABLE_DROPS = (10, 6, 3, 5)


def _system_lines(answer: Answer) -> list[str]:
    """A heading per system (counts, freshness), then the system-wide alerts."""
    now = answer.now
    lines: list[str] = []
    for report in answer.systems:
        name = clean(report.system.name, 60) or report.system.key
        if report.chosen_by:
            name += f" ({clean(report.chosen_by, 80)})"
        snapshot = report.snapshot
        if snapshot is None:
            lines.append(f"{name}: {freshness_text(report, now)}")
            continue
        parts = [_plural(len(snapshot.stations), "station")]
        if snapshot.vehicles:
            parts.append(_plural(len(snapshot.vehicles), "vehicle"))
        lines.append(f"{name}: {', '.join(parts)}; {freshness_text(report, now)}")
    for alerted, alert in answer.alerts:
        if alert.system_wide:
            text = clean(alert.summary or alert.description or "", 100)
            lines.append(f"Alert ({clean(alerted.name, 40)}): {text}")
    return lines


def to_table(answer: Answer, walking_speed_kmh: float, width: int | None = None) -> str:
    """A heading per system (counts, alerts, freshness), the query, then the rows
    (``width``: a terminal's, which the rows are cut to fit)."""
    query = answer.query
    if answer.plan is not None:
        from bikefinder.rider.trip_output import trips_table  # here: only trip answers

        return trips_table(_system_lines(answer), answer.notes, answer.plan, query.units, width)
    lines = _system_lines(answer)
    if query.near is not None:
        point = f"{query.near[0]:.5f},{query.near[1]:.5f}"
        if answer.near_note:
            lines.append(f"Nearest to the {answer.near_note} {point}")
        elif answer.near_label:
            lines.append(f"Nearest to {clean(answer.near_label, 60)} ({point})")
        else:
            lines.append(f"Nearest to {point}")
    what = "favourites" if query.favourites_only else "options"
    line = f"Mode: {query.mode.label}"
    if query.minimum:
        line += f", at least {counted(query.minimum, query.mode.wanted)}"
    lines.append(f"{line}; nearest first, {what} ranked, the others say why not")
    if answer.warning:
        lines.append(f"Note: {answer.warning}")
    table = [[title for title, _ in TABLE_COLUMNS]]
    names = short_names((report.system for report in answer.systems), SYSTEM_COLUMN_MAX)
    for row in answer.rows:
        table.append(
            [
                str(row.rank) if row.rank is not None else "-",
                short_name(row.system, names),
                clean(row.name, 40) or "(unnamed)",
                row.what or "",
                row.distance_text,
                walking_text(row.distance_m, walking_speed_kmh) or ""
                if row.distance_m is not None
                else "",
                row.bearing,
                _counts_cell(row),
                _docks_cell(row),
                _state_cell(row),
                clean(row.price, 80) if row.price else "",
            ]
        )
    # One system: its name is in the heading, so its column may go too.
    drops = TABLE_DROPS + ((1,) if len(answer.systems) <= 1 else ())
    lines += ["", *text_table(table, [right for _, right in TABLE_COLUMNS], width, drops)]
    if not answer.rows:
        lines.append(f"({nothing_text(query)})")
    return "\n".join(lines)


def counts_text(row: Row, mode: Mode) -> str:
    """What a row has, for one line: "40 bikes (9 e)", "9 e-bikes", "12 free docks",
    "e-bike ~18 km"."""
    if row.vehicle is not None:
        return row.range_text or "1 " + mode.wanted.rstrip("s")
    status = row.station.status if row.station is not None else None
    if status is None:
        return "no status"
    if mode is Mode.DOCK:
        return counted(status.docks, Mode.DOCK.wanted)
    if mode is Mode.EBIKE:
        return counted(status.electric, Mode.EBIKE.wanted)
    text = counted(status.bikes, Mode.ANY_BIKE.wanted)
    return text + (f" ({status.electric} e)" if status.electric is not None else "")


def nothing_text(query: Query) -> str:
    """What a list with no row says."""
    if query.favourites_only:
        return "no favourite stations" if not query.favourites else "no favourite listed"
    if query.minimum:
        return f"nothing with at least {counted(query.minimum, query.mode.wanted)}"
    return f"nothing nearby with {query.mode.wanted}"


def to_line(answer: Answer) -> str:
    """The best option in one line, for status bars:
    "Lobau - Hôtel de Ville · 88 m SE · 40 bikes (9 e) · 1 min ago", with what a ride
    costs after the counts when the feed says."""
    query, now = answer.query, answer.now
    if answer.plan is not None:
        from bikefinder.rider.trip_output import trips_line  # here: only trip answers

        return trips_line(answer.plan)
    row = next((row for row in answer.rows if row.useful and row.error is None), None)
    if row is None:
        parts = [nothing_text(query)]
        report = answer.with_data[0] if answer.with_data else None
    else:
        parts = [clean(row.name, 60) or "(unnamed)"]
        if row.distance_m is not None:
            parts.append(f"{row.distance_text} {row.bearing}".rstrip())
        parts.append(counts_text(row, query.mode))
        if len(answer.systems) > 1:
            parts.append(short_name(row.system, short_names(s.system for s in answer.systems)))
        if row.price:
            parts.append(clean(row.price, 80))
        report = next((s for s in answer.systems if s.system.key == row.system.key), None)
    if report is not None and report.snapshot is not None:
        if report.demo_label:
            parts.append(report.demo_label)
        else:
            age = report.age_s(now)
            if age is not None:
                cached = "cached, " if report.snapshot.from_cache else ""
                parts.append(f"{cached}{format_age(age)} ago")
            if is_data_stale(report.snapshot, now):
                parts.append("STALE")
        if report.error is not None:
            parts.append("refresh failed")
    return LINE_SEPARATOR.join(parts)


def render(
    answer: Answer,
    output_format: str,
    *,
    one_line: bool,
    walking_speed_kmh: float,
    width: int | None = None,
) -> str:
    """``answer`` in ``output_format`` (``one_line``: JSON on one line, for ``--watch``;
    ``width``: the terminal's, which a table is cut to fit)."""
    if output_format == "json":
        return to_json(answer, one_line=one_line)
    if output_format == "csv":
        return to_csv(answer)
    if output_format == "line":
        return to_line(answer)
    return to_table(answer, walking_speed_kmh, width)
