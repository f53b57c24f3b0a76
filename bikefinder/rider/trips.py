"""Trips from A to B on the loaded scene: walk to a bike, ride, leave it, walk on.

Pure: no I/O. The time model, one rule:

* walking: the straight line at the walking speed (the lists' walking time);
* riding: 1.25 x the straight line from pickup to drop-off, at the riding speed, or
  the e-bike speed when the trip's bike is electric (e-bike mode, or a free-floating
  electric bike);
* plus 60 s to take a bike and 30 s to return it (OpenTripPlanner's defaults).

A station pickup needs a bike for the mode at a station that is installed, renting and
open; a station drop-off a free dock at another station of the **same system** that is
installed, returning and open. A free-floating bike ends at B itself, unless the
operator's ``geofencing_zones`` forbid ending there; an e-bike whose range is shorter
than the ride is not offered. Trips are ranked by total time, one per pickup (its best
drop-off; ties by feed order), so the first ``limit`` are real alternatives.

The best trips are exact. Pickups are visited by a lower bound of their total (walk
there, 90 s, then ``min(1.25 / ride speed, 1 / walk speed)`` times the straight line to
B, by the triangle inequality) and the search stops once that bound exceeds the
``limit``-th best total found. A pickup's drop-offs are visited nearest to B first and
stop once the walk from the drop-off alone exceeds the best found; one is skipped
without trigonometry when ``|d(pickup, B) - d(drop-off, B)|`` already rules it out.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import msgspec

from bikefinder.common.geo import haversine_m
from bikefinder.common.text import clean
from bikefinder.feeds import pricing, system_alerts
from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.system_alerts import SystemAlert
from bikefinder.feeds.vehicles import Vehicle, is_bicycle
from bikefinder.rider.mode_rows import DEFAULT_TRIP_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.prices import station_plans
from bikefinder.rider.rows import Kind, SceneSystem
from bikefinder.rider.scene import Openings, Scene, station_reason
from bikefinder.rider.speeds import DETOUR as DETOUR
from bikefinder.rider.speeds import Speeds as Speeds
from bikefinder.rider.system_index import SystemIndex

#: Seconds to take a bike and to return one (OpenTripPlanner's defaults).
TAKE_S = 60.0
RETURN_S = 30.0
#: Rounding slack for the bounds (seconds): a bound never prunes a trip it equals.
_SLACK_S = 1e-6


class Pickup(msgspec.Struct, frozen=True):
    """Where the bike is taken: a station (its counts) or a free-floating vehicle."""

    kind: Kind
    item_id: str
    name: str
    lat: float
    lon: float
    #: Bikes there (1 for a vehicle) and how many are electric (``None``: not known).
    bikes: int | None
    electric: int | None
    #: The vehicle's range in metres (``None``: a station, or not published).
    range_m: float | None
    #: Whether the ride is on an electric bike (the e-bike speed applies).
    electric_ride: bool
    station: Station | None = None
    vehicle: Vehicle | None = None


class Dropoff(msgspec.Struct, frozen=True):
    """Where the bike is left: a station with a free dock, or the destination itself."""

    station_id: str | None
    name: str
    lat: float
    lon: float
    docks: int | None = None
    station: Station | None = None

    @property
    def is_destination(self) -> bool:
        return self.station_id is None


class Price(msgspec.Struct, frozen=True):
    """What the ride costs, in the plan's currency; the plan, and how many plans it is
    the cheapest of."""

    amount: Decimal
    currency: str
    plan: pricing.PricingPlan | None = None
    plans: int = 1


class Trip(msgspec.Struct, frozen=True):
    """One trip; times in seconds (not rounded), distances in metres."""

    rank: int
    system: SceneSystem
    pickup: Pickup
    dropoff: Dropoff
    walk_to_s: float
    ride_s: float
    walk_from_s: float
    ride_distance_m: float
    walk_to_m: float
    walk_from_m: float
    price: Price | None = None
    #: A sentence for the price plan, when the system publishes one.
    price_text: str | None = None
    #: Active alerts about the pickup or drop-off station.
    alerts: tuple[SystemAlert, ...] = ()

    @property
    def total_s(self) -> float:
        return self.walk_to_s + TAKE_S + self.ride_s + RETURN_S + self.walk_from_s


class TripPlan(msgspec.Struct, frozen=True):
    """The answer to "from A to B": the best trips, walking all the way, and why no
    trip (or a system's trips) could be offered."""

    origin: tuple[float, float]
    destination: tuple[float, float]
    mode: Mode
    trips: tuple[Trip, ...]
    walk_only_s: float
    walk_only_m: float
    #: Why there is no trip at all (``None`` when there is one).
    why_none: str | None = None
    #: What the rider should know about some system's trips (geofencing unknown ...).
    notes: tuple[str, ...] = msgspec.field(default_factory=tuple)
    #: ``why_none`` as a value, for the app to say in its own language.
    no_trip: NoTrip | None = None

    @property
    def walking_is_faster(self) -> bool:
        """Walking all the way is not slower than the best trip (or there is none)."""
        return not self.trips or self.walk_only_s <= self.trips[0].total_s


class _Candidates(msgspec.Struct):
    """One system's pickups and drop-offs for one plan."""

    number: int
    index: SystemIndex
    pickups: list[tuple[float, Pickup, float, float]]  # (d to B, pickup, walk to, d from A)
    #: Station drop-offs, nearest to B first: (d to B, walk from, position, dropoff).
    drops: list[tuple[float, float, int, Dropoff]]
    #: Free-floating vehicles may end at B.
    vehicles_end_at_b: bool
    counts: dict[str, int]


def plan_trips(
    scene: Scene,
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    now: datetime,
    mode: Mode = Mode.ANY_BIKE,
    limit: int = DEFAULT_TRIP_LIMIT,
    speeds: Speeds | None = None,
) -> TripPlan:
    """The best ``limit`` trips from ``origin`` to ``destination`` (see the module docs);
    ``mode`` any bike or e-bike (free-dock mode plans as any bike)."""
    speeds = speeds or Speeds()
    if mode is Mode.DOCK:
        mode = Mode.ANY_BIKE
    walk_only_m = haversine_m(*origin, *destination)
    notes: list[str] = []
    systems = [
        _candidates(number, index, origin, destination, mode, speeds, now, notes)
        for number, index in enumerate(scene.indexes)
    ]
    best = _search(systems, speeds, max(1, limit))
    trips = tuple(
        _trip(rank, systems[number], found, destination, now)
        for rank, (_total, number, _order, found) in enumerate(best, start=1)
    )
    no_trip = None if trips else _no_trip(systems, mode)
    why = None if no_trip is None else no_trip_text(no_trip)
    return TripPlan(origin, destination, mode, trips, speeds.walk_s(walk_only_m), walk_only_m,
                    why, tuple(notes), no_trip)  # fmt: skip


def _candidates(
    number: int,
    index: SystemIndex,
    origin: tuple[float, float],
    destination: tuple[float, float],
    mode: Mode,
    speeds: Speeds,
    now: datetime,
    notes: list[str],
) -> _Candidates:
    snapshot = index.snapshot
    openings = Openings(snapshot, now)
    system_open = openings.system_open

    counts = {"stations": 0, "docks": 0, "vehicles": 0, "short_range": 0, "no_parking": 0}
    pickups: list[tuple[float, Pickup, float, float]] = []
    drops: list[tuple[float, float, int, Dropoff]] = []
    stations = snapshot.stations
    if stations:
        from_a = index.distances_uncached(0, False, origin)
        to_b = index.distances_uncached(0, False, destination)
        for position, station in enumerate(stations):
            status = station.status
            if status is None or position in index.hidden:  # no place to walk to
                continue
            open_now = openings.station(station.station_id)
            info = station.info
            if station_reason(station, mode, None, open_now, now) is None:
                counts["stations"] += 1
                pickup = Pickup(Kind.STATION, station.station_id, info.name, info.lat, info.lon,
                                status.bikes, status.electric, None, mode is Mode.EBIKE,
                                station=station)  # fmt: skip
                distance = float(from_a[position])
                pickups.append((float(to_b[position]), pickup, speeds.walk_s(distance), distance))
            if station_reason(station, Mode.DOCK, None, open_now, now) is None:
                counts["docks"] += 1
                distance = float(to_b[position])
                dropoff = Dropoff(station.station_id, info.name, info.lat, info.lon,
                                  status.docks, station)  # fmt: skip
                drops.append((distance, speeds.walk_s(distance), position, dropoff))
        drops.sort(key=lambda drop: (drop[0], drop[2]))
    offered = index.vehicles_for(mode) if system_open.is_open is not False else ()
    ends_at_b = True
    if offered:
        fencing = snapshot.geofencing
        name = clean(index.system.name, 60)
        if fencing is None:
            notes.append(
                f"{name} publishes no geofencing zones (or they could not be read): "
                "parking at the destination is assumed to be allowed"
            )
        from_a = index.distances_uncached(1, mode is Mode.EBIKE, origin)
        to_b = index.distances_uncached(1, mode is Mode.EBIKE, destination)
        allowed: dict[str | None, bool] = {}
        for position, vehicle in enumerate(offered):
            type_id = vehicle.vehicle_type_id
            if type_id not in allowed:
                allowed[type_id] = fencing is None or fencing.ride_end_allowed(
                    destination[0], destination[1], type_id
                )
            if not is_bicycle(vehicle):
                continue  # listed with --vehicles all, never a pickup for a bike trip
            if not allowed[type_id]:
                counts["no_parking"] += 1
                continue
            assert vehicle.lat is not None and vehicle.lon is not None
            counts["vehicles"] += 1
            electric = vehicle.electric is True
            pickup = Pickup(Kind.VEHICLE, vehicle.vehicle_id, _vehicle_name(vehicle),
                            vehicle.lat, vehicle.lon, 1,
                            None if vehicle.electric is None else int(electric),
                            vehicle.current_range_meters, electric, vehicle=vehicle)  # fmt: skip
            distance = float(from_a[position])
            pickups.append((float(to_b[position]), pickup, speeds.walk_s(distance), distance))
        if counts["no_parking"]:
            notes.append(
                f"{name}: its geofencing zones do not allow a ride to end at the destination, "
                f"so {counts['no_parking']} of its bikes are not offered"
            )
        ends_at_b = counts["vehicles"] > 0
    return _Candidates(number, index, pickups, drops, ends_at_b, counts)


def _vehicle_name(vehicle: Vehicle) -> str:
    from bikefinder.feeds.vehicles import vehicle_label

    return vehicle_label(vehicle.form, vehicle.electric)


#: One pickup's best trip as the search finds it:
#: (total, walk to, ride s, walk from, ride straight m, pickup, dropoff entry or None,
#:  d from A, d to B).
_Found = tuple[float, float, float, float, float, Pickup, Any, float, float]


def _search(
    systems: Sequence[_Candidates], speeds: Speeds, limit: int
) -> list[tuple[float, int, int, _Found]]:
    """The ``limit`` best per-pickup trips, best first: (total, system, order, found)."""
    walk_per_m = 3.6 / speeds.walking_kmh
    visits: list[tuple[float, int, int]] = []  # (bound, system, pickup order)
    for candidates in systems:
        for order, (to_b, pickup, walk_to, _from_a) in enumerate(candidates.pickups):
            per_m = min(speeds.ride_s_per_m(pickup.electric_ride), walk_per_m)
            visits.append((walk_to + TAKE_S + RETURN_S + per_m * to_b, candidates.number, order))
    visits.sort()
    # A max-heap (negated) of the best ``limit``: (-total, -system, -order, found).
    kept: list[tuple[float, int, int, _Found]] = []
    for bound, number, order in visits:
        threshold = -kept[0][0] if len(kept) == limit else math.inf
        if bound - _SLACK_S > threshold:
            break
        candidates = systems[number]
        found = _best_for_pickup(candidates, order, speeds, threshold)
        if found is None:
            continue
        item = (-found[0], -number, -order, found)
        if len(kept) < limit:
            heapq.heappush(kept, item)
        elif (found[0], number, order) < (-kept[0][0], -kept[0][1], -kept[0][2]):
            heapq.heapreplace(kept, item)
    ordered = sorted(kept, key=lambda item: (-item[0], -item[1], -item[2]))
    return [(-total, -number, -order, found) for total, number, order, found in ordered]


def _best_for_pickup(
    candidates: _Candidates, order: int, speeds: Speeds, threshold: float
) -> _Found | None:
    """The pickup's best trip if it can beat ``threshold`` (ties: the drop-off first in
    the feed), else ``None``."""
    to_b, pickup, walk_to, from_a = candidates.pickups[order]
    per_m = speeds.ride_s_per_m(pickup.electric_ride)
    fixed = walk_to + TAKE_S + RETURN_S
    if pickup.kind is Kind.VEHICLE:
        ride_m = DETOUR * to_b
        if pickup.range_m is not None and pickup.range_m < ride_m:
            candidates.counts["short_range"] += 1
            return None
        ride_s = per_m * to_b
        return (fixed + ride_s, walk_to, ride_s, 0.0, to_b, pickup, None, from_a, to_b)
    best: _Found | None = None
    best_key = (math.inf, math.inf)
    cutoff = threshold
    lat, lon = pickup.lat, pickup.lon
    for drop in candidates.drops:
        distance_b, walk_from, position, dropoff = drop
        if fixed + walk_from - _SLACK_S > cutoff:
            break
        if dropoff.station_id == pickup.item_id:
            continue
        if fixed + per_m * abs(to_b - distance_b) + walk_from - _SLACK_S > cutoff:
            continue
        straight = haversine_m(lat, lon, dropoff.lat, dropoff.lon)
        ride_s = per_m * straight
        total = fixed + ride_s + walk_from
        key = (total, position)
        if key < best_key:
            best_key = key
            best = (total, walk_to, ride_s, walk_from, straight, pickup, drop, from_a, distance_b)
            cutoff = min(cutoff, total)
    return best


def _trip(
    rank: int,
    candidates: _Candidates,
    found: _Found,
    destination: tuple[float, float],
    now: datetime,
) -> Trip:
    _total, walk_to, ride_s, walk_from, straight, pickup, drop, from_a, _to_b = found
    index = candidates.index
    snapshot = index.snapshot
    if drop is None:
        dropoff = Dropoff(None, "destination", destination[0], destination[1])
        walk_from_m = 0.0
    else:
        dropoff = drop[3]
        walk_from_m = drop[0]
    price, price_text = _ride_price(snapshot, pickup, ride_s / 60.0, DETOUR * straight / 1000.0)
    active = system_alerts.active_alerts(snapshot.alerts, now)
    named = {pickup.item_id if pickup.kind is Kind.STATION else None, dropoff.station_id}
    alerts = tuple(a for a in active if named & set(a.station_ids))
    return Trip(
        rank=rank,
        system=index.system,
        pickup=pickup,
        dropoff=dropoff,
        walk_to_s=walk_to,
        ride_s=ride_s,
        walk_from_s=walk_from,
        ride_distance_m=DETOUR * straight,
        walk_to_m=from_a,
        walk_from_m=walk_from_m,
        price=price,
        price_text=price_text,
        alerts=alerts,
    )


def _ride_price(
    snapshot: Snapshot, pickup: Pickup, minutes: float, km: float
) -> tuple[Price | None, str | None]:
    """What this ride costs and the plan's sentence: a vehicle's own plan (else its
    type's); from a station, the cheapest for this ride of the plans that apply to its
    bikes, saying how many there are."""
    plans: tuple[pricing.PricingPlan, ...]
    if pickup.vehicle is not None:
        type_id = pickup.vehicle.vehicle_type_id
        vehicle_type = snapshot.vehicle_types.get(type_id) if type_id is not None else None
        plan = pricing.plan_for_vehicle(snapshot.pricing, vehicle_type,
                                        pickup.vehicle.pricing_plan_id)  # fmt: skip
        plans = (plan,) if plan is not None else ()
    else:
        plans = station_plans(snapshot.pricing, snapshot.vehicle_types) if snapshot.pricing else ()
    costs = [
        (cost, number, plan)
        for number, plan in enumerate(plans)
        if plan.currency is not None and (cost := pricing.ride_cost(plan, minutes, km)) is not None
    ]
    if not costs:
        return None, None
    cost, _, plan = min(costs, key=lambda item: (item[0], item[1]))
    assert plan.currency is not None
    sentence = pricing.price_sentence(plan)
    if sentence is not None and len(plans) > 1:
        sentence = f"{sentence} (the cheapest of {len(plans)} plans for this ride)"
    return Price(cost, plan.currency, plan, len(plans)), sentence


class NoTripKind(StrEnum):
    """Why no system offers a trip."""

    NO_DATA = "no data"
    #: No bike to take: the free-floating operators forbid ending at the destination.
    NO_PARKING = "no parking"
    NO_PICKUP = "no pickup"
    #: No bike with enough range, and no free dock.
    NO_RANGE = "no range"
    NO_DOCK = "no dock"
    #: Bikes and docks, but never of the same system.
    NO_PAIR = "no pair"


class NoTrip(msgspec.Struct, frozen=True):
    """Why no system offers a trip, and the systems searched (their names, joined)."""

    kind: NoTripKind
    electric: bool
    systems: str


def _no_trip(systems: Sequence[_Candidates], mode: Mode) -> NoTrip:
    names = ", ".join(clean(c.index.system.name, 40) for c in systems)
    electric = mode is Mode.EBIKE

    def because(kind: NoTripKind) -> NoTrip:
        return NoTrip(kind, electric, names)

    if not systems:
        return because(NoTripKind.NO_DATA)
    if not any(c.pickups for c in systems):
        if any(c.counts["no_parking"] for c in systems):
            return because(NoTripKind.NO_PARKING)
        return because(NoTripKind.NO_PICKUP)
    if any(c.counts["short_range"] for c in systems) and not any(c.drops for c in systems):
        return because(NoTripKind.NO_RANGE)
    without_docks = [c for c in systems if any(p[1].kind is Kind.STATION for p in c.pickups)]
    if without_docks and not any(c.drops for c in without_docks):
        return because(NoTripKind.NO_DOCK)
    return because(NoTripKind.NO_PAIR)


def no_trip_text(no_trip: NoTrip) -> str:
    """One English line: why no system offers a trip."""
    wanted = "e-bike" if no_trip.electric else "bike"
    names = no_trip.systems or "no system"
    return {
        NoTripKind.NO_DATA: "no system has data",
        NoTripKind.NO_PARKING: f"no {wanted} to take: the free-floating operators do not "
        "allow a ride to end at the destination, and no station has one",
        NoTripKind.NO_PICKUP: f"no {wanted} to take in {names}",
        NoTripKind.NO_RANGE: f"no {wanted} with enough range for the ride, and no free dock "
        f"in {names}",
        NoTripKind.NO_DOCK: f"no free dock in {names}",
        NoTripKind.NO_PAIR: f"no {wanted} and free dock of the same system in {names}",
    }[no_trip.kind]
