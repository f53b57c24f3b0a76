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

from bikefinder.core.demo import DEMO_GBFS_URL, DEMO_LIVE_GBFS_URL
from bikefinder.core.favourites import Favourite
from bikefinder.core.models import RankedStation, Snapshot, Station, StationStatus
from bikefinder.core.modes import (
    Mode,
    ModeRow,
    count_changes,
    fold,
    is_report_stale,
    mode_reasons,
    pick_rows,
    report_age_s,
)
from bikefinder.core.ranking import StationIndex, compass_point, haversine_m, initial_bearing_deg
from bikefinder.core.text import clean
from bikefinder.core.trends import Trend, TrendHistory

#: A point whose nearest station is further than this is outside the system.
FAR_FROM_POINT_M = 50_000.0


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


@dataclass(frozen=True, slots=True)
class OtherFavourites:
    """The favourites the favourites view cannot list: gone from this feed, or of other
    systems (grouped by system name, in the order first met)."""

    missing: list[Favourite] = field(default_factory=list)
    by_system: dict[str, list[Favourite]] = field(default_factory=dict)


def ranked_from(near: tuple[float, float], station: Station) -> RankedStation:
    """``station`` with its distance and direction from ``near``."""
    lat, lon = near
    bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
    return RankedStation(
        station=station,
        distance_m=haversine_m(lat, lon, station.info.lat, station.info.lon),
        bearing_deg=bearing,
        bearing=compass_point(bearing),
    )


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
