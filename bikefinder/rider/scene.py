"""Everything the loaded systems offer around a point, and the one way to list it.

Pure: no I/O, no UI. A :class:`Scene` holds one :class:`SystemIndex` per system with
data (built once per snapshot, off the UI thread if need be) and the systems that have
none (with why). :meth:`Scene.rows` answers a :class:`Query` (point, mode, minimum,
limit, name filter, favourites only) with :class:`~bikefinder.rider.rows.Row` s; every
front end asks it, so one system and eight, the app and every printed format, get the
same rows. The rules:

* **Mode** (:class:`~bikefinder.rider.modes.Mode`): any bike lists stations and the
  vehicles ``--vehicles`` selects; e-bike lists stations (ranked on their e-bikes) and
  electric vehicles only (a vehicle whose propulsion is unknown is not an e-bike);
  free dock lists stations only.
* **An option** is a row that can serve the mode now. A station is none when its state
  blocks the mode, when it has none of what the mode wants, when its opening hours (its
  own, else the system's) close it, or when it has fewer than the query's ``minimum``;
  a vehicle is none when its system is closed or the minimum is above one. The row says
  why (:attr:`Row.reason`).
* **The limit**: a row is listed when it is among the ``limit`` nearest rows, or among
  the ``limit`` nearest options (so at most ``2 * limit`` rows); options are ranked
  1, 2, ... by distance. The favourites view lists every favourite.
* **Vehicles**: only offered ones (not reserved, not disabled), of the forms the
  :class:`~bikefinder.feeds.vehicles.VehicleSelection` lists; vehicles parked at a
  station are not rows (the loader counts them with their station).

Per call, distances are computed once per source and point (vectorised for large
ones), and only as many candidates are ordered and turned into rows as the list needs:
the cost follows the rows asked for, not the 30,000 vehicles of a big city.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from bikefinder.common.geo import compass_point, haversine_m, initial_bearing_deg
from bikefinder.common.text import clean, fold
from bikefinder.common.units import Units
from bikefinder.feeds import opening_status, vehicles
from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.changes import count_changes
from bikefinder.rider.mode_rows import DEFAULT_LIMIT, ListLimit
from bikefinder.rider.modes import Mode, StationState, blocks, station_state, wanted_count
from bikefinder.rider.prices import PriceBook
from bikefinder.rider.reasons import Reason, ReasonKind, hours_reason, reason_text
from bikefinder.rider.rows import Kind, Row, RowKey, SceneSystem
from bikefinder.rider.staleness import is_report_stale, report_age_s
from bikefinder.rider.system_index import MAX_AREA_SPAN_M, SystemIndex, stream
from bikefinder.rider.text_formats import vehicle_range_text
from bikefinder.rider.trends import TrendHistory
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_seconds

if TYPE_CHECKING:
    # Alerts are read only where a system has them (see _active_alerts).
    from bikefinder.feeds.system_alerts import SystemAlert

#: Closer than this, a row is where the rider is: no compass direction.
HERE_M = 1.0
#: Why a favourite has no numbers.
NOT_IN_FEED = "not in feed"
MISSING_STATION = "station is no longer in the system's feeds"
NO_STATUS = "no status"
#: Why a vehicle other than a bicycle is no option in a bike mode.
NOT_A_BIKE = "not a bike"


class Query(msgspec.Struct, frozen=True):
    """What the rider asks of a scene.

    ``near`` is where distances are measured from (``None``: nowhere, allowed only for
    the favourites view). ``favourites`` maps each saved station's key to its saved
    name, in the rider's order; ``favourites_only`` lists just those (every one of them,
    also those whose system or station has no live data). ``watched`` are the keys with
    a watch."""

    near: tuple[float, float] | None
    mode: Mode = Mode.ANY_BIKE
    minimum: int | None = None
    limit: int = DEFAULT_LIMIT
    name_query: str = ""
    favourites_only: bool = False
    favourites: Mapping[RowKey, str] = msgspec.field(default_factory=dict)
    watched: frozenset[RowKey] = frozenset()
    #: The units the rows' distances are written in: one for the whole list.
    units: Units = Units.METRIC


class Openings:
    """Whether a system and each of its stations are open at ``now``: a station's own
    hours, else the system's; each station's evaluated once, when first asked."""

    __slots__ = ("_known", "now", "snapshot", "system_open", "timezone")

    def __init__(self, snapshot: Snapshot, now: datetime) -> None:
        self.snapshot, self.now = snapshot, now
        self.timezone = opening_status.zone(snapshot.system.timezone)
        self.system_open = opening_status.opening_status(snapshot.hours, now, self.timezone)
        self._known: dict[str, opening_status.OpeningStatus] = {}

    def station(self, station_id: str) -> opening_status.OpeningStatus:
        hours = self.snapshot.station_hours.get(station_id)
        if hours is None:
            return self.system_open
        known = self._known.get(station_id)
        if known is None:
            known = opening_status.opening_status(hours, self.now, self.timezone)
            self._known[station_id] = known
        return known


class _Context(msgspec.Struct, frozen=True):
    """What one call knows about one system: the moment's alerts, hours and prices."""

    index: SystemIndex
    alerts_by_station: Mapping[str, tuple[str, ...]]
    alerts: Mapping[str, SystemAlert]
    openings: Openings
    now: datetime
    prices: PriceBook

    @property
    def system_open(self) -> opening_status.OpeningStatus:
        return self.openings.system_open


