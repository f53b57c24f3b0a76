"""What the station list shows, as plain data: the app's view model.

:class:`StationListing` holds the shown snapshot and what the list derives from it (the
spatial index, stations by id, the numbers shown before the last refresh, the trends).
It builds the rows for a view (all stations or the favourites), a name filter and a
mode, with change markers, trends and report ages; one station's details; and the
favourites that are not in the list. No Textual: the widgets only render the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bikefinder.core.favourites import Favourite
from bikefinder.core.models import RankedStation, Snapshot, Station, StationStatus
from bikefinder.core.modes import (
    Mode,
    ModeRow,
    count_changes,
    id_mask,
    is_report_stale,
    name_mask,
    rank_for_mode,
    report_age_s,
)
from bikefinder.core.ranking import StationIndex, compass_point, haversine_m, initial_bearing_deg
from bikefinder.core.text import clean
from bikefinder.core.trends import Trend, TrendHistory


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


@dataclass(frozen=True, slots=True)
class StationDetails:
    """What the details screen shows; ``ranked`` is ``None`` once the station left the feed."""

    station_id: str
    ranked: RankedStation | None
    favourite: bool
    report_age_s: float | None
    report_stale: bool
    changes: dict[str, int]


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


def new_favourite(snapshot: Snapshot, station: Station, now: datetime) -> Favourite:
    """``station`` of ``snapshot``'s system as a new favourite, added ``now`` (stored to
    the second, UTC written with ``Z``)."""
    return Favourite(
        gbfs_url=snapshot.gbfs_url,
        system_id=snapshot.system.system_id,
        system_name=snapshot.system.name,
        station_id=station.station_id,
        name=station.info.name,
        added_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
    )


class StationListing:
    """The shown snapshot and the rows, details and summaries derived from it."""

    def __init__(self, trends: TrendHistory | None = None) -> None:
        self.trends = trends if trends is not None else TrendHistory()
        self.snapshot: Snapshot | None = None
        self.index: StationIndex | None = None
        self.by_id: dict[str, Station] = {}
        self._previous_status: dict[str, StationStatus | None] = {}

    def clear(self) -> None:
        """Nothing shown (another system is loading); trends reset on their own."""
        self.snapshot, self.index, self.by_id, self._previous_status = None, None, {}, {}

    def load(self, snapshot: Snapshot) -> bool:
        """Show ``snapshot``; True if it brings new numbers.

        The loader returns the very same station objects when nothing changed (e.g. on
        HTTP 304); otherwise change markers compare with the data shown until now."""
        previous = self.snapshot
        self.snapshot = snapshot
        if previous is not None and snapshot.stations is previous.stations:
            return False
        if previous is not None:
            self._previous_status = {s.station_id: s.status for s in previous.stations}
        self.index = StationIndex(snapshot.stations)
        self.by_id = {station.station_id: station for station in snapshot.stations}
        self.trends.record(snapshot.gbfs_url, snapshot.stations)
        return True

    def changes(self, station: Station) -> dict[str, int]:
        """How the station's counts moved since the previous refresh."""
        return count_changes(self._previous_status.get(station.station_id), station.status)

    def rows(
        self,
        near: tuple[float, float],
        mode: Mode,
        limit: int,
        favourite_ids: set[str],
        *,
        favourites_only: bool = False,
        name_query: str = "",
    ) -> list[RowDisplay]:
        """The rows to list: the favourites (all of them) or the ``limit`` nearest, only
        names matching ``name_query``, ranked for ``mode``."""
        snapshot, index = self.snapshot, self.index
        if snapshot is None or index is None:
            return []
        keep: list[bool] | None = None
        if favourites_only:
            keep = id_mask(index.stations, favourite_ids)
            limit = len(favourite_ids)
        if name_query.strip():
            names = name_mask(index.stations, name_query)
            keep = names if keep is None else [a and b for a, b in zip(keep, names, strict=True)]
        rows = rank_for_mode(index, near, mode, limit, keep)
        return [self._row_display(snapshot, row, mode, favourite_ids) for row in rows]

    def _row_display(
        self, snapshot: Snapshot, row: ModeRow, mode: Mode, favourite_ids: set[str]
    ) -> RowDisplay:
        station = row.station
        age = report_age_s(station, snapshot)
        return RowDisplay(
            row=row,
            favourite=station.station_id in favourite_ids,
            changes=self.changes(station),
            report_age_s=age,
            report_stale=is_report_stale(age),
            trend=self.trends.trend(station.station_id, mode),
        )

    def details(
        self, station_id: str, near: tuple[float, float], favourite: bool
    ) -> StationDetails:
        """One station of the shown snapshot (``ranked`` None if it left the feed)."""
        assert self.snapshot is not None
        station = self.by_id.get(station_id)
        if station is None:
            return StationDetails(station_id, None, favourite, None, False, {})
        age = report_age_s(station, self.snapshot)
        return StationDetails(
            station_id=station_id,
            ranked=ranked_from(near, station),
            favourite=favourite,
            report_age_s=age,
            report_stale=is_report_stale(age),
            changes=self.changes(station),
        )

    def other_favourites(
        self, here: Iterable[Favourite], everywhere: Iterable[Favourite]
    ) -> OtherFavourites:
        """Of the favourites, those of this system missing from its feed (``here``) and
        those of other systems (among ``everywhere``)."""
        assert self.snapshot is not None
        gbfs_url = self.snapshot.gbfs_url
        others = OtherFavourites(missing=[f for f in here if f.station_id not in self.by_id])
        for favourite in everywhere:
            if favourite.gbfs_url != gbfs_url:
                system = favourite.system_name or favourite.system_id or favourite.gbfs_url
                others.by_system.setdefault(system, []).append(favourite)
        return others

    def detail_line(
        self, displayed: Sequence[RowDisplay], mode: Mode, name_query: str, refresh_s: float
    ) -> str:
        """The header's quiet line: station counts, the filter, skipped records, cadence."""
        snapshot = self.snapshot
        if snapshot is None:
            return ""
        useful = sum(1 for d in displayed if d.row.useless is None)
        parts = [
            f"{len(snapshot.stations)} stations",
            f"{useful} of {len(displayed)} listed have {mode.wanted}",
        ]
        if name_query.strip():
            parts.append(f"filter: {clean(name_query, 40)}")
        if snapshot.report.problems:
            parts.append(f"{snapshot.report.problems} feed records skipped")
        parts.append(f"refresh every {refresh_s:.0f} s")
        return " · ".join(parts)
