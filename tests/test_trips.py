"""Trips from A to B (rider/trips.py): the time model, the pickup and drop-off rules, the
ranking, geofencing (feeds/geofencing.py), one ride's price, and the search checked
against a brute force over every pickup and drop-off."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from copies import replace
from hypothesis import given
from hypothesis import strategies as st

from bikefinder.common.geo import haversine_m
from bikefinder.feeds import opening_hours
from bikefinder.feeds.geofencing import Geofencing, parse_geofencing_zones
from bikefinder.feeds.models import FeedMeta, Station, StationInfo, StationStatus, SystemInfo
from bikefinder.feeds.pricing import PriceSegment, PricingPlan, ride_cost
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.vehicles import Vehicle, VehicleForm
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Kind, SceneSystem
from bikefinder.rider.scene import Scene
from bikefinder.rider.trips import Speeds, TripPlan, plan_trips

T0 = datetime(2025, 10, 18, 9, 0, tzinfo=UTC)
A = (48.85, 2.35)
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(A[0]))


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m`` east and ``north_m`` north of A."""
    return A[0] + north_m / M_PER_DEG_LAT, A[1] + east_m / M_PER_DEG_LON


B = at(3000, 0)


def station(
    station_id: str,
    east_m: float,
    north_m: float = 0.0,
    *,
    bikes: int = 5,
    electric: int = 0,
    docks: int = 5,
    renting: bool = True,
    returning: bool = True,
) -> Station:
    lat, lon = at(east_m, north_m)
    info = StationInfo(station_id=station_id, name=f"Station {station_id}", lat=lat, lon=lon)
    status = StationStatus(station_id=station_id, bikes=bikes, mechanical=bikes - electric,
                           electric=electric, docks=docks, is_installed=True,
                           is_renting=renting, is_returning=returning)  # fmt: skip
    return Station(info=info, status=status)


def vehicle(
    vehicle_id: str, east_m: float, north_m: float = 0.0, *, electric: bool = True,
    range_m: float | None = None, type_id: str = "ebike",
) -> Vehicle:  # fmt: skip
    lat, lon = at(east_m, north_m)
    return Vehicle(vehicle_id=vehicle_id, lat=lat, lon=lon, vehicle_type_id=type_id,
                   form=VehicleForm.BICYCLE, propulsion="electric_assist" if electric else "human",
                   electric=electric, current_range_meters=range_m)  # fmt: skip


def snapshot(
    system_id: str,
    stations: list[Station] = (),
    vehicles: list[Vehicle] = (),
    **extra: Any,  # type: ignore[assignment]
) -> Snapshot:
    meta = FeedMeta("station_status", f"https://{system_id}.test/s.json", "2.3", T0, 60)
    return Snapshot(gbfs_url=f"https://{system_id}.test/gbfs.json",
                    system=SystemInfo(system_id=system_id, name=system_id.upper(),
                                      timezone="Europe/Paris"),
                    stations=tuple(stations), info_meta=meta, status_meta=meta, fetched_at=T0,
                    vehicles=tuple(vehicles), **extra)  # fmt: skip


def scene(*snapshots: Snapshot) -> Scene:
    systems = [(SceneSystem(s.system.system_id, s.system.name, s.gbfs_url), s, None)
               for s in snapshots]  # fmt: skip
    return Scene.build(systems)


def plan(the_scene: Scene, to: tuple[float, float] = B, **kwargs: Any) -> TripPlan:
    return plan_trips(the_scene, A, to, now=T0, **kwargs)


def ids(result: TripPlan) -> list[tuple[str, str | None]]:
    return [(trip.pickup.item_id, trip.dropoff.station_id) for trip in result.trips]


# --------------------------------------------------------------------------- the rule


def test_the_nearest_pickup_is_not_the_best_by_hand() -> None:
    # Walk 0.75 s/m (4.8 km/h); ride 0.3 s/m of straight line (1.25 x at 15 km/h).
    # N, 100 m north of A: 75 + 60 + 0.3 x 3001.7 + 30 = 1065.5 s.
    # E, 150 m east, on the way: 112.5 + 60 + 0.3 x 2850 + 30 = 1057.5 s: the best.
    stations = [station("N", 0, 100, docks=0), station("E", 150, docks=0),
                station("D", 3000, bikes=0)]  # fmt: skip
    result = plan(scene(snapshot("x", stations)))
    assert ids(result) == [("E", "D"), ("N", "D")]
    best, second = result.trips
    assert best.total_s == pytest.approx(1057.5, abs=0.5)
    assert second.total_s == pytest.approx(1065.5, abs=0.5)
    assert (best.walk_to_s, best.ride_s, best.walk_from_s) == pytest.approx(
        (112.5, 855.0, 0.0), abs=0.5
    )
    assert best.ride_distance_m == pytest.approx(1.25 * 2850, abs=1)
    assert result.walk_only_s == pytest.approx(2250, abs=1)
    assert not result.walking_is_faster
    assert [trip.rank for trip in result.trips] == [1, 2]