class _Call(msgspec.Struct, frozen=True):
    """One :meth:`Scene.rows` call: the query and how rows are measured and decorated."""

    query: Query
    now: datetime
    walking_speed_kmh: float
    low_range_m: float
    trends: Mapping[str, TrendHistory]
    several: bool


#: One candidate row: (distance, reason, build(rank) -> Row).
_Candidate = tuple[float, str | None, Callable[[int | None], Row]]


class Scene:
    """Several systems' snapshots, listed together (see the module docs)."""

    def __init__(
        self,
        indexes: Sequence[SystemIndex] = (),
        failed: Sequence[tuple[SceneSystem, str]] = (),
    ) -> None:
        self.indexes: tuple[SystemIndex, ...] = tuple(indexes)
        #: Systems with no data at all, and why.
        self.failed: tuple[tuple[SceneSystem, str], ...] = tuple(failed)
        self._by_key = {index.system.key: index for index in self.indexes}

    @classmethod
    def build(
        cls,
        systems: Sequence[tuple[SceneSystem, Snapshot | None, str | None]],
        selection: vehicles.VehicleSelection = vehicles.VehicleSelection.BIKES,
        previous: Scene | None = None,
    ) -> Scene:
        """A scene of ``systems`` (system, its snapshot or ``None``, why none), in order.
        Indexes of ``previous`` whose snapshot is unchanged are reused; a changed one
        remembers the previous statuses (what changed). Possibly slow: off the UI thread."""
        kept = {index.system.key: index for index in previous.indexes} if previous else {}
        indexes: list[SystemIndex] = []
        failed: list[tuple[SceneSystem, str]] = []
        for system, snapshot, error in systems:
            if snapshot is None:
                failed.append((system, error or "no data"))
                continue
            old = kept.get(system.key)
            if old is not None and old.snapshot is snapshot and old.selection is selection:
                if old.system != system:
                    old.system = system
                indexes.append(old)
                continue
            before = old.snapshot if old is not None else None
            index = SystemIndex(system, snapshot, selection, before, old)
            if old is not None and old.snapshot.stations is snapshot.stations:
                index.previous = old.previous  # the same numbers: keep the change marks

            indexes.append(index)
        return cls(indexes, failed)

    def warm(self) -> None:
        """Fold every station name for the name filter now (100,000 names take ~0.2 s):
        the app does it on its data thread after showing a new scene, so the first
        keystroke of a filter does not."""
        for index in self.indexes:
            index.folded_names(0, False)

    # -- what the scene holds --------------------------------------------------------

    @property
    def systems(self) -> list[SceneSystem]:
        """Every system of the scene, those with data first."""
        return [index.system for index in self.indexes] + [system for system, _ in self.failed]

    def index(self, system_key: str) -> SystemIndex | None:
        return self._by_key.get(system_key)

    def station(self, key: RowKey) -> tuple[SystemIndex, Station] | None:
        """The station of ``key`` and its system's index (``None``: gone, or a vehicle)."""
        if key.kind is not Kind.STATION:
            return None
        index = self._by_key.get(key.system)
        station = index.station(key.item_id) if index is not None else None
        return None if index is None or station is None else (index, station)

    def system_for_url(self, gbfs_url: str) -> SceneSystem | None:
        for system in self.systems:
            if system.gbfs_url == gbfs_url:
                return system
        return None

    @property
    def station_count(self) -> int:
        return sum(len(index.snapshot.stations) for index in self.indexes)

    @property
    def vehicle_count(self) -> int:
        """The offered vehicles of the selection, every system."""
        return sum(index.offered_count for index in self.indexes)

    def left_out(self) -> list[str]:
        """What the lists leave out, one note per system that has any: a system
        without bicycles in a bike view, parking zones, areas too wide to walk to."""
        notes: list[str] = []
        for index in self.indexes:
            name = clean(index.system.name, 60) or index.system.key
            if index.no_bicycles and index.selection is not vehicles.VehicleSelection.ALL:
                notes.append(
                    f"{name} has no bicycles ({index.others_what}s): not listed "
                    "(--vehicles all lists it)"
                )
                continue
            parts = []
            if index.zones:
                parts.append(f"{index.zones} parking zone{'s' * (index.zones != 1)}")
            if index.areas:
                parts.append(
                    f"{index.areas} area{'s' * (index.areas != 1)} wider than "
                    f"{MAX_AREA_SPAN_M / 1000:.0f} km"
                )
            if parts:
                notes.append(f"{name}: {' and '.join(parts)} not listed as stations")
        return notes

    def active_alerts(self, now: datetime) -> list[tuple[SceneSystem, SystemAlert]]:
        """Every active alert (about stations or whole systems), per system in order."""
        return [
            (index.system, alert)
            for index in self.indexes
            for alert in _active_alerts(index.snapshot.alerts, now)
        ]

    def system_alerts(self, now: datetime | None = None) -> list[tuple[SceneSystem, SystemAlert]]:
        """Active alerts about a whole system, per system in scene order."""
        moment = now or datetime.now(UTC)
        return [
            (system, alert) for system, alert in self.active_alerts(moment) if alert.system_wide
        ]

    # -- listing ---------------------------------------------------------------------

    def rows(
        self,
        query: Query,
        *,
        now: datetime | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
        low_range_m: float = vehicles.LOW_RANGE_M,
        trends: Mapping[str, TrendHistory] | None = None,
    ) -> list[Row]:
        """The rows that answer ``query``, nearest first (ties in scene, then feed
        order; without a point, in the favourites' order). ``trends``: each system's
        history, by system key."""
        if query.limit < 1:
            return []
        call = _Call(query, now or datetime.now(UTC), walking_speed_kmh, low_range_m,
                     trends or {}, len(self.systems) > 1)  # fmt: skip
        contexts = {index.system.key: self._context(index, call.now) for index in self.indexes}
        if query.favourites_only:
            candidates: Iterable[_Candidate] = self._favourite_candidates(call, contexts)
            limit = max(1, len(query.favourites))
        else:
            if query.near is None:
                raise ValueError("a list of every row needs a point to measure from")
            candidates = self._nearest_candidates(call, contexts)
            limit = query.limit
        rows: list[Row] = []
        rule = ListLimit(limit)
        for _distance, reason, build in candidates:
            listed, rank = rule.take(reason is None)
            if listed:
                rows.append(build(rank))
            if rule.full:
                break
        return rows

    def row(
        self,
        key: RowKey,
        query: Query,
        *,
        now: datetime | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
        trends: Mapping[str, TrendHistory] | None = None,
    ) -> Row | None:
        """The row of ``key`` now, wherever it is in the list (``None``: it left the
        feed; a vehicle whose id rotated has left it too). Unranked."""
        index = self._by_key.get(key.system)
        if index is None:
            return None
        call = _Call(query, now or datetime.now(UTC), walking_speed_kmh, vehicles.LOW_RANGE_M,
                     trends or {}, len(self.systems) > 1)  # fmt: skip
        context = self._context(index, call.now)
        if key.kind is Kind.STATION:
            station = index.station(key.item_id)
            if station is None:
                return None
            distance = _distance(query.near, station.info.lat, station.info.lon)
            _reason, build = _station_candidate(call, context, station, distance)
            return build(None)
        for vehicle in index.vehicles_for(Mode.ANY_BIKE) or index.vehicles_for(query.mode):
            if vehicle.vehicle_id == key.item_id:
                assert vehicle.lat is not None and vehicle.lon is not None
                distance = _distance(query.near, vehicle.lat, vehicle.lon)
                _reason, build = _vehicle_candidate(call, context, vehicle, distance)
                return build(None)
        return None

    def _nearest_candidates(
        self, call: _Call, contexts: Mapping[str, _Context]
    ) -> Iterator[_Candidate]:
        query = call.query
        assert query.near is not None
        mode = query.mode
        electric_only = mode is Mode.EBIKE
        words = fold(query.name_query).split()
        streams: list[Iterator[tuple[float, int, int, int]]] = []
        for number, index in enumerate(self.indexes):
            system_name = fold(index.system.name) if call.several else ""
            for source in (0, 1):
                if source == 0 and len(index.hidden) == len(index.snapshot.stations):
                    continue
                if source == 1 and not index.vehicles_for(mode):
                    continue
                if words and not all(word in system_name for word in words):
                    matches = index.nearest_matching(
                        source, electric_only, words, system_name, query.near, number
                    )
                    streams.append(matches)
                else:
                    distances = index.distances(source, electric_only, query.near)
                    streams.append(stream(distances, number, source, None))
        for distance, number, source, position in heapq.merge(*streams):
            index = self.indexes[number]
            context = contexts[index.system.key]
            if source == 0:
                if position in index.hidden:
                    continue
                station = index.snapshot.stations[position]
                reason, build = _station_candidate(call, context, station, distance)
            else:
                vehicle = index.vehicles_for(mode)[position]
                reason, build = _vehicle_candidate(call, context, vehicle, distance)
            yield distance, reason, build

    def _favourite_candidates(
        self, call: _Call, contexts: Mapping[str, _Context]
    ) -> list[_Candidate]:
        query = call.query
        words = fold(query.name_query).split()
        failed = {system.key: (system, error) for system, error in self.failed}
        found: list[tuple[float, int, _Candidate]] = []
        for order, (key, saved_name) in enumerate(query.favourites.items()):
            index = self._by_key.get(key.system)
            station = index.station(key.item_id) if index is not None else None
            name = station.info.name if station is not None else saved_name
            if words and not all(word in fold(name) for word in words):
                continue
            if index is not None and station is not None:
                distance = _distance(query.near, station.info.lat, station.info.lon)
                reason, build = _station_candidate(call, contexts[key.system], station, distance)
                found.append((math.inf if distance is None else distance, order,
                              (distance or 0.0, reason, build)))  # fmt: skip
                continue
            if index is not None:
                system, error, reason = index.system, MISSING_STATION, NOT_IN_FEED
            elif key.system in failed:
                system, error = failed[key.system]
                reason = NO_STATUS
            else:
                continue
            build = _absent_row(call, key, system, saved_name, reason, error)
            found.append((math.inf, order, (0.0, reason, build)))
        if query.near is not None:
            found.sort(key=lambda item: (item[0], item[1]))
        return [candidate for _, _, candidate in found]

    def _context(self, index: SystemIndex, now: datetime) -> _Context:
        snapshot = index.snapshot
        active = _active_alerts(snapshot.alerts, now)
        return _Context(
            index=index,
            alerts_by_station=_alerts_by_station(active),
            alerts={alert.alert_id: alert for alert in active},
            openings=Openings(snapshot, now),
            now=now,
            prices=PriceBook(snapshot.pricing, snapshot.vehicle_types),
        )


