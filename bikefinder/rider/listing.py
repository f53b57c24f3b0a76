"""What the station list shows, as plain data: the app's view model.

:class:`StationListing` holds the shown snapshot and what the list derives from it (the
spatial index, stations by id, the numbers shown before the last refresh, the trends).
It builds the rows for a view (all stations or the favourites), a name filter and a
mode, with change markers, trends and report ages; one station's details; and the
favourites that are not in the list. No Textual: the widgets only render the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import overload

from bikefinder.common.geo import compass_point, haversine_m, initial_bearing_deg
from bikefinder.common.text import clean, fold
from bikefinder.feeds import system_alerts as alerts_module
from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LIVE_GBFS_URL
from bikefinder.feeds.models import RankedStation, Station, StationStatus
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.system_alerts import SystemAlert
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.rider.changes import count_changes
from bikefinder.rider.favourites import Favourite
from bikefinder.rider.mode_rows import ListLimit, ModeRow, pick_rows
from bikefinder.rider.modes import Mode, mode_reasons, useless_reason
from bikefinder.rider.nearby import STATION, NearbyRow, Scene, SceneSystem, SystemIndex
from bikefinder.rider.ranking import StationIndex, ranked_from
from bikefinder.rider.staleness import is_report_stale, report_age_s
from bikefinder.rider.trends import Trend, TrendHistory
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_seconds


@dataclass(frozen=True, slots=True)
class RowDisplay:
    """What one table row shows, with what changed since the previous refresh."""

    row: ModeRow
    favourite: bool
    changes: dict[str, int]
    report_age_s: float | None
    report_stale: bool
    #: Recent values of what the mode wants (``None`` until two refreshes saw it).
    trend: Trend | None = None
    #: The rider watches this station (``a``).
    watched: bool = False


@dataclass(frozen=True, slots=True)
class StationDetails:
    """What the details screen shows; ``ranked`` is ``None`` once the station left the feed."""

    station_id: str
    ranked: RankedStation | None
    favourite: bool
    report_age_s: float | None
    report_stale: bool
    changes: dict[str, int]
    #: The watch on this station, described ("at least 2 bikes"), if any.
    watch: str | None = None
    #: The system's time zone name from system_information (``None`` if not given).
    timezone: str | None = None
    #: The station's system, when several are shown (issue 11).
    system_name: str | None = None
    #: Active alerts naming the station.
    alerts: tuple[SystemAlert, ...] = ()
    #: "closed, opens 07:00" when its hours say it is closed now.
    hours_text: str | None = None
    #: What a ride costs (one plan for certain), if known.
    price: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleDetails:
    """A free-floating vehicle's details; ``row`` is ``None`` once it left the feed (or
    its rotating id changed)."""

    station_id: str  # the row key (named as StationDetails's, for the details screen)
    row: NearbyRow | None
    #: It was taken or moved since the details opened.
    gone: bool = False


@dataclass(frozen=True, slots=True)
class OtherFavourites:
    """The favourites the favourites view cannot list: gone from this feed, or of other
    systems (grouped by system name, in the order first met)."""

    missing: list[Favourite] = field(default_factory=list)
    by_system: dict[str, list[Favourite]] = field(default_factory=dict)


def favourites_url(gbfs_url: str) -> str:
    """The system a favourite of ``gbfs_url`` belongs to: the demo's favourites are the
    live Vélib' system's (the demo is a snapshot of it)."""
    return DEMO_LIVE_GBFS_URL if gbfs_url == DEMO_GBFS_URL else gbfs_url


def new_favourite(snapshot: Snapshot, station: Station, now: datetime) -> Favourite:
    """``station`` of ``snapshot``'s system as a new favourite, added ``now`` (stored to
    the second, UTC written with ``Z``); one made in the demo is the live system's."""
    return Favourite(
        gbfs_url=favourites_url(snapshot.gbfs_url),
        system_id=snapshot.system.system_id,
        system_name=snapshot.system.name,
        station_id=station.station_id,
        name=station.info.name,
        added_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
    )