def test_one_trip_per_pickup_and_the_limit_caps_the_count() -> None:
    stations = [station(f"P{i}", 50 * i, 80, docks=0) for i in range(6)]
    stations += [station("D1", 3000, 50, bikes=0), station("D2", 3000, -60, bikes=0)]
    result = plan(scene(snapshot("x", stations)), limit=4)
    assert len(result.trips) == 4
    assert len({trip.pickup.item_id for trip in result.trips}) == 4
    assert {trip.dropoff.station_id for trip in result.trips} == {"D1"}
    totals = [trip.total_s for trip in result.trips]
    assert totals == sorted(totals)


def test_full_docks_and_empty_stations_are_skipped() -> None:
    stations = [
        station("EMPTY", 20, bikes=0, docks=0),  # nearest to A: nothing to take
        station("P", 200, docks=0),
        station("FULL", 3000, bikes=0, docks=0),  # at B, but full
        station("NEXT", 3000, 300, bikes=0, docks=2),
    ]
    result = plan(scene(snapshot("x", stations)))
    assert ids(result) == [("P", "NEXT")]
    assert result.trips[0].walk_from_s == pytest.approx(225, abs=0.5)
    assert result.trips[0].dropoff.docks == 2


def test_closed_and_not_renting_or_returning_stations_are_skipped() -> None:
    stations = [
        station("SHUT", 10, docks=0),  # its opening hours: always closed
        station("NORENT", 20, renting=False, docks=0),
        station("P", 400, docks=0),
        station("SHUT_AT_B", 3000, bikes=0),
        station("NORETURN", 2990, bikes=0, returning=False),
        station("D", 3000, 400, bikes=0),
    ]
    hours = {sid: opening_hours.parse_opening_hours("off") for sid in ("SHUT", "SHUT_AT_B")}
    result = plan(scene(snapshot("x", stations, station_hours=hours)))
    assert ids(result) == [("P", "D")]


def test_a_bike_is_never_docked_at_another_systems_station() -> None:
    # X has the bike near A but its only dock is 1 km from B; Y's dock is at B, no bikes.
    x = snapshot("x", [station("XA", 50, docks=0), station("XD", 3000, 1000, bikes=0)])
    y = snapshot("y", [station("YB", 3000, bikes=0)])
    result = plan(scene(x, y))
    assert ids(result) == [("XA", "XD")]
    assert result.trips[0].system.key == "x"
    only_y = plan(scene(snapshot("x", [station("XA", 50, docks=0)]), y))
    assert only_y.trips == ()
    assert only_y.why_none == "no free dock in X, Y"


def test_a_free_floating_bike_ends_at_the_destination() -> None:
    operator = snapshot("float", vehicles=[vehicle("v1", 100, range_m=20_000)],
                        geofencing=Geofencing())  # fmt: skip
    result = plan(scene(operator))
    (trip,) = result.trips
    assert trip.pickup.kind is Kind.VEHICLE and trip.dropoff.is_destination
    assert (trip.dropoff.lat, trip.dropoff.lon) == B
    # An electric bike rides at 18 km/h: 1.25 x 2900 m x 3.6 / 18 = 725 s.
    assert trip.ride_s == pytest.approx(725, abs=0.5)
    assert trip.walk_from_s == 0
    assert result.notes == ()


def _square_around(point: tuple[float, float], half_m: float) -> list[list[float]]:
    dlat, dlon = half_m / M_PER_DEG_LAT, half_m / M_PER_DEG_LON
    lat, lon = point
    return [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
            [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]]  # fmt: skip


def fencing(point: tuple[float, float], **rule: Any) -> Geofencing:
    feature = {
        "type": "Feature",
        "properties": {"rules": [rule]},
        "geometry": {"type": "MultiPolygon", "coordinates": [[_square_around(point, 200)]]},
    }
    doc = {"data": {"geofencing_zones": {"type": "FeatureCollection", "features": [feature]}}}
    return parse_geofencing_zones(doc, "https://float.test/geofencing_zones.json")


