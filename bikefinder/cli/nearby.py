"""``--once`` over several systems and free-floating vehicles (issue 11).

Used when more than one ``--system`` is given, or ``--vehicles`` / ``--max-systems``:
every chosen system is loaded at once (live, else its cached copy), and one list ranks
the stations and offered vehicles of all of them by distance (:mod:`bikefinder.rider.nearby`).
One system failing keeps the others' rows: its error is a stderr line and in JSON
``systems[].error`` and ``errors``; the exit status is 0 when any system loaded, 1 when
none did. Single-system ``--once`` (:mod:`bikefinder.cli.stations`) is unchanged.

JSON keeps the single-system contract's keys (``system`` is the first system, ``near``,
``generated_at``, ``stations``) and adds ``systems``, ``alerts``, ``errors``, ``notes``;
every item of ``stations`` has ``kind`` (``"station"`` or ``"vehicle"``), ``system_id``
and ``walk_s``, and the fields that do not apply to its kind are ``null``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bikefinder.common.errors import FeedError, UsageError
from bikefinder.common.text import clean
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.demo import DEMO_NEAR
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.system_alerts import active_alerts
from bikefinder.feeds.vehicles import VehicleSelection, parse_vehicle_selection
from bikefinder.rider.mode_rows import DEFAULT_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.nearby import STATION, NearbyRow, Scene, SceneSystem
from bikefinder.rider.output import (
    STATION_FIELDS,
    alert_record,
    bikes_text,
    csv_text,
    dumps_terminal_safe,
    format_count,
    format_distance,
    iso,
)
from bikefinder.rider.staleness import data_age_s, format_age, is_data_stale
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_text
from bikefinder.systems.source import (
    DEFAULT_MAX_SYSTEMS,
    SystemSource,
    demo_source,
    remember_loaded_system,
    resolve_sources,
    start_point,
)

if TYPE_CHECKING:
    from bikefinder.options import Options

_MODES = {"bike": Mode.ANY_BIKE, "ebike": Mode.EBIKE, "dock": Mode.DOCK}
#: The fields every row has, stations and vehicles alike (CSV columns, in order).
ROW_FIELDS = (
    "kind",
    "system_id",
    *STATION_FIELDS,
    "walk_s",
    "rank",
    "useless",
    "alert_ids",
    "is_open",
    "hours",
    "vehicle_id",
    "vehicle_type_id",
    "form_factor",
    "propulsion",
    "electric",
    "range_m",
    "fuel_percent",
    "range_text",
    "low_range",
    "price",
)


@dataclass
class LoadedSystem:
    """One chosen system: its loader, its last snapshot, or why it has none."""

    source: SystemSource
    feeds: SystemFeeds
    scene_system: SceneSystem | None = None
    snapshot: Snapshot | None = None
    error: str | None = None


async def run_nearby_once(options: Options) -> int:
    """Print the mixed list of every chosen system (repeatedly with ``--watch``)."""
    selection = parse_vehicle_selection(options.vehicles or VehicleSelection.BIKES.value)
    mode = _MODES.get(options.mode or "bike", Mode.ANY_BIKE)
    limit = options.limit or DEFAULT_LIMIT
    speed = options.walking_speed_kmh
    notes: list[str]  # why a system was left out, for stderr
    if options.demo:
        if options.systems:
            raise UsageError("--demo uses the bundled Vélib' snapshot; drop --system")
        sources, notes = [demo_source()], []
    else:
        sources, notes = resolve_sources(
            options.systems,
            options.near,
            max_systems=options.max_systems or DEFAULT_MAX_SYSTEMS,
            client_id=options.client_id,
        )
    if options.near is not None:
        near: tuple[float, float] = options.near
    elif len(sources) == 1:
        near, _ = start_point(sources[0], None, DEMO_NEAR)
    else:
        raise UsageError("several systems need --near LAT,LON (where you are, e.g. 48.85,2.35)")
    for note in notes:
        print(f"bikefinder: note: {note}", file=sys.stderr)
    max_bytes = options.max_feed_bytes
    async with contextlib.AsyncExitStack() as stack:
        systems: list[LoadedSystem] = []
        shared = await stack.enter_async_context(make_http_client(options.client_id))
        for source in sources:
            http = shared
            if source.transport is not None:
                http = await stack.enter_async_context(
                    make_http_client(options.client_id, None, source.transport)
                )
            feeds = SystemFeeds(
                http,
                source.gbfs_url,
                language=options.language,
                label=source.label,
                cache=None if source.is_demo else FeedCache(source.gbfs_url),
                headers=source.headers,
                max_bytes=max_bytes,
                free_floating=True,
            )
            systems.append(LoadedSystem(source, feeds))
        await asyncio.gather(*(_load(system) for system in systems))
        _name_systems(systems)
        for system in systems:
            if system.error is not None:
                print(f"bikefinder: {system.error}", file=sys.stderr)
            for feed, problem in system.feeds.degraded.items():
                print(f"bikefinder: note: {system.feeds.label}: {feed}: {problem}", file=sys.stderr)
        if not any(system.snapshot is not None for system in systems):
            return 1
        scene = Scene.build(
            [(s.scene_system, s.snapshot) for s in systems if s.snapshot and s.scene_system],
            selection,
        )
        try:
            while True:
                rows = scene.nearest(near, mode, limit, walking_speed_kmh=speed)
                _emit(render(systems, scene, rows, near, options, mode, selection, notes))
                if options.watch_s is None:
                    break
                await asyncio.sleep(options.watch_s)
                scene = await _refresh(systems, scene)
        except BrokenPipeError:
            # The reader went away (``| head``, a closed status bar): not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


async def _load(system: LoadedSystem) -> None:
    """Live data, else the cached copy (said on stderr), else the error."""
    try:
        system.snapshot = await system.feeds.load()
    except FeedError as error:
        cached = system.feeds.load_cached()
        system.error = str(error)
        if cached is None:
            return
        age = data_age_s(cached, datetime.now(UTC))
        age_text = f"{format_age(age)} old" if age is not None else "of unknown age"
        system.error = f"{error}; showing cached data {age_text}"
        system.snapshot = cached
        return
    remember_loaded_system(system.source, system.snapshot)


async def _refresh(systems: Sequence[LoadedSystem], scene: Scene) -> Scene:
    """One refresh of every system (each on its own ttl inside its loader); a failure
    keeps that system's last rows and its error."""

    async def one(system: LoadedSystem) -> None:
        try:
            system.snapshot = await system.feeds.refresh()
            system.error = None
        except FeedError as error:
            system.error = str(error)

    await asyncio.gather(*(one(system) for system in systems))
    _name_systems(systems)
    for system in systems:
        if system.snapshot is not None and system.scene_system is not None:
            scene = scene.with_snapshot(system.scene_system, system.snapshot)
    return scene