def _active_alerts(alerts: Sequence[SystemAlert], now: datetime) -> tuple[SystemAlert, ...]:
    """The alerts in effect at ``now``; the module that reads alerts is imported only
    when a system has some (most have none: a printed answer need not load it)."""
    if not alerts:
        return ()
    from bikefinder.feeds import system_alerts

    return system_alerts.active_alerts(alerts, now)


def _alerts_by_station(active: Sequence[SystemAlert]) -> dict[str, tuple[str, ...]]:
    """``station_id -> alert ids`` of the active alerts (imported only if there are some)."""
    if not active:
        return {}
    from bikefinder.feeds import system_alerts

    return system_alerts.alerts_by_station(active)


def _distance(near: tuple[float, float] | None, lat: float, lon: float) -> float | None:
    if near is None:
        return None
    return haversine_m(near[0], near[1], lat, lon)


def _where(
    near: tuple[float, float] | None, lat: float, lon: float, distance: float | None, speed: float
) -> dict[str, Any]:
    """A row's position fields from ``near`` (all unknown without a point)."""
    if near is None or distance is None:
        return {"distance_m": None, "bearing_deg": None, "bearing": "", "walk_s": None}
    if distance < HERE_M:  # right here: no direction to walk in
        walk = walking_seconds(distance, speed)
        return {"distance_m": distance, "bearing_deg": None, "bearing": "", "walk_s": walk}
    bearing = initial_bearing_deg(near[0], near[1], lat, lon)
    return {
        "distance_m": distance,
        "bearing_deg": bearing,
        "bearing": compass_point(bearing),
        "walk_s": walking_seconds(distance, speed),
    }