def test_a_no_parking_zone_at_the_destination_removes_the_operator() -> None:
    stations = snapshot("x", [station("P", 300, docks=0), station("D", 3000, 200, bikes=0)])
    no_parking = fencing(B, vehicle_type_ids=["ebike"], ride_end_allowed=False)
    operator = snapshot("float", vehicles=[vehicle("v1", 10)], geofencing=no_parking)
    result = plan(scene(stations, operator))
    assert ids(result) == [("P", "D")]
    assert any("do not allow a ride to end at the destination" in n for n in result.notes)
    elsewhere = plan(scene(stations, operator), to=at(3000, 1000))
    assert elsewhere.trips[0].pickup.item_id == "v1"  # outside the zone: allowed
    alone = plan(scene(operator))
    assert alone.trips == () and "do not allow a ride to end" in (alone.why_none or "")


def test_unknown_geofencing_is_said_not_assumed_silently() -> None:
    operator = snapshot("float", vehicles=[vehicle("v1", 10)])
    result = plan(scene(operator))
    assert result.trips[0].pickup.item_id == "v1"
    assert any("publishes no geofencing zones" in note for note in result.notes)


def test_an_ebike_without_the_range_for_the_ride_is_not_offered() -> None:
    # The ride is 1.25 x 2,990 m = 3,737 m: 3,000 m of range is not enough.
    short = vehicle("short", 10, range_m=3_000)
    enough = vehicle("enough", 400, range_m=4_000)
    operator = snapshot("float", vehicles=[short, enough], geofencing=Geofencing())
    assert ids(plan(scene(operator))) == [("enough", None)]
    only_short = plan(scene(snapshot("float", vehicles=[short], geofencing=Geofencing())))
    assert only_short.trips == ()


def test_walking_is_faster_for_a_short_way() -> None:
    stations = [station("P", -200, docks=0), station("D", 500, 200, bikes=0)]
    result = plan(scene(snapshot("x", stations)), to=at(300, 0))
    assert result.walk_only_s == pytest.approx(225, abs=0.5)
    assert result.trips and result.walking_is_faster


def test_ebike_mode_takes_ebikes_only_at_the_ebike_speed() -> None:
    stations = [station("MECH", 10, docks=0), station("E", 300, electric=2, docks=0),
                station("D", 3000, bikes=0)]  # fmt: skip
    result = plan(scene(snapshot("x", stations)), mode=Mode.EBIKE)
    assert ids(result) == [("E", "D")]
    assert result.trips[0].ride_s == pytest.approx(1.25 * 2700 * 3.6 / 18, abs=0.5)
    faster = plan(scene(snapshot("x", stations)), mode=Mode.EBIKE,
                  speeds=Speeds(ebike_kmh=24))  # fmt: skip
    assert faster.trips[0].ride_s == pytest.approx(1.25 * 2700 * 3.6 / 24, abs=0.5)


def test_no_bike_anywhere_says_so() -> None:
    result = plan(scene(snapshot("x", [station("D", 3000, bikes=0)])))
    assert result.trips == () and result.why_none == "no bike to take in X"


def test_a_station_rides_at_the_price_of_the_systems_only_plan() -> None:
    plan_ = PricingPlan(
        "p",
        "Ride",
        "EUR",
        Decimal("1.00"),
        per_min=(PriceSegment(start=0, rate=Decimal("0.10"), interval=1),),
    )
    stations = [station("P", 0, docks=0), station("D", 2950, bikes=0)]
    (trip,) = plan(scene(snapshot("x", stations, pricing=(plan_,))), to=at(2950, 0)).trips
    # 885 s of riding: charged at minutes 0 .. 14, 15 times.
    assert trip.price is not None and trip.price.amount == Decimal("2.50")
    assert trip.price.currency == "EUR"


def test_a_station_ride_takes_the_cheapest_of_several_plans_for_this_ride() -> None:
    per_minute = PricingPlan(
        "minute",
        "Per minute",
        "EUR",
        Decimal("0.00"),
        per_min=(PriceSegment(start=0, rate=Decimal("0.20"), interval=1),),
    )
    flat = PricingPlan("flat", "Day pass", "EUR", Decimal("2.00"))  # fmt: skip
    stations = [station("P", 0, docks=0), station("D", 2950, bikes=0), station("N", 300)]
    the_scene = scene(snapshot("x", stations, pricing=(per_minute, flat)))
    (long_ride,) = plan(the_scene, to=at(2950, 0), limit=1).trips
    # 885 s of riding: 15 charges of 0.20 = 3.00 per minute, so the flat plan.
    assert long_ride.price is not None and long_ride.price.amount == Decimal("2.00")
    assert long_ride.price_text is not None
    assert long_ride.price_text.endswith("(the cheapest of 2 plans for this ride)")
    (short_ride,) = plan(the_scene, to=at(300, 0), limit=1).trips  # P to N: 300 m
    assert short_ride.price is not None and short_ride.price.amount < Decimal("2.00")