def _name_systems(systems: Sequence[LoadedSystem]) -> None:
    """Each system's id in the output: the catalog's, else its feed's (made unique)."""
    seen: set[str] = set()
    for system in systems:
        snapshot, source = system.snapshot, system.source
        if system.scene_system is not None:
            seen.add(system.scene_system.key)
            continue
        key = source.system_id or (snapshot.system.system_id if snapshot else None)
        key = key or system.feeds.label
        base, number = key, 2
        while key in seen:
            key, number = f"{base}#{number}", number + 1
        seen.add(key)
        name = (snapshot.system.name if snapshot else None) or source.label or system.feeds.label
        if snapshot is not None:
            system.scene_system = SceneSystem(key, name, source.gbfs_url)


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- records


def row_record(row: NearbyRow) -> dict[str, Any]:
    """One row as the JSON/CSV contract spells it (``None`` where unknown or not applicable)."""
    record: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    record.update(
        kind=row.kind,
        system_id=row.system.key,
        lat=row.lat,
        lon=row.lon,
        distance_m=round(row.distance_m, 1),
        bearing=row.bearing,
        walk_s=row.walk_s,
        rank=row.rank,
        useless=row.useless,
        alert_ids=[alert.alert_id for alert in row.alerts],
        is_open=row.is_open,
        hours=row.hours_text,
        price=row.price,
    )
    if row.station is not None:
        info, status = row.station.info, row.station.status
        record.update(
            station_id=info.station_id,
            name=info.name,
            capacity=info.capacity,
        )
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
        name=row.label,
        vehicle_id=vehicle.vehicle_id,
        vehicle_type_id=vehicle.vehicle_type_id,
        form_factor=vehicle.form.value,
        propulsion=vehicle.propulsion,
        electric=vehicle.electric,
        range_m=vehicle.current_range_meters,
        fuel_percent=vehicle.current_fuel_percent,
        range_text=row.range_text,
        low_range=row.low_range,
        last_reported=iso(vehicle.last_reported),
    )
    return record


