"""Stations and free-floating vehicles of several systems, ranked together by distance.

Pure: no I/O, no UI. A :class:`Scene` holds one :class:`SystemIndex` per loaded system
(built once per snapshot, off the UI thread if need be); :meth:`Scene.nearest` merges
them into one list whose rows each know their system. The rules:

* **Mode** (:class:`~bikefinder.rider.modes.Mode`): any bike lists stations and the
  vehicles ``--vehicles`` selects; e-bike lists stations (ranked on their e-bikes) and
  electric vehicles only (a vehicle whose propulsion is unknown is not an e-bike);
  free dock lists stations only.
* **Vehicles**: only offered ones (not reserved, not disabled), of the forms the
  :class:`~bikefinder.feeds.vehicles.VehicleSelection` lists; vehicles parked at a
  station are not rows (the loader keeps them with their station).
* **Closed**: a station outside its opening hours (its own, else the system's), or a
  vehicle of a system outside its hours, is listed but not an option, with when it
  opens. Unknown hours never close anything.
* **Alerts**: the active alerts naming a station are on its row; system-wide ones are
  :meth:`Scene.system_alerts`.

Per call, distances are computed once per source (vectorised for large ones), and only
as many candidates are ordered and turned into rows as the list needs: the cost follows
the rows asked for, not the 30,000 vehicles of a big city.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bikefinder.common.geo import compass_point, initial_bearing_deg
from bikefinder.feeds import opening_hours, pricing, system_alerts, vehicles
from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.mode_rows import ListLimit
from bikefinder.rider.modes import Mode, useless_reason
from bikefinder.rider.ranking import coordinates_for
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_seconds

STATION = "station"
VEHICLE = "vehicle"


@dataclass(frozen=True, slots=True)
class SceneSystem:
    """One system of the scene: ``key`` tells systems apart (catalog id or gbfs.json URL)."""

    key: str
    name: str
    gbfs_url: str


@dataclass(frozen=True, slots=True)
class NearbyRow:
    """One row of the mixed list: a station or a vehicle, with its system.

    ``rank`` counts only the rows that are an option in the mode (1, 2, ...); ``useless``
    says why a row is not one ("no bikes", "closed, opens 07:00"), else ``None``.
    """

    kind: str  # STATION or VEHICLE
    system: SceneSystem
    lat: float
    lon: float
    distance_m: float
    bearing_deg: float
    bearing: str
    walk_s: int | None
    rank: int | None
    useless: str | None
    station: Station | None = None
    vehicle: vehicles.Vehicle | None = None
    vehicle_type: vehicles.VehicleType | None = None
    #: Active alerts naming this station.
    alerts: tuple[system_alerts.SystemAlert, ...] = ()
    #: Open now (``None``: the hours are not known or not published).
    is_open: bool | None = None
    #: "closed, opens 07:00" / "open" from the hours, ``None`` when not known.
    hours_text: str | None = None
    #: What a ride costs, in the plan's currency (``None`` when not known for sure).
    price: str | None = None
    #: "~18 km" or "62 %" (vehicles), and whether the range is below the threshold.
    range_text: str | None = None
    low_range: bool | None = None

    @property
    def label(self) -> str:
        """A station's name, or what the vehicle is ("e-bike", "unknown vehicle")."""
        if self.station is not None:
            return self.station.info.name
        assert self.vehicle is not None
        return vehicles.vehicle_label(self.vehicle.form, self.vehicle.electric)


class SystemIndex:
    """One snapshot ready for repeated ranking: its stations and offered vehicles."""

    __slots__ = ("_coords", "_mode_vehicles", "selection", "snapshot", "station_coords", "system")

    def __init__(
        self,
        system: SceneSystem,
        snapshot: Snapshot,
        selection: vehicles.VehicleSelection = vehicles.VehicleSelection.BIKES,
    ) -> None:
        self.system = system
        self.snapshot = snapshot
        self.selection = selection
        infos = [station.info for station in snapshot.stations]
        self.station_coords = coordinates_for([i.lat for i in infos], [i.lon for i in infos])
        offered = vehicles.offered(snapshot.vehicles, selection)
        electric = tuple(v for v in offered if v.electric is True)
        self._mode_vehicles = {False: offered, True: electric}
        self._coords: dict[bool, Any] = {}

    def vehicles_for(self, mode: Mode) -> tuple[vehicles.Vehicle, ...]:
        """The vehicles listed in ``mode`` (none in free-dock mode)."""
        if mode is Mode.DOCK:
            return ()
        return self._mode_vehicles[mode is Mode.EBIKE]

    def vehicle_coords(self, mode: Mode) -> Any:
        electric_only = mode is Mode.EBIKE
        coords = self._coords.get(electric_only)
        if coords is None:
            chosen = self._mode_vehicles[electric_only]
            lats = [v.lat for v in chosen]
            lons = [v.lon for v in chosen]
            coords = self._coords[electric_only] = coordinates_for(lats, lons)  # type: ignore[arg-type]
        return coords