def station_why(
    station: Station, mode: Mode, minimum: int | None, opening: opening_status.OpeningStatus,
    now: datetime,
) -> Reason | None:  # fmt: skip
    """Why ``station`` is no option (state, counts, hours, the minimum), else ``None``."""
    if opening.is_open is False:
        return hours_reason(opening, now, mode)
    status = station.status
    state = station_state(status)
    if blocks(state, mode):
        return Reason(ReasonKind.STATE, mode, state=state)
    count = wanted_count(status, mode)
    if count is None:
        return Reason(ReasonKind.UNKNOWN, mode)
    if count == 0:
        return Reason(ReasonKind.NONE, mode)
    if minimum is not None and minimum > 1 and count < minimum:
        return Reason(ReasonKind.ONLY, mode, count=count)
    return None


def station_reason(
    station: Station, mode: Mode, minimum: int | None, opening: opening_status.OpeningStatus,
    now: datetime,
) -> str | None:  # fmt: skip
    """:func:`station_why` in English."""
    why = station_why(station, mode, minimum, opening, now)
    return None if why is None else reason_text(why)


def _station_candidate(
    call: _Call, context: _Context, station: Station, distance: float | None
) -> tuple[str | None, Callable[[int | None], Row]]:
    query = call.query
    opening = context.openings.station(station.station_id)
    why = station_why(station, query.mode, query.minimum, opening, call.now)
    reason = None if why is None else reason_text(why)
    index = context.index
    what = index.station_what(station.status)

    def build(rank: int | None) -> Row:
        info = station.info
        key = RowKey(Kind.STATION, index.system.key, station.station_id)
        alert_ids = context.alerts_by_station.get(station.station_id, ())
        age = report_age_s(station, index.snapshot)
        previous = index.previous
        trends = call.trends.get(index.system.key)
        price, plan = context.prices.station()
        return Row(
            key=key,
            system=index.system,
            name=info.name,
            lat=info.lat,
            lon=info.lon,
            **_where(query.near, info.lat, info.lon, distance, call.walking_speed_kmh),
            rank=rank,
            reason=reason,
            why=why,
            station=station,
            alerts=tuple(context.alerts[alert_id] for alert_id in alert_ids),
            is_open=opening.is_open,
            hours_text=opening_status.status_text(opening, context.now),
            price=price,
            price_plan=plan,
            price_plans=max(1, context.prices.station_plan_count),
            trend=trends.trend(station.station_id, query.mode, info.capacity) if trends else None,
            changes=count_changes(previous[station.station_id], station.status)
            if station.station_id in previous
            else {},
            report_age_s=age,
            report_stale=is_report_stale(age),
            favourite=key in query.favourites,
            watched=key in query.watched,
            units=query.units,
            what=what,
            count=station.status.others if what != vehicles.WHAT_BIKE and station.status else None,
        )

    return reason, build