# --------------------------------------------------------------------------- pieces


def test_ride_cost_counts_each_charge_of_each_segment() -> None:
    per_min = (PriceSegment(0, Decimal("0.20"), 1, end=10), PriceSegment(10, Decimal("1.00"), 5))
    plan_ = PricingPlan("p", None, "USD", Decimal("1"), per_min=per_min)
    assert ride_cost(plan_, 4.5, 0) == Decimal("2.00")  # 1 + 5 x 0.20
    assert ride_cost(plan_, 12, 0) == Decimal("4.00")  # 1 + 10 x 0.20 + 1 x 1.00
    assert ride_cost(replace(plan_, surge_pricing=True), 12, 0) is None
    assert ride_cost(replace(plan_, price=None), 12, 0) is None


def test_geofencing_rules_by_zone_type_hole_and_global_rule() -> None:
    outer = _square_around(B, 300)
    hole = _square_around(B, 50)
    doc = {"data": {
        "geofencing_zones": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
             "properties": {"rules": [{"vehicle_type_ids": ["scooter"], "ride_allowed": False},
                                      {"ride_end_allowed": False}]}},
        ]},
        "global_rules": [{"ride_end_allowed": False, "vehicle_type_ids": ["car"]}],
    }}  # fmt: skip
    zones = parse_geofencing_zones(doc, "u")
    ring = at(3200, 0)  # inside the zone, outside its hole
    assert zones.ride_end_allowed(*ring, "scooter") is False  # v2's ride_allowed
    assert zones.ride_end_allowed(*ring, "ebike") is False  # the rule for every type
    assert zones.ride_end_allowed(*B, "ebike") is True  # in the hole
    assert zones.ride_end_allowed(*at(0, 0), "ebike") is True  # outside every zone
    assert zones.ride_end_allowed(*at(0, 0), "car") is False  # the global rule


# --------------------------------------------------------------------------- brute force


def brute_force(the_scene: Scene, to: tuple[float, float], speeds: Speeds) -> list[float]:
    """Every pickup's best total over every drop-off of its system, best first."""
    walk = 3.6 / speeds.walking_kmh
    ride = 1.25 * 3.6 / speeds.riding_kmh
    totals = []
    for index in the_scene.indexes:
        usable = [s for s in index.snapshot.stations if s.status is not None]
        pickups = [s for s in usable if (s.status.bikes or 0) > 0]  # type: ignore[union-attr]
        drops = [s for s in usable if (s.status.docks or 0) > 0]  # type: ignore[union-attr]
        for p in pickups:
            walk_to = walk * haversine_m(*A, p.info.lat, p.info.lon)
            best = min(
                (walk_to + 90 + ride * haversine_m(p.info.lat, p.info.lon, d.info.lat, d.info.lon)
                 + walk * haversine_m(d.info.lat, d.info.lon, *to)
                 for d in drops if d.station_id != p.station_id),
                default=None,
            )  # fmt: skip
            if best is not None:
                totals.append(best)
    return sorted(totals)


_metres = st.floats(min_value=-4000, max_value=4000, allow_nan=False)
_station = st.tuples(_metres, _metres, st.integers(0, 2), st.integers(0, 2))


@given(
    systems=st.lists(st.lists(_station, min_size=1, max_size=25), min_size=1, max_size=3),
    to=st.tuples(_metres, _metres),
    limit=st.integers(1, 4),
    walking=st.floats(2, 10),
    riding=st.floats(5, 30),
)
def test_the_listed_trips_equal_a_brute_force_over_all_pairs(
    systems: list[list[tuple[float, float, int, int]]],
    to: tuple[float, float],
    limit: int,
    walking: float,
    riding: float,
) -> None:
    snapshots = [
        snapshot(f"s{n}", [station(f"{n}-{i}", east, north, bikes=bikes, docks=docks)
                           for i, (east, north, bikes, docks) in enumerate(stations)])
        for n, stations in enumerate(systems)
    ]  # fmt: skip
    the_scene = scene(*snapshots)
    destination = at(*to)
    speeds = Speeds(walking_kmh=walking, riding_kmh=riding)
    result = plan_trips(the_scene, A, destination, now=T0, limit=limit, speeds=speeds)
    expected = brute_force(the_scene, destination, speeds)[:limit]
    assert [trip.total_s for trip in result.trips] == pytest.approx(expected, abs=1e-6)
    for trip in result.trips:
        assert trip.dropoff.station_id is not None
        assert trip.dropoff.station_id.split("-")[0] == trip.pickup.item_id.split("-")[0]
