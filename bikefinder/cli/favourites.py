"""``--favorites --once``: the rider's favourite stations, with live status, then exit.

Each system that has favourites is loaded once, all of them concurrently over one
shared HTTP client. A system that cannot be loaded does not hide anything: its
favourites are still listed (no numbers, an ``error`` saying why) and the exit
status is 1 with one line on stderr. The station fields are those of the ranked
``--once`` output (:data:`bikefinder.rider.output.STATION_FIELDS`), plus the system.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from bikefinder.common.errors import BikefinderError, UsageError
from bikefinder.common.text import clean
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.demo import (
    DEMO_GBFS_URL,
    DEMO_LABEL,
    DEMO_LIVE_GBFS_URL,
    DEMO_NEAR,
    demo_transport,
)
from bikefinder.feeds.http import MAX_FEED_BYTES, make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.feeds.models import RankedStation, Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.listing import favourites_url
from bikefinder.rider.mode_rows import ModeRow
from bikefinder.rider.modes import Mode, StationState, has_at_least, useless_reason
from bikefinder.rider.output import (
    MODE_FIELDS,
    STATION_FIELDS,
    bikes_cell,
    csv_text,
    dumps_terminal_safe,
    format_count,
    format_distance,
    iso,
    mode_name,
    mode_named,
    state_label,
    station_line,
    station_record,
)
from bikefinder.rider.ranking import ranked_from
from bikefinder.rider.staleness import data_age_s, format_age, is_data_stale
from bikefinder.systems.source import resolve_source, source_for_entry, user_catalog

if TYPE_CHECKING:
    from bikefinder.options import Options

EXIT_OK, EXIT_FAILURE = 0, 1
SYSTEM_FIELDS = ("gbfs_url", "system_id", "system_name", "error")
CSV_FIELDS = (*STATION_FIELDS, *SYSTEM_FIELDS)
MISSING_STATION = "station is no longer in the system's feeds"


@dataclass(frozen=True, slots=True)
class SystemResult:
    """One system's favourites and what loading the system gave: a snapshot or an error."""

    gbfs_url: str
    favourites: tuple[Favourite, ...]
    snapshot: Snapshot | None
    error: str | None
    #: Why the data shown is the cached copy (the live load's error), if it is.
    cache_note: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.gbfs_url == DEMO_GBFS_URL

    def freshness(self, now: datetime) -> dict[str, Any]:
        """``data_age_s``, ``stale`` (the app's one rule), ``from_cache`` and ``demo``."""
        snapshot = self.snapshot
        age = data_age_s(snapshot, now) if snapshot is not None else None
        return {
            "data_age_s": None if age is None else round(age, 1),
            "stale": snapshot is not None and is_data_stale(snapshot, now),
            "from_cache": snapshot is not None and snapshot.from_cache,
            "demo": DEMO_LABEL if self.is_demo else None,
        }

    @property
    def name(self) -> str:
        if self.snapshot is not None and self.snapshot.system.name:
            return self.snapshot.system.name
        return self.favourites[0].system_name or self.gbfs_url

    @property
    def system_id(self) -> str:
        if self.snapshot is not None:
            return self.snapshot.system.system_id
        return self.favourites[0].system_id


@dataclass(frozen=True, slots=True)
class FavouriteRow:
    """A favourite as printed: its live station (if found) and why not, otherwise."""

    favourite: Favourite
    system: SystemResult
    ranked: RankedStation | None  # None: no live data for it
    error: str | None
    #: In a ``--mode``: why the station is no option (``None``: it is one).
    useless: str | None = None

    def record(self, near: tuple[float, float] | None, mode: Mode | None = None) -> dict[str, Any]:
        if self.ranked is not None:
            record = station_record(self.ranked)
            if near is None:
                record["distance_m"] = record["bearing"] = None
        else:
            record = dict.fromkeys(STATION_FIELDS)
            record["station_id"] = self.favourite.station_id
            record["name"] = self.favourite.name
        record.update(
            gbfs_url=self.favourite.gbfs_url,
            system_id=self.system.system_id,
            system_name=self.system.name,
            error=self.error,
        )
        if mode is not None:
            record.update(useful=self.useless is None, reason=self.useless)
        return record