@dataclass(frozen=True, slots=True)
class ListingData:
    """What a snapshot gives the list, computed once per data change (off the UI thread):
    per-keystroke work then walks these instead of recomputing every station."""

    snapshot: Snapshot
    index: StationIndex
    by_id: dict[str, Station]
    previous_status: dict[str, StationStatus | None]
    #: Station names folded for matching ("Hôtel" -> "hotel"), in feed order.
    folded_names: list[str]
    #: Per mode, why each station (feed order) is no option, or ``None``.
    reasons: dict[Mode, list[str | None]]
    #: Stations by distance from ``near`` (positions in feed order), with the distances.
    near: tuple[float, float] | None = None
    order: Sequence[int] = ()
    distances: Sequence[float] = ()
    #: The middle of the system's stations (median latitude and longitude).
    centre: tuple[float, float] | None = None
    #: How many stations' status differ from the previous data's (``None``: no previous).
    changed: int | None = None

    @property
    def nearest_m(self) -> float | None:
        """How far the nearest station is from ``near`` (``None``: no stations or point)."""
        if self.near is None or not len(self.order):
            return None
        return float(self.distances[self.order[0]])

    def moved_to(self, near: tuple[float, float]) -> ListingData:
        """The same data ranked from ``near`` (sorts every station: off the UI thread)."""
        order, distances = self.index.order(*near)
        return replace(self, near=near, order=order, distances=distances)