def system_record(system: LoadedSystem, now: datetime) -> dict[str, Any]:
    snapshot = system.snapshot
    key = system.scene_system.key if system.scene_system else system.source.system_id
    age = data_age_s(snapshot, now) if snapshot else None
    return {
        "id": key,
        "name": system.scene_system.name if system.scene_system else system.feeds.label,
        "gbfs_url": system.source.gbfs_url,
        "ok": system.error is None,
        "error": system.error,
        "data_updated_at": iso(snapshot.data_time) if snapshot else None,
        "data_age_s": None if age is None else round(age, 1),
        "stale": (is_data_stale(snapshot, now) or system.error is not None) if snapshot else True,
        "from_cache": snapshot.from_cache if snapshot else False,
        "stations": len(snapshot.stations) if snapshot else 0,
        "vehicles": len(snapshot.vehicles) if snapshot else 0,
        "degraded": dict(system.feeds.degraded),
        **({"chosen_by": system.source.chosen_by} if system.source.chosen_by else {}),
    }


def _active(systems: Sequence[LoadedSystem], now: datetime) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for system in systems:
        if system.snapshot is not None and system.scene_system is not None:
            for alert in active_alerts(system.snapshot.alerts, now):
                records.append(alert_record(system.scene_system.key, alert))
    return records


# --------------------------------------------------------------------------- rendering


def render(
    systems: Sequence[LoadedSystem],
    scene: Scene,
    rows: Sequence[NearbyRow],
    near: tuple[float, float],
    options: Options,
    mode: Mode,
    selection: VehicleSelection,
    notes: Sequence[str] = (),
) -> str:
    """The mixed list as JSON (one line with ``--watch``), CSV, a table, or one line."""
    now = datetime.now(UTC)
    output_format = options.output_format
    if output_format == "json":
        records = [system_record(system, now) for system in systems]
        first = next((r for r in records if r["ok"] or r["data_updated_at"]), records[0])
        document: dict[str, Any] = {
            "system": {"id": first["id"], "name": first["name"], "gbfs_url": first["gbfs_url"]},
            "systems": records,
            "near": {"lat": near[0], "lon": near[1]},
            "generated_at": iso(now),
            "mode": {Mode.ANY_BIKE: "bike", Mode.EBIKE: "ebike", Mode.DOCK: "dock"}[mode],
            "vehicles": selection.value,
            "alerts": _active(systems, now),
            "errors": [{"system_id": r["id"], "error": r["error"]} for r in records if r["error"]],
            "notes": list(notes),
            "stations": [row_record(row) for row in rows],
        }
        return dumps_terminal_safe(document, indent=None if options.watch_s else 2)
    if output_format == "csv":
        records = []
        for row in rows:
            record = row_record(row)
            record["alert_ids"] = ";".join(record["alert_ids"])
            if record["name"] is not None:
                record["name"] = clean(record["name"], 500)
            records.append(record)
        return csv_text(ROW_FIELDS, records)
    if output_format == "line":
        return _line(rows)
    speed = options.walking_speed_kmh
    return _table(systems, scene, rows, near, now, speed)