def group_by_system(favourites: Sequence[Favourite]) -> dict[str, list[Favourite]]:
    """Favourites by gbfs_url, systems in order of their first favourite; one saved in
    the demo counts for the live system the demo is a snapshot of."""
    groups: dict[str, list[Favourite]] = {}
    for favourite in favourites:
        groups.setdefault(favourites_url(favourite.gbfs_url), []).append(favourite)
    return groups


async def load_system(
    http: httpx.AsyncClient,
    gbfs_url: str,
    favourites: Sequence[Favourite],
    language: str | None,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> SystemResult:
    """Load one system; any failure becomes the result's ``error`` instead of raising.
    ``headers`` (configured keys) go only to the system's own origin; ``max_bytes``
    (config.toml's ``max_feed_mb``) caps each feed answer."""
    cache = None if gbfs_url == DEMO_GBFS_URL else FeedCache(gbfs_url)
    cap = MAX_FEED_BYTES if max_bytes is None else max_bytes
    feeds = SystemFeeds(
        http, gbfs_url, language=language, cache=cache, headers=headers, max_bytes=cap
    )
    try:
        snapshot = await feeds.load()
    except BikefinderError as exc:
        cached = feeds.load_cached() if cache is not None else None
        if cached is not None:  # like --once: the last known data, marked as such
            return SystemResult(gbfs_url, tuple(favourites), cached, None, clean(str(exc), 300))
        return SystemResult(gbfs_url, tuple(favourites), None, clean(str(exc), 300))
    return SystemResult(gbfs_url, tuple(favourites), snapshot, None)


def request_headers(gbfs_urls: Sequence[str], client_id: str | None) -> dict[str, Any]:
    """Extra headers per system, from its catalog entry (Entur's client name, configured
    API keys); a system that needs a key nobody configured maps to its error instead."""
    if not any(url != DEMO_GBFS_URL for url in gbfs_urls):
        return {}
    try:
        entries = {entry.gbfs_url: entry for entry in user_catalog().entries}
    except (BikefinderError, OSError, ValueError):
        return {}  # no catalog: plain requests still work for most systems
    headers: dict[str, Any] = {}
    for url in gbfs_urls:
        entry = entries.get(url)
        if entry is None or not (entry.needs_key or entry.needs_entur_client_name):
            continue
        try:
            headers[url] = source_for_entry(entry, client_id=client_id).headers
        except BikefinderError as exc:
            headers[url] = exc
    return headers


async def load_systems(groups: dict[str, list[Favourite]], options: Options) -> list[SystemResult]:
    """Every system concurrently, over one shared client (and the demo's own transport);
    each system's extra headers go with its own requests only."""
    extra_headers = request_headers(list(groups), options.client_id)
    async with AsyncExitStack() as stack:
        clients: dict[Any, httpx.AsyncClient] = {}

        async def client_for(url: str) -> httpx.AsyncClient:
            key = "demo" if url == DEMO_GBFS_URL else "shared"
            if key not in clients:
                transport = demo_transport() if key == "demo" else None
                client = make_http_client(options.client_id, None, transport)
                clients[key] = await stack.enter_async_context(client)
            return clients[key]

        loads = []
        for url, group in groups.items():
            problem = extra_headers.get(url)
            if isinstance(problem, BikefinderError):
                loads.append(_failed(url, group, problem))
            else:
                headers = extra_headers.get(url) or {}
                http = await client_for(url)
                loads.append(
                    load_system(http, url, group, options.language, headers, options.max_feed_bytes)
                )
        return list(await asyncio.gather(*loads))


async def _failed(url: str, group: Sequence[Favourite], error: Exception) -> SystemResult:
    return SystemResult(url, tuple(group), None, clean(str(error), 300))


def ranked_at(station: Station, near: tuple[float, float] | None) -> RankedStation:
    """``station`` measured from ``near``; without a point, no distance or direction."""
    if near is None:
        return RankedStation(station=station, distance_m=0.0, bearing_deg=0.0, bearing="")
    return ranked_from(near, station)


def rows_for(system: SystemResult, near: tuple[float, float] | None) -> list[FavouriteRow]:
    """The system's favourites, nearest first when there is a point to measure from."""
    if system.snapshot is None:
        return [FavouriteRow(f, system, None, system.error) for f in system.favourites]
    by_id = {station.station_id: station for station in system.snapshot.stations}
    rows = []
    for favourite in system.favourites:
        station = by_id.get(favourite.station_id)
        if station is None:
            rows.append(FavouriteRow(favourite, system, None, MISSING_STATION))
        else:
            rows.append(FavouriteRow(favourite, system, ranked_at(station, near), None))
    if near is not None:
        rows.sort(key=lambda row: row.ranked.distance_m if row.ranked else float("inf"))
    return rows


def rows_in_mode(
    system: SystemResult,
    near: tuple[float, float] | None,
    mode: Mode | None = None,
    minimum: int | None = None,
) -> list[FavouriteRow]:
    """:func:`rows_for`, and in a ``--mode`` the app's rules: favourites with fewer than
    ``minimum`` of what the mode wants hidden, the useful ones first, then the others
    with their reason (a favourite without live data: "no status" or "not in feed")."""
    rows = rows_for(system, near)
    if mode is None:
        return rows
    useful: list[FavouriteRow] = []
    useless: list[FavouriteRow] = []
    for row in rows:
        if row.ranked is None:
            if minimum is None:
                missing = row.error == MISSING_STATION
                absent = "not in feed" if missing else StationState.NO_STATUS.value
                useless.append(replace(row, useless=absent))
            continue
        if not has_at_least(row.ranked.station, mode, minimum):
            continue
        reason = useless_reason(row.ranked.station, mode)
        (useful if reason is None else useless).append(replace(row, useless=reason))
    return useful + useless


def favourites_mode(options: Options) -> Mode | None:
    """The ``--mode`` of the list; ``--min`` alone means any bike."""
    mode = mode_named(options.mode)
    return Mode.ANY_BIKE if mode is None and options.min_count is not None else mode


def to_line(
    systems: Sequence[SystemResult],
    near: tuple[float, float] | None,
    mode: Mode | None = None,
    minimum: int | None = None,
) -> str:
    """``--format line``: the best favourite (the nearest useful one when there is a
    point, else the first useful one) in one line, for status bars."""
    now = datetime.now(UTC)
    candidates = [
        (row, system)
        for system in systems
        for row in rows_in_mode(system, near, mode, minimum)
        if row.ranked is not None and system.snapshot is not None
    ]
    if near is not None:
        candidates.sort(key=lambda pair: pair[0].ranked.distance_m if pair[0].ranked else 0.0)
    candidates.sort(key=lambda pair: pair[0].useless is not None)  # stable: useful first
    if not candidates:
        empty = "no favourite stations" if not systems else "no favourite with live data"
        return station_line(None, mode, None, empty=empty)
    row, system = candidates[0]
    assert row.ranked is not None and system.snapshot is not None
    return station_line(
        ModeRow(row.ranked, None, row.useless),
        mode,
        data_age_s(system.snapshot, now),
        stale=is_data_stale(system.snapshot, now),
        from_cache=system.snapshot.from_cache,
        demo_label=DEMO_LABEL if system.is_demo else None,
        show_distance=near is not None,
    )


def to_json(
    systems: Sequence[SystemResult],
    near: tuple[float, float] | None,
    now: datetime,
    mode: Mode | None = None,
    minimum: int | None = None,
) -> str:
    document = {
        "generated_at": iso(now),
        "near": {"lat": near[0], "lon": near[1]} if near else None,
        "systems": [
            {
                "gbfs_url": system.gbfs_url,
                "id": system.system_id,
                "name": system.name,
                "data_updated_at": iso(system.snapshot.data_time) if system.snapshot else None,
                **system.freshness(now),
                "favourites": len(system.favourites),
                "error": system.error,
            }
            for system in systems
        ],
        "mode": mode_name(mode),
        "min": minimum,
        "stations": [
            row.record(near, mode)
            for system in systems
            for row in rows_in_mode(system, near, mode, minimum)
        ],
    }
    return dumps_terminal_safe(document)


def to_csv(
    systems: Sequence[SystemResult],
    near: tuple[float, float] | None,
    mode: Mode | None = None,
    minimum: int | None = None,
) -> str:
    """The favourites as CSV; in a ``--mode`` with ``useful`` and ``reason`` columns."""
    records = []
    for system in systems:
        for row in rows_in_mode(system, near, mode, minimum):
            record = row.record(near, mode)
            for text_field in ("name", "system_name", "error"):
                record[text_field] = clean(record[text_field], 500) if record[text_field] else None
            records.append(record)
    return csv_text(CSV_FIELDS if mode is None else (*CSV_FIELDS, *MODE_FIELDS), records)


def heading_of(system: SystemResult, now: datetime) -> str:
    """A system's heading: its name and how fresh its data is (demo, cached, stale), or
    why it could not be loaded."""
    heading = clean(system.name, 60)
    snapshot = system.snapshot
    if snapshot is None:
        return heading + f": NOT LOADED: {clean(system.error, 200)}"
    if system.is_demo:
        return heading + f" ({DEMO_LABEL}, not live)"
    age = data_age_s(snapshot, now)
    age_text = format_age(age) if age is not None else "unknown age"
    if snapshot.from_cache:
        heading += f" (CACHED, {age_text} old: {clean(system.cache_note, 200)})"
    else:
        heading += f" (data from {_short_time(snapshot.data_time)}, {age_text} old)"
    if is_data_stale(snapshot, now):
        heading += " STALE"
    return heading


def to_table(
    systems: Sequence[SystemResult],
    near: tuple[float, float] | None,
    mode: Mode | None = None,
    minimum: int | None = None,
) -> str:
    """One block per system: a heading (or why it failed), then its favourites aligned;
    in a ``--mode`` the useful ones first and the State column says why the others are not."""
    now = datetime.now(UTC)
    columns = ("Station", "Distance", "Dir", "Bikes (mech/elec)", "Docks", "State")
    blocks: list[tuple[str, list[tuple[str, ...]]]] = []
    for system in systems:
        heading = heading_of(system, now)
        rows = rows_in_mode(system, near, mode, minimum)
        blocks.append((heading, [_table_cells(row, near, mode) for row in rows]))
    shown = [i for i in range(len(columns)) if near or i not in (1, 2)]  # no point: no distance
    cell_rows = [cells for _, block_rows in blocks for cells in block_rows]
    widths = [
        max(len(col), *(len(cells[i]) for cells in cell_rows)) for i, col in enumerate(columns)
    ]

    def line(cells: Sequence[str]) -> str:
        aligned = (
            cells[i].rjust(widths[i]) if i in (1, 4) else cells[i].ljust(widths[i]) for i in shown
        )
        return ("  " + "  ".join(aligned)).rstrip()

    count = sum(len(system.favourites) for system in systems)
    where = f"; distances from {near[0]:.5f},{near[1]:.5f}" if near else ""
    lines = [f"Favourites: {count} in {len(systems)} system{'s' * (len(systems) != 1)}{where}"]
    if mode is not None:
        lines[0] += f"; mode: {mode.label}" + (f", at least {minimum}" if minimum else "")
    for heading, block_rows in blocks:
        lines += ["", heading, line(columns), line(["-" * width for width in widths])]
        lines += [line(cells) for cells in block_rows]
    return "\n".join(lines)


def _table_cells(
    row: FavouriteRow, near: tuple[float, float] | None, mode: Mode | None = None
) -> tuple[str, ...]:
    ranked = row.ranked
    name = clean(ranked.station.info.name if ranked else row.favourite.name, 40) or "(unnamed)"
    if ranked is None:
        state = "not in feed" if row.error == MISSING_STATION else "unknown"
        return (name, "", "", "?", "?", state)
    state = state_label(ranked) if mode is None else row.useless or ""
    status = ranked.station.status
    return (
        name,
        format_distance(ranked.distance_m) if near else "",
        ranked.bearing,
        bikes_cell(ranked),
        format_count(status.docks if status else None),
        state,
    )


def _short_time(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "an unknown time"


def chosen_favourites(store: FavouritesStore, options: Options) -> list[Favourite]:
    """All favourites, or only those of the ``--system`` flags (URLs or catalog names,
    each may be repeated) or of ``--demo``."""
    if not (options.demo or options.system is not None):
        return store.all()
    names: tuple[str | None, ...] = (options.system,)
    if not options.demo and options.systems:
        names = tuple(options.systems)
    chosen: list[Favourite] = []
    for name in names:
        source = resolve_source(name, None, demo=options.demo, client_id=options.client_id)
        url = favourites_url(source.gbfs_url)
        extra = store.for_system(DEMO_GBFS_URL) if url == DEMO_LIVE_GBFS_URL else []
        chosen += [f for f in (*store.for_system(url), *extra) if f not in chosen]
    return chosen


def check_flags(options: Options) -> None:
    """Refuse, in one line, what favourites cannot honour: they are stations saved in
    their own systems, so there are no vehicles to list nor systems to choose around
    ``--near`` (``--system`` picks which systems' favourites to print)."""
    if options.vehicles not in (None, "none"):
        raise UsageError(
            "--favorites lists saved stations, not free-floating vehicles; for the nearest "
            "vehicles use --once --near LAT,LON --vehicles " + options.vehicles
        )
    if options.max_systems is not None:
        raise UsageError(
            "--max-systems chooses systems around --near, but favourites come from the "
            "systems they were saved in; use --system (repeatable) to print only some"
        )


async def run_favourites_once(options: Options) -> int:
    """Print the favourites with live status; 1 if any system could not be loaded."""
    check_flags(options)
    store = FavouritesStore()
    store.load()
    for notice in store.take_notices():
        print(f"bikefinder: {notice}", file=sys.stderr)
    favourites = chosen_favourites(store, options)
    near = options.near or (DEMO_NEAR if options.demo else None)
    groups = group_by_system(favourites)
    if options.demo and favourites:  # the live Vélib' favourites, on the demo's data
        groups = {DEMO_GBFS_URL: favourites}
    systems = await load_systems(groups, options) if groups else []
    mode, minimum = favourites_mode(options), options.min_count
    if options.output_format == "json":
        text = to_json(systems, near, datetime.now(UTC), mode, minimum)
    elif options.output_format == "csv":
        text = to_csv(systems, near, mode, minimum)
    elif options.output_format == "line":
        text = to_line(systems, near, mode, minimum)
    elif not systems:
        text = "No favourite stations yet: press f on a station in the app to add one."
    else:
        text = to_table(systems, near, mode, minimum)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for system in systems:
        if system.cache_note is not None:
            print(f"bikefinder: {system.cache_note}; showing cached data", file=sys.stderr)
    failed = [system for system in systems if system.error is not None]
    if failed:
        causes = "; ".join(system.error or "" for system in failed)
        print(
            f"bikefinder: could not load {len(failed)} of {len(systems)} systems "
            f"with favourites: {causes}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return EXIT_OK