@dataclass(frozen=True, slots=True)
class _Context:
    """What one call knows about one system: the moment's alerts and hours."""

    index: SystemIndex
    alerts_by_station: Mapping[str, tuple[str, ...]]
    alerts: Mapping[str, system_alerts.SystemAlert]
    system_open: opening_hours.OpeningStatus
    timezone: Any
    now: datetime
    single_plan_price: str | None
    _station_open: dict[str, opening_hours.OpeningStatus] = field(default_factory=dict)

    def station_status(self, station_id: str) -> opening_hours.OpeningStatus:
        hours = self.index.snapshot.station_hours.get(station_id)
        if hours is None:
            return self.system_open
        known = self._station_open.get(station_id)
        if known is None:
            known = opening_hours.opening_status(hours, self.now, self.timezone)
            self._station_open[station_id] = known
        return known


class Scene:
    """Several systems' snapshots, ranked together (see the module docs)."""

    def __init__(
        self,
        indexes: Sequence[SystemIndex] = (),
    ) -> None:
        self.indexes: tuple[SystemIndex, ...] = tuple(indexes)

    @classmethod
    def build(
        cls,
        systems: Sequence[tuple[SceneSystem, Snapshot]],
        selection: vehicles.VehicleSelection = vehicles.VehicleSelection.BIKES,
    ) -> Scene:
        return cls([SystemIndex(system, snapshot, selection) for system, snapshot in systems])

    def with_snapshot(self, system: SceneSystem, snapshot: Snapshot) -> Scene:
        """This scene with one system's snapshot replaced (or added); the other systems'
        indexes are reused. The same snapshot object keeps its index."""
        indexes: list[SystemIndex] = []
        found = False
        for index in self.indexes:
            if index.system.key == system.key:
                found = True
                if index.snapshot is not snapshot:
                    index = SystemIndex(system, snapshot, index.selection)
            indexes.append(index)
        if not found:
            selection = (
                self.indexes[0].selection if self.indexes else vehicles.VehicleSelection.BIKES
            )
            indexes.append(SystemIndex(system, snapshot, selection))
        return Scene(indexes)

    def without(self, key: str) -> Scene:
        return Scene([index for index in self.indexes if index.system.key != key])

    def system_alerts(
        self, now: datetime | None = None
    ) -> list[tuple[SceneSystem, system_alerts.SystemAlert]]:
        """Active alerts about a whole system, per system in scene order."""
        moment = now or datetime.now(UTC)
        found: list[tuple[SceneSystem, system_alerts.SystemAlert]] = []
        for index in self.indexes:
            active = system_alerts.active_alerts(index.snapshot.alerts, moment)
            found.extend(
                (index.system, alert) for alert in system_alerts.system_wide_alerts(active)
            )
        return found

    def nearest(
        self,
        near: tuple[float, float],
        mode: Mode = Mode.ANY_BIKE,
        limit: int = 20,
        *,
        now: datetime | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
        low_range_m: float = vehicles.LOW_RANGE_M,
    ) -> list[NearbyRow]:
        """The mixed list: the ``limit`` nearest rows, plus nearer useless ones among them,
        as :func:`bikefinder.rider.mode_rows.rank_for_mode` does for one system: every row
        among the ``limit`` nearest overall or the ``limit`` nearest options (at most
        ``2 * limit`` rows), nearest first, ties in scene then feed order."""
        if limit < 1:
            return []
        moment = now or datetime.now(UTC)
        lat, lon = near
        phi, lam = math.radians(lat), math.radians(lon)
        contexts = [self._context(index, moment) for index in self.indexes]
        streams: list[Iterator[tuple[float, int, int, int]]] = []
        for number, index in enumerate(self.indexes):
            if len(index.snapshot.stations):
                distances = index.station_coords.distances_m(phi, lam)
                streams.append(_stream(distances, number, 0))
            if index.vehicles_for(mode):
                distances = index.vehicle_coords(mode).distances_m(phi, lam)
                streams.append(_stream(distances, number, 1))
        rows: list[NearbyRow] = []
        rule = ListLimit(limit)
        for distance, number, source, position in heapq.merge(*streams):
            context = contexts[number]
            index = context.index
            if source == 0:
                station = index.snapshot.stations[position]
                opening = context.station_status(station.station_id)
                reason = useless_reason(station, mode)
                if opening.is_open is False:
                    reason = opening_hours.status_text(opening, moment) or "closed"
                candidate: Callable[[int | None], NearbyRow] = _station_row(
                    context, station, opening, reason, distance, near, walking_speed_kmh
                )
            else:
                vehicle = index.vehicles_for(mode)[position]
                opening = context.system_open
                reason = None
                if opening.is_open is False:
                    reason = opening_hours.status_text(opening, moment) or "closed"
                candidate = _vehicle_row(
                    context,
                    vehicle,
                    opening,
                    reason,
                    distance,
                    near,
                    walking_speed_kmh,
                    low_range_m,
                )
            listed, rank = rule.take(reason is None)
            if listed:
                rows.append(candidate(rank))
            if rule.full:
                break
        return rows

    def _context(self, index: SystemIndex, now: datetime) -> _Context:
        snapshot = index.snapshot
        active = system_alerts.active_alerts(snapshot.alerts, now)
        timezone = opening_hours.zone(snapshot.system.timezone)
        system_open = opening_hours.opening_status(snapshot.hours, now, timezone)
        only_plan = pricing.plan_for_vehicle(snapshot.pricing) if snapshot.pricing else None
        return _Context(
            index=index,
            alerts_by_station=system_alerts.alerts_by_station(active),
            alerts={alert.alert_id: alert for alert in active},
            system_open=system_open,
            timezone=timezone,
            now=now,
            single_plan_price=pricing.price_sentence(only_plan) if only_plan else None,
        )