def _line(rows: Sequence[NearbyRow]) -> str:
    """The nearest option in one line, for status bars."""
    row = next((row for row in rows if row.rank is not None), None)
    if row is None:
        return "nothing nearby"
    what = clean(row.label, 40)
    if row.kind == STATION and row.station and row.station.status:
        what += f" ({row.station.status.bikes} bikes)"
    elif row.range_text:
        what += f" ({row.range_text})"
    return f"{what} · {format_distance(row.distance_m)} · {clean(row.system.name, 30)}"


def _table(
    systems: Sequence[LoadedSystem],
    scene: Scene,
    rows: Sequence[NearbyRow],
    near: tuple[float, float],
    now: datetime,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> str:
    lines: list[str] = []
    for system in systems:
        name = clean(system.scene_system.name if system.scene_system else system.feeds.label, 60)
        snapshot = system.snapshot
        if snapshot is None:
            lines.append(f"{name}: FAILED: {clean(system.error or '', 200)}")
            continue
        age = data_age_s(snapshot, now)
        when = f"{format_age(age)} old" if age is not None else "time unknown"
        state = " CACHED" if snapshot.from_cache else ""
        state += " STALE" if is_data_stale(snapshot, now) else ""
        parts = [
            _plural(len(snapshot.stations), "station"),
            _plural(len(snapshot.vehicles), "vehicle"),
        ]
        active = len(active_alerts(snapshot.alerts, now))
        if active:
            parts.append(f"{active} alert{'s' if active > 1 else ''}")
        lines.append(f"{name}: {', '.join(parts)}; data {when}{state}")
    for alerted, alert in scene.system_alerts(now):
        text = clean(alert.summary or alert.description or "", 100)
        lines.append(f"Alert ({clean(alerted.name, 40)}): {text}")
    lines.append(f"Nearest to {near[0]:.5f},{near[1]:.5f}:")
    several = len({row.system.key for row in rows}) > 1 or len(scene.indexes) > 1
    columns = ["#", *(["System"] if several else []), "What", "Distance", "Walk", "Dir",
               "Bikes (mech/elec) / range", "Docks", "State"]  # fmt: skip
    table = [[*columns]]
    for row in rows:
        cells = [str(row.rank) if row.rank is not None else "-"]
        if several:
            cells.append(clean(row.system.name, 24))
        cells += [
            clean(row.label, 40) or "(unnamed)",
            format_distance(row.distance_m),
            walking_text(row.distance_m, walking_speed_kmh) or "?",
            row.bearing,
            _counts_cell(row),
            _docks_cell(row),
            _state_cell(row),
        ]
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    right = {0, columns.index("Distance"), columns.index("Walk"), columns.index("Docks")}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    lines += ["", line(table[0]), line(["-" * width for width in widths])]
    lines += [line(cells) for cells in table[1:]]
    if not rows:
        lines.append("(nothing nearby)")
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts_cell(row: NearbyRow) -> str:
    if row.station is None:
        return row.range_text or ""
    return bikes_text(row.station.status)


def _docks_cell(row: NearbyRow) -> str:
    if row.station is None:
        return ""
    status = row.station.status
    return format_count(status.docks if status else None)


def _state_cell(row: NearbyRow) -> str:
    parts: list[str] = []
    if row.useless:
        parts.append(row.useless)
    if row.low_range:
        parts.append("low range")
    if row.alerts:
        summary = clean(row.alerts[0].summary or row.alerts[0].description or "alert", 40)
        more = f" (+{len(row.alerts) - 1})" if len(row.alerts) > 1 else ""
        parts.append(f"alert: {summary}{more}")
    return "; ".join(parts)