def _vehicle_candidate(
    call: _Call, context: _Context, vehicle: vehicles.Vehicle, distance: float | None
) -> tuple[str | None, Callable[[int | None], Row]]:
    query = call.query
    opening = context.system_open
    why: Reason | None = None
    index = context.index
    spot = index.spot(vehicle)
    if not vehicles.is_bicycle(vehicle):
        why = Reason(ReasonKind.NOT_A_BIKE, query.mode)  # never an option for a bike
    elif opening.is_open is False:
        why = hours_reason(opening, call.now, query.mode)
    elif query.minimum is not None and query.minimum > len(spot):
        why = Reason(ReasonKind.ONLY, query.mode, count=len(spot))
    reason = None if why is None else reason_text(why)

    def build(rank: int | None) -> Row:
        assert vehicle.lat is not None and vehicle.lon is not None
        snapshot = index.snapshot
        type_id = vehicle.vehicle_type_id
        vehicle_type = snapshot.vehicle_types.get(type_id) if type_id is not None else None
        price, plan = context.prices.vehicle(vehicle, vehicle_type)
        return Row(
            key=RowKey(Kind.VEHICLE, index.system.key, vehicle.vehicle_id),
            system=index.system,
            name=_spot_name(vehicle, len(spot)),
            lat=vehicle.lat,
            lon=vehicle.lon,
            **_where(query.near, vehicle.lat, vehicle.lon, distance, call.walking_speed_kmh),
            rank=rank,
            reason=reason,
            why=why,
            vehicle=vehicle,
            vehicle_type=vehicle_type,
            is_open=opening.is_open,
            hours_text=opening_status.status_text(opening, context.now),
            price=price,
            price_plan=plan,
            range_text=vehicle_range_text(vehicle, query.units),
            low_range=vehicles.is_low_range(vehicle, call.low_range_m),
            units=query.units,
            what=vehicles.what_of(vehicle.form),
            count=len(spot),
            group=spot if len(spot) > 1 else (),
        )

    return reason, build


def _spot_name(vehicle: vehicles.Vehicle, count: int) -> str:
    """ "e-bike", or "3 e-bikes" for several at one spot."""
    label = vehicles.vehicle_label(vehicle.form, vehicle.electric)
    return label if count == 1 else f"{count} {label}s"


def _absent_row(
    call: _Call, key: RowKey, system: SceneSystem, name: str, reason: str, error: str
) -> Callable[[int | None], Row]:
    """A favourite with no live data: its saved name, why, no numbers."""

    def build(rank: int | None) -> Row:
        return Row(
            key=key, system=system, name=name, lat=None, lon=None, distance_m=None,
            bearing_deg=None, bearing="", walk_s=None, rank=rank, reason=reason,
            why=Reason(ReasonKind.NOT_IN_FEED) if reason == NOT_IN_FEED
            else Reason(ReasonKind.STATE, state=StationState.NO_STATUS),
            favourite=True, watched=key in call.query.watched, error=error,
        )  # fmt: skip

    return build