def _stream(distances: Any, number: int, source: int) -> Iterator[tuple[float, int, int, int]]:
    """(distance, system number, source, position), nearest first (ties in feed order),
    ordering only as many as are taken: the k smallest, then 4k, 16k, ..."""
    count = len(distances)
    done = 0
    wanted = min(count, 16)
    is_array = not isinstance(distances, list)
    while done < count:
        order = _smallest(distances, wanted, is_array)
        for position in order[done:]:
            yield float(distances[position]), number, source, position
        done = len(order)
        wanted = min(count, wanted * 4)


def _smallest(distances: Any, wanted: int, is_array: bool) -> list[int]:
    """The positions of the ``wanted`` smallest distances, in order (ties by position)."""
    count = len(distances)
    if not is_array:
        if wanted >= count:
            return sorted(range(count), key=distances.__getitem__)
        return heapq.nsmallest(wanted, range(count), key=distances.__getitem__)
    import numpy as np

    if wanted < count:
        chosen = np.argpartition(distances, wanted - 1)[:wanted]
        cutoff = distances[chosen].max()
        chosen = np.nonzero(distances <= cutoff)[0]  # every tie at the cut, by position
    else:
        chosen = np.arange(count)
    order = chosen[np.lexsort((chosen, distances[chosen]))][:wanted]
    return [int(position) for position in order]


def _bearing(near: tuple[float, float], lat: float, lon: float) -> tuple[float, str]:
    bearing = initial_bearing_deg(near[0], near[1], lat, lon)
    return bearing, compass_point(bearing)


def _station_row(
    context: _Context,
    station: Station,
    opening: opening_hours.OpeningStatus,
    reason: str | None,
    distance: float,
    near: tuple[float, float],
    speed_kmh: float,
) -> Callable[[int | None], NearbyRow]:
    def build(rank: int | None) -> NearbyRow:
        info = station.info
        bearing, point = _bearing(near, info.lat, info.lon)
        alert_ids = context.alerts_by_station.get(station.station_id, ())
        return NearbyRow(
            kind=STATION,
            system=context.index.system,
            lat=info.lat,
            lon=info.lon,
            distance_m=distance,
            bearing_deg=bearing,
            bearing=point,
            walk_s=walking_seconds(distance, speed_kmh),
            rank=rank,
            useless=reason,
            station=station,
            alerts=tuple(context.alerts[alert_id] for alert_id in alert_ids),
            is_open=opening.is_open,
            hours_text=opening_hours.status_text(opening, context.now),
            price=context.single_plan_price,
        )

    return build


def _vehicle_row(
    context: _Context,
    vehicle: vehicles.Vehicle,
    opening: opening_hours.OpeningStatus,
    reason: str | None,
    distance: float,
    near: tuple[float, float],
    speed_kmh: float,
    low_range_m: float,
) -> Callable[[int | None], NearbyRow]:
    def build(rank: int | None) -> NearbyRow:
        assert vehicle.lat is not None and vehicle.lon is not None
        snapshot = context.index.snapshot
        bearing, point = _bearing(near, vehicle.lat, vehicle.lon)
        type_id = vehicle.vehicle_type_id
        vehicle_type = snapshot.vehicle_types.get(type_id) if type_id is not None else None
        plan = pricing.plan_for_vehicle(snapshot.pricing, vehicle_type, vehicle.pricing_plan_id)
        return NearbyRow(
            kind=VEHICLE,
            system=context.index.system,
            lat=vehicle.lat,
            lon=vehicle.lon,
            distance_m=distance,
            bearing_deg=bearing,
            bearing=point,
            walk_s=walking_seconds(distance, speed_kmh),
            rank=rank,
            useless=reason,
            vehicle=vehicle,
            vehicle_type=vehicle_type,
            is_open=opening.is_open,
            hours_text=opening_hours.status_text(opening, context.now),
            price=pricing.price_sentence(plan) if plan is not None else None,
            range_text=vehicles.range_text(vehicle),
            low_range=vehicles.is_low_range(vehicle, low_range_m),
        )

    return build