class RowList(Sequence[RowDisplay]):
    """The rows to list, built one at a time when read: a ``--limit 100000`` list costs
    only the rows the table shows."""

    def __init__(
        self,
        listing: StationListing,
        data: ListingData,
        picks: list[tuple[int, int | None]],
        mode: Mode,
        favourite_ids: set[str],
        watched_ids: set[str] | None = None,
    ) -> None:
        self._listing, self._data, self._picks = listing, data, picks
        self._mode, self._favourite_ids = mode, favourite_ids
        self._watched_ids = watched_ids or set()
        self._built: dict[int, RowDisplay] = {}
        self.useful_count = sum(1 for _, rank in picks if rank is not None)

    def __len__(self) -> int:
        return len(self._picks)

    @overload
    def __getitem__(self, item: int) -> RowDisplay: ...

    @overload
    def __getitem__(self, item: slice) -> list[RowDisplay]: ...

    def __getitem__(self, item: int | slice) -> RowDisplay | list[RowDisplay]:
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        if item < 0:
            item += len(self)
        built = self._built.get(item)
        if built is None:
            position, rank = self._picks[item]
            built = self._listing.row_display(self._data, position, rank, self._mode)
            station_id = built.row.station.station_id
            built = replace(
                built,
                favourite=station_id in self._favourite_ids,
                watched=station_id in self._watched_ids,
            )
            self._built[item] = built
        return built

    def station_ids(self, count: int | None = None) -> list[str]:
        """The ids of the first ``count`` rows (all if ``None``), without building rows."""
        stations = self._data.index.stations
        return [stations[position].station_id for position, _ in self._picks[:count]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def prepare_listing(
    snapshot: Snapshot,
    previous: Snapshot | None,
    near: tuple[float, float] | None = None,
) -> ListingData:
    """Everything the list derives from ``snapshot`` (change markers against
    ``previous``, folded names, each mode's reasons, the distance order from ``near``).
    Pure and possibly slow on a large system: the app runs it off its event loop."""
    index = StationIndex(snapshot.stations)
    previous_status = (
        {s.station_id: s.status for s in previous.stations} if previous is not None else {}
    )
    order, distances = index.order(*near) if near is not None else ((), ())
    return ListingData(
        snapshot=snapshot,
        index=index,
        by_id={station.station_id: station for station in snapshot.stations},
        previous_status=previous_status,
        folded_names=[fold(station.info.name) for station in index.stations],
        reasons={mode: mode_reasons(index.stations, mode) for mode in Mode},
        near=near,
        order=order,
        distances=distances,
        centre=stations_centre(snapshot.stations),
        changed=None
        if previous is None
        else sum(
            1 for station in snapshot.stations
            if _counts(previous_status.get(station.station_id)) != _counts(station.status)
        ),
    )  # fmt: skip


def _counts(status: StationStatus | None) -> tuple[object, ...] | None:
    """What a rider sees change in a status: the counts and the flags (not report times)."""
    if status is None:
        return None
    return (status.bikes, status.mechanical, status.electric, status.docks,
            status.is_installed, status.is_renting, status.is_returning)  # fmt: skip


def stations_centre(stations: Sequence[Station]) -> tuple[float, float] | None:
    """The median latitude and longitude of ``stations`` (``None`` if there are none)."""
    if not stations:
        return None
    lats = sorted(station.info.lat for station in stations)
    lons = sorted(station.info.lon for station in stations)
    return lats[len(lats) // 2], lons[len(lons) // 2]


def matching_positions(
    names: Sequence[str], words: Sequence[str], within: Iterable[int] | None = None
) -> list[int]:
    """Positions (feed order) whose folded name holds every word, scanning only
    ``within`` when given (a narrower query searches the last query's matches)."""
    candidates: Iterable[int] = range(len(names)) if within is None else within
    for word in words:
        candidates = [i for i in candidates if word in names[i]]
    return list(candidates)


def in_distance_order(data: ListingData, positions: Sequence[int]) -> Sequence[int]:
    """``positions`` nearest first (ties in feed order): a few are sorted, many are
    picked out of the prepared order, whichever is cheaper."""
    if len(positions) * 8 < len(data.order):
        distances = data.distances
        return sorted(positions, key=lambda p: (distances[p], p))
    wanted = set(positions)
    return [p for p in data.order if p in wanted]


class StationListing:
    """The shown snapshot and the rows, details and summaries derived from it."""

    def __init__(self, trends: TrendHistory | None = None) -> None:
        self.trends = trends if trends is not None else TrendHistory()
        self.data: ListingData | None = None
        #: The last name search (over which data, its words) and its matches, to narrow from.
        self._last_search: tuple[ListingData | None, tuple[str, ...], list[int]] = (None, (), [])
        self._positions_for: tuple[ListingData | None, dict[str, int]] = (None, {})

    @property
    def snapshot(self) -> Snapshot | None:
        return self.data.snapshot if self.data is not None else None

    @property
    def index(self) -> StationIndex | None:
        return self.data.index if self.data is not None else None

    @property
    def by_id(self) -> dict[str, Station]:
        return self.data.by_id if self.data is not None else {}

    def clear(self) -> None:
        """Nothing shown (another system is loading); trends reset on their own."""
        self.data = None

    def is_new(self, snapshot: Snapshot) -> bool:
        """Whether ``snapshot`` brings new numbers (the loader returns the very same
        station objects when nothing changed, e.g. on HTTP 304)."""
        shown = self.snapshot
        return shown is None or snapshot.stations is not shown.stations

    def prepare(self, snapshot: Snapshot, near: tuple[float, float] | None = None) -> ListingData:
        """:func:`prepare_listing` against what is shown now; also records the trends
        (safe off the UI thread: the history swaps whole entries)."""
        data = prepare_listing(snapshot, self.snapshot, near)
        self.trends.record(snapshot.gbfs_url, snapshot.stations)
        return data

    def apply(self, data: ListingData) -> None:
        """Show prepared data (on the UI thread: only assignments)."""
        self.data = data

    def load(self, snapshot: Snapshot) -> bool:
        """Show ``snapshot`` (prepared right here); True if it brings new numbers."""
        if not self.is_new(snapshot):
            if self.data is not None:
                self.data = replace(self.data, snapshot=snapshot)
            return False
        self.apply(self.prepare(snapshot))
        return True

    def changes(self, station: Station) -> dict[str, int]:
        """How the station's counts moved since the previous refresh."""
        previous = self.data.previous_status if self.data is not None else {}
        return count_changes(previous.get(station.station_id), station.status)

    def rows(
        self,
        near: tuple[float, float],
        mode: Mode,
        limit: int,
        favourite_ids: set[str],
        *,
        favourites_only: bool = False,
        name_query: str = "",
        watched_ids: set[str] | None = None,
    ) -> RowList | list[RowDisplay]:
        """The rows to list: the favourites (all of them) or the ``limit`` nearest, only
        names matching ``name_query``, ranked for ``mode``. Walks the prepared distance
        order, so its cost follows the rows listed, not the system's size."""
        data = self.data
        if data is None:
            return []
        if data.near != near:
            order, distances = data.index.order(*near)
            data = self.data = replace(data, near=near, order=order, distances=distances)
        order = data.order
        words = fold(name_query).split()
        if favourites_only or words:
            order = in_distance_order(
                data, self._candidates(data, favourites_only, favourite_ids, words)
            )
        if favourites_only:
            limit = len(favourite_ids)
        picks = pick_rows(order, data.reasons[mode], limit)
        return RowList(self, data, picks, mode, favourite_ids, watched_ids)

    def _candidates(
        self, data: ListingData, favourites_only: bool, favourite_ids: set[str], words: list[str]
    ) -> list[int]:
        """The positions a view and a name filter allow. Per keystroke this is one pass
        over the names in C-level ``in`` tests, or less: typing one more letter searches
        only the previous matches."""
        within: Iterable[int] | None = None
        if favourites_only:
            positions = self._positions(data)
            within = sorted(positions[i] for i in favourite_ids if i in positions)
        last_data, last_words, last_matches = self._last_search
        if (
            within is None
            and last_data is data
            and last_words
            and len(last_words) == len(words)
            and all(new.startswith(old) for old, new in zip(last_words, words, strict=True))
        ):
            within = last_matches  # the same words, each typed further: a narrower search
        if not words:
            return list(within or [])
        matches = matching_positions(data.folded_names, words, within)
        if not favourites_only:
            self._last_search = (data, tuple(words), matches)
        return matches

    def _positions(self, data: ListingData) -> dict[str, int]:
        """Station id -> position in feed order, built once per data."""
        if self._positions_for[0] is not data:
            stations = data.index.stations
            self._positions_for = (data, {s.station_id: i for i, s in enumerate(stations)})
        return self._positions_for[1]

    def row_display(
        self, data: ListingData, position: int, rank: int | None, mode: Mode
    ) -> RowDisplay:
        """One row: station ``position`` (feed order) of ``data``, ranked ``rank``."""
        station = data.index.stations[position]
        assert data.near is not None
        lat, lon = data.near
        bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
        ranked = RankedStation(
            station=station,
            distance_m=float(data.distances[position]),
            bearing_deg=bearing,
            bearing=compass_point(bearing),
        )
        row = ModeRow(ranked=ranked, rank=rank, useless=data.reasons[mode][position])
        age = report_age_s(station, data.snapshot)
        return RowDisplay(
            row=row,
            favourite=False,
            changes=count_changes(data.previous_status.get(station.station_id), station.status),
            report_age_s=age,
            report_stale=is_report_stale(age),
            trend=self.trends.trend(station.station_id, mode),
        )

    def details(
        self,
        station_id: str,
        near: tuple[float, float],
        favourite: bool,
        watch: str | None = None,
    ) -> StationDetails:
        """One station of the shown snapshot (``ranked`` None if it left the feed)."""
        assert self.snapshot is not None
        station = self.by_id.get(station_id)
        timezone = self.snapshot.system.timezone
        if station is None:
            return StationDetails(station_id, None, favourite, None, False, {}, watch, timezone)
        age = report_age_s(station, self.snapshot)
        return StationDetails(
            station_id=station_id,
            ranked=ranked_from(near, station),
            favourite=favourite,
            report_age_s=age,
            report_stale=is_report_stale(age),
            changes=self.changes(station),
            watch=watch,
            timezone=timezone,
        )

    def other_favourites(
        self, here: Iterable[Favourite], everywhere: Iterable[Favourite]
    ) -> OtherFavourites:
        """Of the favourites, those of this system missing from its feed (``here``) and
        those of other systems (among ``everywhere``)."""
        assert self.snapshot is not None
        gbfs_url = favourites_url(self.snapshot.gbfs_url)
        others = OtherFavourites(missing=[f for f in here if f.station_id not in self.by_id])
        for favourite in everywhere:
            if favourites_url(favourite.gbfs_url) != gbfs_url:
                system = favourite.system_name or favourite.system_id or favourite.gbfs_url
                others.by_system.setdefault(system, []).append(favourite)
        return others

    def detail_line(
        self,
        displayed: Sequence[RowDisplay],
        mode: Mode,
        name_query: str,
        refresh_s: float | None,
    ) -> str:
        """The header's quiet line: station counts, the filter, skipped records, cadence
        (``refresh_s`` None: data that never changes, such as the demo's)."""
        snapshot = self.snapshot
        if snapshot is None:
            return ""
        if isinstance(displayed, RowList):
            useful = displayed.useful_count
        else:
            useful = sum(1 for d in displayed if d.row.useless is None)
        parts = [
            f"{len(snapshot.stations)} stations",
            f"{useful} of {len(displayed)} listed have {mode.wanted}",
        ]
        if name_query.strip():
            parts.append(f"filter: {clean(name_query, 40)}")
        if snapshot.report.problems:
            parts.append(f"{snapshot.report.problems} feed records skipped")
        if refresh_s is not None:
            parts.append(f"refresh every {refresh_s:.0f} s")
        else:
            parts.append("bundled snapshot, never refreshed")
        return " · ".join(parts)


# ---------------------------------------------------------------------------------
# The mixed list (issue 11): stations and free-floating vehicles of several systems.


#: Rows prepared per mode for the mixed list (more when the list grows): the name filter
#: and the favourites view pick from these, so a keystroke never ranks a whole city.
MIXED_ROWS = 300


def station_key(gbfs_url: str, station_id: str) -> str:
    """A mixed-list row key for a station: stations of two systems may share ids."""
    return f"s\x1f{gbfs_url}\x1f{station_id}"


def nearby_key(row: NearbyRow) -> str:
    """The table key of a mixed row (a vehicle's id rotates: its key is not kept)."""
    if row.station is not None:
        return station_key(row.system.gbfs_url, row.station.station_id)
    assert row.vehicle is not None
    return f"v\x1f{row.system.gbfs_url}\x1f{row.vehicle.vehicle_id}"


@dataclass(frozen=True, slots=True)
class MixedDisplay:
    """What one row of the mixed list shows (a station or a vehicle, with its system)."""

    nearby: NearbyRow
    key: str
    favourite: bool = False
    watched: bool = False
    changes: dict[str, int] = field(default_factory=dict)
    report_age_s: float | None = None
    report_stale: bool = False

    @property
    def is_station(self) -> bool:
        return self.nearby.station is not None


@dataclass(frozen=True, slots=True)
class MixedData:
    """What the mixed list derives from the systems' snapshots, computed once per data
    change off the UI thread: the scene, each mode's nearest rows, look-ups by key."""

    scene: Scene
    near: tuple[float, float]
    limit: int
    rows: dict[Mode, list[NearbyRow]]
    #: ``gbfs_url -> station_id -> station`` (favourites and details look stations up).
    stations: dict[str, dict[str, Station]]
    #: ``gbfs_url -> station_id -> active alerts naming it``.
    station_alerts: dict[str, dict[str, tuple[SystemAlert, ...]]]
    #: Active system-wide alerts, per system.
    system_alerts: list[tuple[SceneSystem, SystemAlert]]
    #: Every active alert (station and system-wide), for the header's count.
    alert_count: int
    station_count: int
    vehicle_count: int
    previous_status: dict[str, StationStatus | None] = field(default_factory=dict)
    #: Whether any system has vehicles the selection offers.
    has_vehicles: bool = False
    #: The pace of the rows' walking times (config.toml's ``walking_speed_kmh``).
    walking_speed_kmh: float = WALKING_SPEED_KMH

    @property
    def systems(self) -> list[SceneSystem]:
        return [index.system for index in self.scene.indexes]

    def snapshot_of(self, gbfs_url: str) -> Snapshot | None:
        for index in self.scene.indexes:
            if index.system.gbfs_url == gbfs_url:
                return index.snapshot
        return None


def prepare_mixed(
    systems: Sequence[tuple[SceneSystem, Snapshot]],
    previous: MixedData | None,
    near: tuple[float, float],
    limit: int,
    selection: VehicleSelection,
    now: datetime,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> MixedData:
    """Everything the mixed list needs from ``systems`` (in scene order), reusing the
    previous data's indexes of unchanged snapshots. Pure, possibly slow: run it on a
    thread, once per data change (or point, or a list grown past ``limit``)."""
    kept = {index.system.gbfs_url: index for index in previous.scene.indexes} if previous else {}
    indexes: list[SystemIndex] = []
    for system, snapshot in systems:
        index = kept.get(system.gbfs_url)
        if index is None or index.snapshot is not snapshot or index.selection is not selection:
            index = SystemIndex(system, snapshot, selection)
        indexes.append(index)
    scene = Scene(indexes)
    rows = {
        mode: scene.nearest(near, mode, limit, now=now, walking_speed_kmh=walking_speed_kmh)
        for mode in Mode
    }
    stations: dict[str, dict[str, Station]] = {}
    station_alerts: dict[str, dict[str, tuple[SystemAlert, ...]]] = {}
    alert_count = 0
    previous_status: dict[str, StationStatus | None] = {}
    for system, snapshot in systems:
        stations[system.gbfs_url] = {s.station_id: s for s in snapshot.stations}
        active = alerts_module.active_alerts(snapshot.alerts, now)
        alert_count += len(active)
        by_id = {alert.alert_id: alert for alert in active}
        station_alerts[system.gbfs_url] = {
            station_id: tuple(by_id[i] for i in ids)
            for station_id, ids in alerts_module.alerts_by_station(active).items()
        }
    if previous is not None:
        for index in previous.scene.indexes:
            url = index.system.gbfs_url
            for station in index.snapshot.stations:
                previous_status[station_key(url, station.station_id)] = station.status
    return MixedData(
        scene=scene,
        near=near,
        limit=limit,
        rows=rows,
        stations=stations,
        station_alerts=station_alerts,
        system_alerts=scene.system_alerts(now),
        alert_count=alert_count,
        station_count=sum(len(snapshot.stations) for _, snapshot in systems),
        vehicle_count=sum(len(index.vehicles_for(Mode.ANY_BIKE)) for index in indexes),
        previous_status=previous_status,
        has_vehicles=any(index.vehicles_for(Mode.ANY_BIKE) for index in indexes),
        walking_speed_kmh=walking_speed_kmh,
    )


def favourite_row(data: MixedData, system: SceneSystem, station: Station, mode: Mode) -> NearbyRow:
    """One favourite station as a mixed row (its distance from the data's point); the
    favourites view builds only these, one per favourite."""
    lat, lon = data.near
    info = station.info
    distance = haversine_m(lat, lon, info.lat, info.lon)
    bearing = initial_bearing_deg(lat, lon, info.lat, info.lon)
    return NearbyRow(
        kind=STATION,
        system=system,
        lat=info.lat,
        lon=info.lon,
        distance_m=distance,
        bearing_deg=bearing,
        bearing=compass_point(bearing),
        walk_s=walking_seconds(distance, data.walking_speed_kmh),
        rank=None,
        useless=useless_reason(station, mode),
        station=station,
        alerts=data.station_alerts.get(system.gbfs_url, {}).get(station.station_id, ()),
    )


def mixed_rows(
    data: MixedData,
    mode: Mode,
    limit: int,
    favourite_keys: set[str],
    *,
    favourites_only: bool = False,
    name_query: str = "",
    watched_keys: set[str] | None = None,
) -> list[MixedDisplay]:
    """The mixed list for a view, filter and mode: picked from the prepared rows (or
    built for the favourites), so its cost follows the rows listed. The name filter
    matches a station's or vehicle's name and its system's name."""
    watched_keys = watched_keys or set()
    if favourites_only:
        candidates: list[NearbyRow] = []
        systems = {system.gbfs_url: system for system in data.systems}
        for url, by_id in data.stations.items():
            for key in favourite_keys:
                prefix = station_key(url, "")
                if key.startswith(prefix):
                    station = by_id.get(key[len(prefix) :])
                    if station is not None:
                        candidates.append(favourite_row(data, systems[url], station, mode))
        candidates.sort(key=lambda row: row.distance_m)
        limit = max(1, len(candidates))
    else:
        candidates = data.rows[mode]
    words = fold(name_query).split()
    picked: list[MixedDisplay] = []
    rule = ListLimit(limit)
    for row in candidates:
        if words:
            folded = fold(f"{row.label} {row.system.name}")
            if not all(word in folded for word in words):
                continue
        listed, rank = rule.take(row.useless is None)
        if listed:
            key = nearby_key(row)
            if row.rank != rank:
                row = replace(row, rank=rank)
            picked.append(_mixed_display(data, row, key, key in favourite_keys,
                                         key in watched_keys))  # fmt: skip
        if rule.full:
            break
    return picked


def _mixed_display(
    data: MixedData, row: NearbyRow, key: str, favourite: bool, watched: bool
) -> MixedDisplay:
    station = row.station
    if station is None:
        return MixedDisplay(row, key, favourite, watched)
    snapshot = data.snapshot_of(row.system.gbfs_url)
    age = report_age_s(station, snapshot) if snapshot is not None else None
    changes = (
        count_changes(data.previous_status.get(key), station.status)
        if key in data.previous_status
        else {}
    )
    return MixedDisplay(row, key, favourite, watched, changes, age, is_report_stale(age))


def find_mixed_row(data: MixedData, key: str, mode: Mode) -> NearbyRow | None:
    """The row of ``key`` in the current data: a station (wherever it is), or a vehicle
    still among the prepared rows (``None`` once gone)."""
    parts = key.split("\x1f")
    if len(parts) != 3:
        return None
    kind, url, item_id = parts
    systems = {system.gbfs_url: system for system in data.systems}
    if kind == "s":
        station = data.stations.get(url, {}).get(item_id)
        if station is None or url not in systems:
            return None
        return favourite_row(data, systems[url], station, mode)
    for rows in (data.rows[mode], *data.rows.values()):
        for row in rows:
            if row.vehicle is not None and nearby_key(row) == key:
                return row
    return None


def mixed_detail_line(
    data: MixedData,
    displayed: Sequence[MixedDisplay],
    mode: Mode,
    name_query: str,
    refresh_s: float | None,
) -> str:
    """The header's quiet line for the mixed list: systems, stations and vehicles, the
    options listed, active alerts, the filter, the cadence."""
    useful = sum(1 for d in displayed if d.nearby.useless is None)
    systems = len(data.scene.indexes)
    parts = [f"{systems} system{'s' * (systems != 1)}", f"{data.station_count} stations"]
    if data.vehicle_count:
        parts.append(f"{data.vehicle_count} vehicles")
    parts.append(f"{useful} of {len(displayed)} listed have {mode.wanted}")
    if data.alert_count:
        parts.append(f"⚠ {data.alert_count} alert{'s' * (data.alert_count != 1)}")
    if name_query.strip():
        parts.append(f"filter: {clean(name_query, 40)}")
    if refresh_s is not None:
        parts.append(f"refresh every {refresh_s:.0f} s")
    return " · ".join(parts)
